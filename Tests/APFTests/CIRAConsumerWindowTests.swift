// Consumer-driven receive window: credit goes back to the device only as the reader takes
// bytes (relays, issue 5), while the default channel keeps adjusting on delivery (WS-MAN).

import APF
import Testing

@Suite struct CIRAConsumerWindowTests {
    /// Opens a consumer-driven channel with `window` and confirms it.
    private func open(_ h: inout ServerHarness, window: UInt32) throws -> ChannelID {
        h.authenticate()
        let (id, actions) = try h.session.openChannel(port: 16994, now: h.at(0), consumerWindow: window)
        guard case .channelOpen(_, _, let advertised, _, _, _, _)? = sent(actions).first else {
            Issue.record("no CHANNEL_OPEN")
            return id
        }
        #expect(advertised == window)
        _ = h.receive(.channelOpenConfirmation(recipient: id.rawValue, sender: 7, initialWindow: 4096))
        return id
    }

    /// Delivered bytes return no credit; consuming more than half the window does, once.
    @Test func creditReturnsOnlyAsConsumed() throws {
        var h = ServerHarness()
        let id = try self.open(&h, window: 1000)
        let data = h.receive(.channelData(recipient: id.rawValue, data: [UInt8](repeating: 1, count: 900)))
        #expect(data == [.channelData(id, [UInt8](repeating: 1, count: 900))])
        #expect(h.session.consumed(400, on: id) == [])
        #expect(h.session.consumed(200, on: id) == [.send(.windowAdjust(recipient: 7, bytes: 600))])
        // Consuming more than was delivered cannot raise credit above the window.
        #expect(h.session.consumed(5000, on: id) == [])
        // 300 unconsumed + 600 returned = 700 credit left of 1000: 701 overruns.
        let overrun = h.receive(.channelData(recipient: id.rawValue, data: [UInt8](repeating: 2, count: 701)))
        #expect(overrun.contains { if case .close = $0 { true } else { false } })
    }

    /// A device that keeps sending without the reader consuming hits the window limit.
    @Test func unreadBytesStopTheDevice() throws {
        var h = ServerHarness()
        let id = try self.open(&h, window: 1000)
        _ = h.receive(.channelData(recipient: id.rawValue, data: [UInt8](repeating: 1, count: 1000)))
        let more = h.receive(.channelData(recipient: id.rawValue, data: [1]))
        #expect(more.contains { if case .close = $0 { true } else { false } })
    }

    /// The default (delivery-driven) channel adjusts on delivery and ignores `consumed`.
    @Test func deliveryModeUnchanged() throws {
        var h = ServerHarness()
        h.authenticate()
        let (id, _) = try h.session.openChannel(port: 16992, now: h.at(0))
        _ = h.receive(.channelOpenConfirmation(recipient: id.rawValue, sender: 3, initialWindow: 4096))
        let actions = h.receive(.channelData(recipient: id.rawValue, data: [UInt8](repeating: 0, count: 20000)))
        #expect(actions.contains(.send(.windowAdjust(recipient: 3, bytes: 20000))))
        #expect(h.session.consumed(20000, on: id) == [])
    }
}
