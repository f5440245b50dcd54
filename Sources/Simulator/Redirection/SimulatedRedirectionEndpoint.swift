internal import Crypto
// Simulator redirection: AMT's side of port 16994 (redirection.md §2.2–§2.4), no I/O.
public import Foundation

/// The kinds of redirection session the simulated device serves.
public enum SimulatedRedirectionMode: String, Sendable, CaseIterable {
    case sol, kvm, ider

    init?(tag: [UInt8]) {
        switch String(decoding: tag, as: UTF8.self) {
        case "SOL ": self = .sol
        case "KVMR": self = .kvm
        case "IDER": self = .ider
        default: return nil
        }
    }
}

/// The device end of one redirection channel, as a pure state machine: fed the channel's
/// bytes, it returns the bytes to send back and whether to close.
///
/// It answers StartRedirectionSession (busy for a mode the wiring says is taken), offers the
/// configured auth types (digest only by default) and refuses any other type with status 2
/// (B48), and checks the digest strictly against the device's AMT credentials. Then it hands
/// the stream to the mode: a SOL console, an RFB 3.8 KVM server or an IDE-R framer. It does
/// not know about other channels; the simulated device decides `busy`.
public struct SimulatedRedirectionEndpoint: Sendable {
    /// Device settings for the redirection service.
    public struct Configuration: Sendable {
        public var username: String
        public var password: String
        /// The digest realm, `Digest:` plus 32 upper-case hex digits on real AMT.
        public var realm = "Digest:A3829B3827DE4D33D4449B366831FD01"
        /// The auth types the query reply lists.
        public var authTypes: [UInt8] = [4]
        /// Modes that answer BUSY (a session of that kind is already running).
        public var busy: Set<SimulatedRedirectionMode> = []
        /// Modes whose redirection service is disabled (answered UNSUPPORTED).
        public var disabled: Set<SimulatedRedirectionMode> = []
        public var kvm = SimulatedRFBServer.Configuration()

        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    enum Phase: Sendable {
        case awaitingStart
        case authenticating(SimulatedRedirectionMode)
        case sol(SimulatedSOLSession)
        case kvm(SimulatedKVMSession)
        case ider(SimulatedIDERSession)
        case closed
    }

    /// Pre-auth messages are small; a longer announced length is an attack, not a client.
    static let maximumAuthLength = 4096

    private let configuration: Configuration
    private let makeNonce: @Sendable () -> String
    private var input = RedirectionByteQueue()
    private var phase: Phase = .awaitingStart
    private var nonce: String?
    /// Digest attempts that failed, for tests and the simulator's log.
    public private(set) var failedAuthentications = 0

    /// - Parameter nonce: makes each challenge's nonce (32 random hex digits by default).
    public init(
        configuration: Configuration,
        nonce: (@Sendable () -> String)? = nil
    ) {
        self.configuration = configuration
        self.makeNonce = nonce ?? { SecureRandom.hexToken(bytes: 16) }
    }

    /// The authenticated session's mode, or nil before authentication.
    public var mode: SimulatedRedirectionMode? {
        switch self.phase {
        case .sol: .sol
        case .kvm: .kvm
        case .ider: .ider
        case .awaitingStart, .authenticating, .closed: nil
        }
    }

    public var isClosed: Bool { if case .closed = self.phase { true } else { false } }

    /// The SOL console, once a SOL session is authenticated.
    public var sol: SimulatedSOLSession? { if case .sol(let s) = self.phase { s } else { nil } }
    /// The KVM session, once authenticated.
    public var kvm: SimulatedKVMSession? { if case .kvm(let s) = self.phase { s } else { nil } }
    /// The IDE-R session, once authenticated.
    public var ider: SimulatedIDERSession? { if case .ider(let s) = self.phase { s } else { nil } }

    /// Feeds bytes from the channel.
    public mutating func received(_ bytes: [UInt8], now: Date) -> RedirectionEndpointOutput {
        guard !self.isClosed else { return RedirectionEndpointOutput() }
        self.input.append(bytes)
        var output = RedirectionEndpointOutput()
        while !output.close, !self.input.isEmpty {
            guard let step = self.step(now: now) else { break }
            output.append(step)
        }
        if output.close { self.phase = .closed }
        return output
    }

    /// Lets time pass: heartbeats, the KVM clock, pending screen updates.
    public mutating func tick(now: Date) -> RedirectionEndpointOutput {
        var output = RedirectionEndpointOutput()
        switch self.phase {
        case .sol(var s):
            output = s.tick(now: now)
            self.phase = .sol(s)
        case .kvm(var s):
            output = s.tick(now: now)
            self.phase = .kvm(s)
        case .ider(var s):
            output = s.tick(now: now)
            self.phase = .ider(s)
        case .awaitingStart, .authenticating, .closed:
            break
        }
        if output.close { self.phase = .closed }
        return output
    }

    /// One message's worth of work, or nil when more bytes are needed.
    private mutating func step(now: Date) -> RedirectionEndpointOutput? {
        if self.input[0] == 0x12 {
            // EndRedirectionSession (4 bytes) ends any phase.
            guard self.input.count >= 4 else { return nil }
            self.input.drop(4)
            return RedirectionEndpointOutput(close: true)
        }
        switch self.phase {
        case .awaitingStart: return self.start()
        case .authenticating(let mode): return self.authenticate(mode, now: now)
        case .sol(var s):
            let out = s.received(&self.input, now: now)
            self.phase = .sol(s)
            return out
        case .kvm(var s):
            let out = s.received(&self.input, now: now)
            self.phase = .kvm(s)
            return out
        case .ider(var s):
            let out = s.received(&self.input, now: now)
            self.phase = .ider(s)
            return out
        case .closed: return RedirectionEndpointOutput(close: true)
        }
    }

    private mutating func start() -> RedirectionEndpointOutput? {
        guard self.input[0] == 0x10 else { return RedirectionEndpointOutput(close: true) }
        guard self.input.count >= 8 else { return nil }
        let message = self.input.take(8)
        let reply: (UInt8) -> [UInt8] = { [0x11, $0, 0, 0, 1, 0, 0x0F, 0, 0x57, 1, 0, 0, 0] }
        guard let mode = SimulatedRedirectionMode(tag: Array(message[4..<8])) else {
            return RedirectionEndpointOutput(bytes: reply(1))  // TYPE_UNKNOWN
        }
        if self.configuration.disabled.contains(mode) {
            return RedirectionEndpointOutput(bytes: reply(3))  // UNSUPPORTED
        }
        if self.configuration.busy.contains(mode) {
            return RedirectionEndpointOutput(bytes: reply(2))  // BUSY
        }
        self.phase = .authenticating(mode)
        return RedirectionEndpointOutput(bytes: reply(0))  // appendix A4
    }

    private mutating func authenticate(
        _ mode: SimulatedRedirectionMode,
        now: Date
    ) -> RedirectionEndpointOutput? {
        guard self.input[0] == 0x13 else { return RedirectionEndpointOutput(close: true) }
        guard self.input.count >= 9 else { return nil }
        let n = Int(self.input.le32(5))
        guard n <= Self.maximumAuthLength else { return RedirectionEndpointOutput(close: true) }
        guard self.input.count >= 9 + n else { return nil }
        let type = self.input[4]
        self.input.drop(9)
        let data = self.input.take(n)
        if type == 0 {
            let list = self.configuration.authTypes
            return reply(status: 0, type: 0, data: list)
        }
        guard type == 4, self.configuration.authTypes.contains(4) else {
            return reply(status: 2, type: type)  // NOT_SUPPORTED (B48)
        }
        guard let fields = Self.fields(data, count: 8) else {
            return reply(status: 1, type: 4)
        }
        let (user, realm, nonce) = (fields[0], fields[1], fields[2])
        guard !realm.isEmpty, let expected = self.nonce, nonce == expected else {
            // An "empty" digest asks for a challenge (§2.4).
            let fresh = self.makeNonce()
            self.nonce = fresh
            var challenge: [UInt8] = []
            for text in [self.configuration.realm, fresh, "auth"] {
                challenge.append(UInt8(text.utf8.count))
                challenge += Array(text.utf8)
            }
            return reply(status: 1, type: 4, data: challenge)
        }
        self.nonce = nil  // one answer per challenge
        let (uri, cnonce, nc, response, qop) = (
            fields[3], fields[4], fields[5], fields[6], fields[7]
        )
        let c = self.configuration
        let ha1 = Hash.md5Hex("\(c.username):\(c.realm):\(c.password)")
        let ha2 = Hash.md5Hex("POST:\(uri)")
        let answer = Hash.md5Hex("\(ha1):\(nonce):\(nc):\(cnonce):\(qop):\(ha2)")
        let userOK = constantTimeEqual(user, self.configuration.username)
        let responseOK = constantTimeEqual(answer, response.lowercased())
        guard userOK, responseOK, realm == self.configuration.realm, qop == "auth" else {
            self.failedAuthentications += 1
            return reply(status: 1, type: 4)
        }
        switch mode {
        case .sol: self.phase = .sol(SimulatedSOLSession(now: now))
        case .kvm: self.phase = .kvm(SimulatedKVMSession(configuration: self.configuration.kvm))
        case .ider: self.phase = .ider(SimulatedIDERSession(now: now))
        }
        return reply(status: 0, type: 4)  // appendix A11
    }

    private func reply(status: UInt8, type: UInt8, data: [UInt8] = []) -> RedirectionEndpointOutput
    {
        RedirectionEndpointOutput(
            bytes: [0x14, status, 0, 0, type] + RedirectionLE.u32(UInt32(data.count)) + data
        )
    }

    /// Splits `count` one-byte-length-prefixed fields; nil when they do not fit exactly.
    static func fields(_ data: [UInt8], count: Int) -> [String]? {
        var out: [String] = []
        var offset = 0
        for _ in 0..<count {
            guard offset < data.count else { return nil }
            let length = Int(data[offset])
            guard offset + 1 + length <= data.count else { return nil }
            out.append(String(decoding: data[(offset + 1)..<(offset + 1 + length)], as: UTF8.self))
            offset += 1 + length
        }
        return offset == data.count ? out : nil
    }
}
