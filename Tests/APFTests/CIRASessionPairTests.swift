// A server session and a device session wired to each other in memory: every message is
// encoded, split at seeded random points, and decoded on the other side.

import APF
import Testing
import TestSupport

/// The two sessions, their decoders, and the bytes in flight between them.
struct Wire {
    var now = ContinuousClock.now
    var server: CIRAServerSession
    var device: CIRADeviceSession
    var serverDecoder = APFDecoder(role: .server)
    var deviceDecoder = APFDecoder(role: .device)
    var toServer: [UInt8] = []
    var toDevice: [UInt8] = []
    var lookups: [CIRAServerAction] = []
    var serverEvents: [CIRAServerAction] = []
    var deviceEvents: [CIRADeviceAction] = []
    var sentToDevice: [APFMessage] = []
    var sentToServer: [APFMessage] = []
    var rng: SplitMix64

    init(seed: UInt64, device edit: (inout CIRADeviceConfiguration) -> Void = { _ in }) throws {
        var config = CIRADeviceConfiguration(
            uuid: testUUID,
            username: "admin",
            password: "P@ssw0rd"
        )
        edit(&config)
        self.server = CIRAServerSession(now: self.now)
        self.device = try CIRADeviceSession(configuration: config)
        self.rng = SplitMix64(seed: seed)
    }

    mutating func serverDo(_ actions: [CIRAServerAction]) {
        for action in actions {
            switch action {
            case .send(let message):
                self.sentToDevice.append(message)
                self.toDevice += message.encode()
            case .checkAllowlist, .verifyCredentials:
                self.lookups.append(action)
                self.serverEvents.append(action)
            default:
                self.serverEvents.append(action)
            }
        }
    }

    mutating func deviceDo(_ actions: [CIRADeviceAction]) {
        for action in actions {
            if case .send(let message) = action {
                self.deviceDecoder.noteSent(message)
                self.sentToServer.append(message)
                self.toServer += message.encode()
            } else {
                self.deviceEvents.append(action)
            }
        }
    }

    /// A random-length prefix of `bytes`, removed from it.
    static func takeChunk(_ bytes: inout [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        let n = Int.random(in: 1...min(bytes.count, 700), using: &rng)
        defer { bytes.removeFirst(n) }
        return Array(bytes[0..<n])
    }

    /// Moves bytes and answers lookups until both directions are quiet (bounded).
    mutating func pump() throws {
        for _ in 0..<100_000 {
            if !self.toServer.isEmpty {
                self.serverDecoder.append(Self.takeChunk(&self.toServer, &self.rng))
                while let message = try self.serverDecoder.next() {
                    self.serverDo(self.server.received(message, now: self.now))
                }
            } else if !self.toDevice.isEmpty {
                self.deviceDecoder.append(Self.takeChunk(&self.toDevice, &self.rng))
                while let message = try self.deviceDecoder.next() {
                    self.deviceDo(self.device.received(message, now: self.now))
                }
            } else if !self.lookups.isEmpty {
                switch self.lookups.removeFirst() {
                case .checkAllowlist(let uuid):
                    self.serverDo(
                        self.server.allowlistChecked(known: uuid == testUUID, now: self.now)
                    )
                case .verifyCredentials(_, let user, let password):
                    let valid = user == "admin" && password == "P@ssw0rd"
                    self.serverDo(self.server.credentialsChecked(valid: valid, now: self.now))
                default:
                    break
                }
            } else {
                return
            }
        }
        Issue.record("the sessions never went quiet")
    }

    /// Bytes the device application received on a channel.
    func deviceReceived(_ channel: ChannelID) -> [UInt8] {
        self.deviceEvents.flatMap { (event) -> [UInt8] in
            if case .channelData(channel, let bytes) = event { bytes } else { [] }
        }
    }

    func serverReceived(_ channel: ChannelID) -> [UInt8] {
        self.serverEvents.flatMap { (event) -> [UInt8] in
            if case .channelData(channel, let bytes) = event { bytes } else { [] }
        }
    }
}

@Suite struct CIRASessionPairTests {
    /// The full handshake of §10 runs over the wire, then keep-alives flow every 30 s.
    @Test(arguments: [UInt64(1), 2, 3])
    func handshakeOverTheWire(seed: UInt64) throws {
        var wire = try Wire(seed: seed) { $0.keepAliveInterval = 90 }
        wire.deviceDo(wire.device.start(now: wire.now))
        try wire.pump()
        #expect(wire.server.state == .authenticated)
        #expect(wire.server.forwardedPorts == amtPorts)
        #expect(wire.device.state == .ready)
        #expect(wire.device.keepAliveInterval == 30)
        #expect(wire.server.deviceKeepAliveInterval == 30)
        #expect(
            wire.sentToDevice
                == [
                    .serviceAccept(APFConstants.authService), .userAuthSuccess,
                    .serviceAccept(APFConstants.portForwardingService),
                ] + amtPorts.map { .requestSuccess(port: $0) }
                + [.keepAliveOptionsRequest(interval: 30, timeout: 0)]
        )
        #expect(
            wire.serverEvents
                == [
                    .checkAllowlist(uuid: testUUID),
                    .verifyCredentials(uuid: testUUID, username: "admin", password: "P@ssw0rd"),
                    .authenticated(uuid: testUUID),
                ]
        )
        #expect(wire.deviceEvents == [.tunnelReady])

        for round in 1...4 {
            wire.now = try #require(wire.device.nextDeadline)
            wire.deviceDo(wire.device.tick(now: wire.now))
            wire.serverDo(wire.server.tick(now: wire.now))
            try wire.pump()
            #expect(wire.device.lastKeepAliveReply == UInt32(round))
        }
        #expect(wire.server.state == .authenticated)
    }

    /// Wrong credentials: the device sees USERAUTH_FAILURE and closes, the MPS never
    /// registers the tunnel.
    @Test func wrongPasswordOverTheWire() throws {
        var wire = try Wire(seed: 9) { $0.password = "wrong" }
        wire.deviceDo(wire.device.start(now: wire.now))
        try wire.pump()
        #expect(
            wire.deviceEvents == [.authenticationFailed, .close(reason: "authentication failed")]
        )
        #expect(!wire.serverEvents.contains(.authenticated(uuid: testUUID)))
        #expect(wire.server.state == .awaitingUserAuth)
    }

    /// A channel exchange with a 512-byte device window: requests larger than the window are
    /// split to credit, smaller ones are never split, the device's 40 KB answer returns with
    /// WINDOW_ADJUSTs, and each side closes exactly once.
    @Test(arguments: [UInt64(11), 12])
    func channelExchangeWithSmallDeviceWindow(seed: UInt64) throws {
        var wire = try Wire(seed: seed) { $0.receiveWindow = 512 }
        wire.deviceDo(wire.device.start(now: wire.now))
        try wire.pump()

        let (channel, open) = try wire.server.openChannel(port: 16992, now: wire.now)
        wire.serverDo(open)
        let big = (0..<2000).map { UInt8($0 % 253) }
        let small = [UInt8](repeating: 0x5A, count: 300)
        wire.serverDo(try wire.server.send(big, on: channel))
        wire.serverDo(try wire.server.send(small, on: channel))
        try wire.pump()

        let deviceChannel = ChannelID(0)
        #expect(wire.deviceEvents.contains(.channelOpened(deviceChannel, port: 16992)))
        #expect(wire.deviceReceived(deviceChannel) == big + small)
        let payloads = wire.sentToDevice.compactMap {
            if case .channelData(_, let data) = $0 { data } else { nil }
        }
        #expect(payloads.map(\.count).max() == 512)
        let smallTravelledWhole = payloads.contains(small)
        #expect(smallTravelledWhole)
        #expect(wire.serverEvents.contains(.channelWritable(channel)))

        let response = (0..<40_000).map { UInt8(($0 * 7) % 256) }
        wire.deviceDo(try wire.device.send(response, on: deviceChannel))
        try wire.pump()
        #expect(wire.serverReceived(channel) == response)
        let adjusts = wire.sentToDevice.filter {
            if case .windowAdjust = $0 { true } else { false }
        }
        // The device's first CHANNEL_DATA uses the whole 32 KiB credit; the MPS returns it at
        // once, and the 7,232-byte rest stays below half a window.
        #expect(adjusts == [.windowAdjust(recipient: 0, bytes: 32768)])
        #expect(!wire.sentToDevice.contains { if case .disconnect = $0 { true } else { false } })
        #expect(!wire.sentToServer.contains { if case .disconnect = $0 { true } else { false } })

        wire.serverDo(wire.server.close(channel))
        try wire.pump()
        let isClose = { (m: APFMessage) in if case .channelClose = m { true } else { false } }
        #expect(wire.sentToDevice.filter(isClose) == [.channelClose(recipient: 0)])
        #expect(wire.sentToServer.filter(isClose) == [.channelClose(recipient: 4)])
        #expect(wire.serverEvents.filter { $0 == .channelClosed(channel) }.count == 1)
        #expect(wire.deviceEvents.filter { $0 == .channelClosed(deviceChannel) }.count == 1)
        #expect(wire.server.channelCount == 0)
        #expect(wire.device.channelCount == 0)
    }
}
