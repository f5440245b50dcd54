// Shared helpers for the APF tests: hex literals, a seeded generator, split feeding.

import APF
import TestSupport

/// Bytes from a hex string; whitespace is ignored.
func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.filter { !$0.isWhitespace }.utf8)
    precondition(digits.count % 2 == 0, "odd hex literal")
    return stride(from: 0, to: digits.count, by: 2).map {
        UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
    }
}

/// How a byte stream is cut before it reaches a decoder.
enum Feeding: CustomStringConvertible, CaseIterable {
    case whole
    case byteByByte
    case randomSplits(seed: UInt64)

    static let allCases: [Feeding] = [
        .whole, .byteByByte, .randomSplits(seed: 1), .randomSplits(seed: 42),
        .randomSplits(seed: 0xC1A),
    ]

    var description: String {
        switch self {
        case .whole: "whole"
        case .byteByByte: "byte by byte"
        case .randomSplits(let seed): "random splits (seed \(seed))"
        }
    }

    /// The chunks `bytes` is delivered in.
    func chunks(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        switch self {
        case .whole:
            return [bytes[...]]
        case .byteByByte:
            return bytes.indices.map { bytes[$0...$0] }
        case .randomSplits(let seed):
            return randomPieces(bytes, seed: seed, maxPiece: 40)
        }
    }
}

/// Feeds `bytes` to a fresh decoder in the given chunks and returns every message.
func decodeAll(
    _ bytes: [UInt8],
    role: APFDecoder.Role,
    expecting replies: [APFReplyKind] = [],
    feeding: Feeding
) throws -> [APFMessage] {
    var decoder = APFDecoder(role: role)
    for kind in replies { decoder.expectReply(kind) }
    var messages: [APFMessage] = []
    for chunk in feeding.chunks(of: bytes) {
        decoder.append(chunk)
        while let message = try decoder.next() { messages.append(message) }
    }
    return messages
}

let testUUID = "00112233-4455-6677-8899-aabbccddeeff"
let authRequest = APFMessage.userAuthRequest(
    username: "admin",
    service: APFConstants.portForwardingService,
    method: "password",
    password: "P@ssw0rd"
)
let amtPorts: [UInt32] = [16993, 16992, 664, 623, 16995, 16994, 5900]

func forward(_ port: UInt32) -> APFMessage {
    .globalRequest(.tcpipForward(address: "", port: port))
}

/// Only the messages among server actions.
func sent(_ actions: [CIRAServerAction]) -> [APFMessage] {
    actions.compactMap { if case .send(let m) = $0 { m } else { nil } }
}

/// Whether the actions end the connection.
func closes(_ actions: [CIRAServerAction]) -> Bool {
    actions.contains { if case .close = $0 { true } else { false } }
}

/// A server session at a fixed start instant, with helpers for relative time.
struct ServerHarness {
    let t0 = ContinuousClock.now
    var session: CIRAServerSession

    init(configuration: CIRAServerConfiguration = .init()) {
        self.session = CIRAServerSession(configuration: configuration, now: self.t0)
    }

    func at(_ seconds: Double) -> ContinuousClock.Instant {
        self.t0 + .milliseconds(Int64(seconds * 1000))
    }

    mutating func receive(_ message: APFMessage, at seconds: Double = 0) -> [CIRAServerAction] {
        self.session.received(message, now: self.at(seconds))
    }

    mutating func tick(at seconds: Double) -> [CIRAServerAction] {
        self.session.tick(now: self.at(seconds))
    }

    /// Runs V1..V4 with both lookups succeeding, the pfwd service, and the given forwards.
    mutating func authenticate(ports: [UInt32] = amtPorts, at seconds: Double = 0) {
        _ = self.receive(
            .protocolVersion(major: 1, minor: 0, trigger: 4, uuid: testUUID),
            at: seconds
        )
        _ = self.session.allowlistChecked(known: true, now: self.at(seconds))
        _ = self.receive(.serviceRequest(APFConstants.authService), at: seconds)
        _ = self.receive(authRequest, at: seconds)
        _ = self.session.credentialsChecked(valid: true, now: self.at(seconds))
        _ = self.receive(.serviceRequest(APFConstants.portForwardingService), at: seconds)
        for port in ports { _ = self.receive(forward(port), at: seconds) }
        precondition(self.session.state == .authenticated)
    }

    /// Opens a channel to `port` and confirms it with the device id and window given.
    mutating func openConfirmed(
        port: UInt32 = 16992,
        deviceID: UInt32 = 1,
        window: UInt32 = 32768,
        at seconds: Double = 0
    ) throws -> ChannelID {
        let (id, _) = try self.session.openChannel(port: port, now: self.at(seconds))
        _ = self.receive(
            .channelOpenConfirmation(
                recipient: id.rawValue,
                sender: deviceID,
                initialWindow: window
            ),
            at: seconds
        )
        return id
    }
}
