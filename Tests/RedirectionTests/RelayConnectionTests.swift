// The relay glue against a loopback simulated device over in-memory pipes (B43, B46, B48).
import Foundation
import Logging
import Redirection
import Simulator
import Store
import Testing
import TestSupport

@Suite struct RelayConnectionTests {
    static let guid = "11111111-2222-4333-8444-555555555555"
    let logger = Logger(label: "relay-test", level: .critical)
    let sessions = RelaySessions()

    /// Time-outs far beyond what a loaded 2-core machine can stall the task pool for (20 s has
    /// been seen), so they only end a relay in the tests that set their own.
    static let idle = Duration.seconds(300), handshake = Duration.seconds(120)

    func configuration(idle: Duration = Self.idle, handshake: Duration = Self.handshake)
        -> RelayConfiguration
    {
        var c = RelayConfiguration()
        c.idleTimeout = idle
        c.handshakeTimeout = handshake
        c.tunnelLossGrace = .milliseconds(1)
        return c
    }

    func start(
        _ mode: RedirectionMode,
        channel: any RelayChannel,
        sink: FakeSink,
        password: String = "P@ssw0rd",
        idle: Duration = Self.idle,
        handshake: Duration = Self.handshake,
        tunnelIsUp: @escaping @Sendable () async -> Bool = { true }
    ) async throws -> (RelayConnection, RelaySession) {
        let session = try self.sessions.reserve(
            guid: Self.guid,
            mode: mode,
            principal: "alice",
            remoteAddress: "127.0.0.1"
        )
        let relay = try await RelayConnection.start(
            channel: channel,
            mode: mode,
            credentials: AMTCredentials(username: "admin", password: password),
            sink: sink,
            session: session,
            configuration: self.configuration(idle: idle, handshake: handshake),
            tunnelIsUp: tunnelIsUp,
            logger: self.logger
        )
        return (relay, session)
    }

    /// SOL: the server authenticates, the browser starts SOL with 0x20 and talks to the
    /// console; closing the browser closes the channel, frees the slot and keeps byte counts.
    @Test func relaysASOLSessionAndEndsOnBrowserClose() async throws {
        let channel = MemoryChannel()
        let sink = FakeSink()
        let device = LoopbackDevice(channel, configuration: LoopbackDevice.configuration())
        let (relay, session) = try await self.start(.sol, channel: channel, sink: sink)
        #expect(sink.bytes.isEmpty)  // the browser sees nothing of the handshake
        await relay.fromBrowser(Vectors.startSOLRedirection)
        #expect(await eventually { sink.bytes.starts(with: Vectors.startSOLReply) })
        await relay.fromBrowser(hexBytes("28 00 00 00 02 00 00 00 04 00") + ascii("ver\r"))
        let version = ascii(SimulatedSOLConsole.version)
        #expect(await eventually { sink.bytes.containsSequence(version) })
        #expect(self.sessions.status(guid: Self.guid) == RedirectionStatus(sol: true))

        relay.browserClosed()
        #expect(await relay.waitForEnd() == .browserClosed)
        #expect(sink.closeCodes.isEmpty && channel.toDevice.isClosed)
        #expect(self.sessions.status(guid: Self.guid) == RedirectionStatus())
        let record = try #require(session.record)
        #expect(record.bytesToDevice == UInt64(24 + 14))
        #expect(record.bytesToBrowser == UInt64(sink.bytes.count))
        #expect(record.endReason == "browser closed the session" && record.principal == "alice")
        await device.task.value
    }

    /// KVM: after the server's handshake the browser's 0x40 gets 0x41 and the RFB version.
    @Test func relaysKVMToRFB() async throws {
        let channel = MemoryChannel()
        let sink = FakeSink()
        _ = LoopbackDevice(channel, configuration: LoopbackDevice.configuration())
        let (relay, _) = try await self.start(.kvm, channel: channel, sink: sink)
        await relay.fromBrowser(hexBytes("40 00 00 00 00 00 00 00"))
        #expect(
            await eventually {
                sink.bytes == hexBytes("41 00 00 00 00 00 00 00") + ascii("RFB 003.008\n")
            }
        )
        relay.close()
        #expect(await relay.waitForEnd() == .serverShutdown)
        #expect(sink.closeCodes == [RelayCloseCode.serverShutdown.rawValue])
    }

    /// B46: the device ending the session (CHANNEL_CLOSE) closes the browser with 4100 within
    /// a second and frees the slot for a new session; a lost tunnel gives 4101.
    @Test(arguments: [true, false]) func deviceCloseReachesTheBrowser(tunnelUp: Bool) async throws {
        let channel = MemoryChannel()
        let sink = FakeSink()
        _ = LoopbackDevice(channel, configuration: LoopbackDevice.configuration())
        let (relay, _) = try await self.start(
            .sol,
            channel: channel,
            sink: sink,
            tunnelIsUp: { tunnelUp }
        )
        await relay.fromBrowser(Vectors.startSOLRedirection)
        let expected: RelayEndReason = tunnelUp ? .deviceClosed : .tunnelLost
        // B46 asks for 1 s; the relay itself adds only the tunnel-loss grace. Time the task
        // pool was stalled (a loaded machine) is not the relay's and is left out.
        let (reason, took) = await measureExcludingStalls {
            await relay.fromBrowser(hexBytes("28 00 00 00 02 00 00 00 05 00") + ascii("exit\r"))
            return await relay.waitForEnd()
        }
        #expect(reason == expected)
        #expect(took < .seconds(1), "\(took)")
        #expect(RelayConfiguration().tunnelLossGrace < .milliseconds(100))
        #expect(sink.closeCodes == [tunnelUp ? 4100 : 4101])
        #expect(sink.bytes.containsSequence(ascii("Goodbye.")))  // bytes before the close arrive
        #expect(self.sessions.status(guid: Self.guid) == RedirectionStatus())
        _ = try self.sessions.reserve(
            guid: Self.guid,
            mode: .sol,
            principal: "bob",
            remoteAddress: "::1"
        )
    }

    /// A wrong stored password: the relay fails with 4102, closes the channel and frees the
    /// slot, and the reason names no secret (B48).
    @Test func wrongPasswordFailsWith4102() async throws {
        let channel = MemoryChannel()
        let sink = FakeSink()
        _ = LoopbackDevice(channel, configuration: LoopbackDevice.configuration())
        await #expect(throws: RelayEndReason.handshakeFailed(.authenticationFailed(status: 1))) {
            _ = try await self.start(.kvm, channel: channel, sink: sink, password: "nope")
        }
        #expect(sink.closeCodes == [4102])
        #expect(!sink.closeReasons.joined().contains("nope"))
        #expect(channel.closes.load(ordering: .relaxed) == 1)
        #expect(self.sessions.status(guid: Self.guid) == RedirectionStatus())
        #expect(
            self.sessions.history().last?.endReason?.contains("refused redirection authentication")
                == true
        )
    }

    /// A busy device gives 4105; a silent one 4107 after the handshake timeout; a device
    /// that drops the channel mid-handshake while the tunnel is gone gives 4101.
    @Test func handshakeFailuresMapToCloseCodes() async throws {
        let busy = MemoryChannel()
        let busySink = FakeSink()
        _ = LoopbackDevice(busy, configuration: LoopbackDevice.configuration { $0.busy = [.kvm] })
        await #expect(throws: RelayEndReason.handshakeFailed(.sessionRefused(status: 2))) {
            _ = try await self.start(.kvm, channel: busy, sink: busySink)
        }
        #expect(busySink.closeCodes == [4105])

        let silent = ScriptedChannel([])
        let silentSink = FakeSink()
        let (_, took) = await measureExcludingStalls {
            await #expect(throws: RelayEndReason.handshakeFailed(.timeout)) {
                _ = try await self.start(
                    .sol,
                    channel: silent,
                    sink: silentSink,
                    handshake: .milliseconds(100)
                )
            }
        }
        // The 100 ms timeout fired, not the default one; pool stalls left out.
        #expect(took < .seconds(2), "\(took)")
        #expect(silentSink.closeCodes == [4107])

        let dropped = ScriptedChannel([Vectors.startReply])
        let droppedSink = FakeSink()
        let task = Task {
            try await self.start(.ider, channel: dropped, sink: droppedSink, tunnelIsUp: { false })
        }
        #expect(await eventually { dropped.written.withLock { $0.count } == 2 })
        dropped.pipe.close()
        await #expect(throws: RelayEndReason.tunnelLost) { _ = try await task.value }
        #expect(droppedSink.closeCodes == [4101])
    }

    /// Device bytes that arrive with the success reply go to the browser first, in order.
    @Test func forwardsBytesThatFollowTheSuccessReply() async throws {
        let channel = ScriptedChannel([
            Vectors.startReply, Vectors.digestOnly, Vectors.challenge,
            Vectors.authSuccess + ascii("AB"),
        ])
        let sink = FakeSink()
        let (relay, _) = try await self.start(.sol, channel: channel, sink: sink)
        #expect(await eventually { sink.bytes == ascii("AB") })
        channel.pipe.write(ascii("CD"))
        #expect(await eventually { sink.bytes == ascii("ABCD") })
        relay.browserClosed()
    }

    /// No bytes either way for the idle time ends the relay with 4104; traffic postpones it.
    @Test func idleTimeoutEndsTheRelay() async throws {
        let idle = Duration.seconds(1)
        // The idle clock starts inside `start`, so not before `began`: while less than `idle`
        // has passed since, the relay must still be open. An attempt in which the test itself
        // was held up that long (a stalled task pool) shows nothing and is made again.
        for _ in 0..<5 {
            let channel = MemoryChannel()
            let sink = FakeSink()
            _ = LoopbackDevice(channel, configuration: LoopbackDevice.configuration())
            let began = ContinuousClock.now
            let (relay, _) = try await self.start(.sol, channel: channel, sink: sink, idle: idle)
            try await Task.sleep(for: .milliseconds(200))
            let touched = ContinuousClock.now
            await relay.fromBrowser(Vectors.startSOLRedirection)
            let ended = relay.endReason
            guard ContinuousClock.now - began < idle else {
                relay.close()
                _ = await relay.waitForEnd()
                continue
            }
            #expect(ended == nil)
            #expect(await relay.waitForEnd() == .idle)
            // Counted from the browser's bytes (at or after `touched`), not from the hand-over
            // 200 ms earlier.
            #expect(ContinuousClock.now - touched >= idle)
            #expect(sink.closeCodes == [4104])
            return
        }
        Issue.record("the test process was stalled for a second in each of five attempts")
    }

    /// A backed-up browser stops the relay reading the channel; once it drains, every byte
    /// arrives in order.
    @Test func slowBrowserStopsChannelReads() async throws {
        let channel = ScriptedChannel([
            Vectors.startReply, Vectors.digestOnly, Vectors.challenge, Vectors.authSuccess,
        ])
        let sink = FakeSink()
        let (relay, _) = try await self.start(.kvm, channel: channel, sink: sink)
        sink.setGate(open: false)
        let chunks = (0..<50).map { [UInt8](repeating: UInt8($0), count: 100) }
        for chunk in chunks { channel.pipe.write(chunk) }
        try await Task.sleep(for: .milliseconds(100))
        let readsWhileBlocked = channel.reads.load(ordering: .relaxed)
        #expect(readsWhileBlocked <= 6)  // 4 handshake reads, one chunk held at the sink
        sink.setGate(open: true)
        #expect(await eventually { sink.bytes.count == 5000 })
        #expect(sink.bytes == chunks.flatMap { $0 })
        relay.browserClosed()
    }

    /// Close codes are the documented 4100-series numbers and reasons fit a close frame.
    @Test func closeCodesAreDocumentedNumbers() {
        #expect(RelayCloseCode.allCases.map(\.rawValue) == Array(4100...4112))
        let reasons: [RelayEndReason] = [
            .deviceClosed, .tunnelLost, .idle, .alreadyActive(.kvm), .noCredentials, .tlsRequired,
            .noRedirectionPort, .channelUnavailable(.openTimedOut),
            .handshakeFailed(.noSupportedAuthType(offered: Array(0...200))),
        ]
        for r in reasons { #expect(r.closeCode != nil) }
        #expect(RelayEndReason.alreadyActive(.kvm).closeCode == .alreadyActive)
        #expect(RelayEndReason.browserClosed.closeCode == nil)
    }
}

extension RelayConnectionTests {
    /// Cancelling the task running the handshake (the browser left) ends it promptly as a
    /// channel close, frees the slot, and does not wait for the handshake timeout.
    @Test func cancellingTheHandshakeEndsIt() async throws {
        let silent = ScriptedChannel([]), sink = FakeSink()
        let task = Task { try await self.start(.kvm, channel: silent, sink: sink, handshake: .seconds(120)) }
        #expect(await eventually { silent.written.withLock { $0.count } == 1 })
        let began = ContinuousClock.now
        task.cancel()
        await #expect(throws: RelayEndReason.handshakeFailed(.channelClosed)) {
            _ = try await task.value
        }
        #expect(ContinuousClock.now - began < .seconds(60))  // not the 120 s handshake timeout
        #expect(self.sessions.status(guid: Self.guid) == RedirectionStatus())
    }
}
