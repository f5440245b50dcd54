// MPS-opened channels: ids, credit accounting both ways, close exactly once (spec §6).

import APF
import Testing

@Suite struct CIRAServerChannelTests {
    /// Channels start at id 4 with the §6.1 fields (V16 exactly), ids and ports count up.
    @Test func opensWithReferenceFields() throws {
        var h = ServerHarness()
        h.authenticate()
        let (first, actions) = try h.session.openChannel(port: 16992, now: h.at(0))
        #expect(first == ChannelID(4))
        #expect(sent(actions).map { $0.encode() } == [vectorBytes("V16")])
        let (second, more) = try h.session.openChannel(port: 16994, now: h.at(0))
        #expect(second == ChannelID(5))
        #expect(
            sent(more) == [
                .channelOpen(
                    type: "forwarded-tcpip",
                    senderChannel: 5,
                    initialWindow: 32768,
                    connectedAddress: "",
                    connectedPort: 16994,
                    originatorAddress: "1.2.3.4",
                    originatorPort: 1025
                )
            ]
        )
    }

    /// Opens are refused before authentication, to unforwarded ports, and past the cap.
    @Test func refusesInvalidOpens() throws {
        var h = ServerHarness()
        #expect(throws: CIRAChannelError.notConnected) {
            _ = try h.session.openChannel(port: 16992, now: h.at(0))
        }
        h.authenticate(ports: [16992])
        #expect(throws: CIRAChannelError.portNotForwarded(16994)) {
            _ = try h.session.openChannel(port: 16994, now: h.at(0))
        }
        for _ in 0..<8 { _ = try h.session.openChannel(port: 16992, now: h.at(0)) }
        #expect(throws: CIRAChannelError.tooManyChannels) {
            _ = try h.session.openChannel(port: 16992, now: h.at(0))
        }
    }

    /// Data written while opening is queued, then flushed on confirmation within credit.
    @Test func flushesQueuedDataOnConfirmation() throws {
        var h = ServerHarness()
        h.authenticate()
        let (id, _) = try h.session.openChannel(port: 16992, now: h.at(0))
        #expect(try h.session.send(Array("POST /wsman HTTP".utf8), on: id) == [])
        #expect(h.session.queuedBytes(on: id) == 16)
        let actions = h.receive(
            .channelOpenConfirmation(recipient: 4, sender: 1, initialWindow: 4096)
        )
        #expect(
            actions == [
                .channelOpened(id),
                .send(.channelData(recipient: 1, data: Array("POST /wsman HTTP".utf8))),
                .channelWritable(id),
            ]
        )
        #expect(sent(actions).first?.encode() == vectorBytes("V19"))
    }

    /// A message that fits the device's initial window is never split: it waits for credit.
    @Test func doesNotSplitMessagesThatFitTheWindow() throws {
        var h = ServerHarness()
        h.authenticate()
        let id = try h.openConfirmed(window: 512)
        let a = [UInt8](repeating: 0xA, count: 300)
        let b = [UInt8](repeating: 0xB, count: 300)
        #expect(try h.session.send(a, on: id) == [.send(.channelData(recipient: 1, data: a))])
        #expect(try h.session.send(b, on: id) == [])
        #expect(h.session.queuedBytes(on: id) == 300)
        #expect(h.receive(.windowAdjust(recipient: 4, bytes: 87)) == [])
        #expect(
            h.receive(.windowAdjust(recipient: 4, bytes: 1))
                == [.send(.channelData(recipient: 1, data: b)), .channelWritable(id)]
        )
        #expect(h.session.queuedBytes(on: id) == 0)
    }

    /// A message larger than the window is split exactly to the credit available.
    @Test func splitsMessagesLargerThanTheWindow() throws {
        var h = ServerHarness()
        h.authenticate()
        let id = try h.openConfirmed(window: 512)
        let big = (0..<1200).map { UInt8($0 % 251) }
        #expect(
            try h.session.send(big, on: id)
                == [.send(.channelData(recipient: 1, data: Array(big[0..<512])))]
        )
        #expect(
            h.receive(.windowAdjust(recipient: 4, bytes: 499))
                == [.send(.channelData(recipient: 1, data: Array(big[512..<1011])))]
        )
        #expect(
            h.receive(.windowAdjust(recipient: 4, bytes: 499))
                == [
                    .send(.channelData(recipient: 1, data: Array(big[1011...]))),
                    .channelWritable(id),
                ]
        )
    }

    /// Small messages queued together leave as one CHANNEL_DATA when credit returns.
    @Test func coalescesQueuedMessages() throws {
        var h = ServerHarness()
        h.authenticate()
        let id = try h.openConfirmed(window: 10)
        _ = try h.session.send([UInt8](repeating: 1, count: 10), on: id)
        _ = try h.session.send([2, 2, 2], on: id)
        _ = try h.session.send([3, 3], on: id)
        #expect(
            h.receive(.windowAdjust(recipient: 4, bytes: 100))
                == [
                    .send(.channelData(recipient: 1, data: [2, 2, 2, 3, 3])), .channelWritable(id),
                ]
        )
    }

    /// The send queue is bounded; the caller must wait for `.channelWritable`.
    @Test func boundsSendQueue() throws {
        var config = CIRAServerConfiguration()
        config.maxQueuedBytesPerChannel = 1000
        var h = ServerHarness(configuration: config)
        h.authenticate()
        let (id, _) = try h.session.openChannel(port: 16992, now: h.at(0))
        _ = try h.session.send([UInt8](repeating: 0, count: 1000), on: id)
        #expect(throws: CIRAChannelError.queueFull) { _ = try h.session.send([1], on: id) }
    }

    /// Received data is delivered; WINDOW_ADJUST goes out once more than half is pending.
    @Test func returnsReceiveCredit() throws {
        var h = ServerHarness()
        h.authenticate()
        let id = try h.openConfirmed(deviceID: 9)
        let half = [UInt8](repeating: 1, count: 16384)
        #expect(h.receive(.channelData(recipient: 4, data: half)) == [.channelData(id, half)])
        #expect(
            h.receive(.channelData(recipient: 4, data: [2]))
                == [.channelData(id, [2]), .send(.windowAdjust(recipient: 9, bytes: 16385))]
        )
        // Credit is now full again: a whole window is accepted.
        let window = [UInt8](repeating: 3, count: 32768)
        #expect(h.receive(.channelData(recipient: 4, data: window)).count == 2)
    }

    /// Data beyond the granted window is a protocol error: DISCONNECT(2), channel closed.
    @Test func disconnectsOnWindowOverrun() throws {
        var h = ServerHarness()
        h.authenticate()
        let id = try h.openConfirmed()
        _ = h.receive(.channelData(recipient: 4, data: [UInt8](repeating: 0, count: 16000)))
        let actions = h.receive(
            .channelData(recipient: 4, data: [UInt8](repeating: 0, count: 16769))
        )
        #expect(
            actions == [
                .send(.disconnect(reason: .protocolError)), .channelClosed(id),
                .close(reason: "device overran the channel window"),
            ]
        )
    }

    /// MPS close: one CHANNEL_CLOSE, one event; the device's answer and repeats do nothing.
    @Test func closesOnceFromTheMPS() throws {
        var h = ServerHarness()
        h.authenticate()
        let id = try h.openConfirmed()
        #expect(h.session.close(id) == [.send(.channelClose(recipient: 1)), .channelClosed(id)])
        #expect(h.session.close(id) == [])
        #expect(throws: CIRAChannelError.channelClosed) { _ = try h.session.send([1], on: id) }
        #expect(h.receive(.channelData(recipient: 4, data: [1])) == [])
        #expect(h.receive(.channelClose(recipient: 4)) == [])
        #expect(h.session.channelCount == 0)
        // §8 item 3: the device reuses its id 1 for the next channel; nothing closes it.
        let next = try h.openConfirmed(deviceID: 1)
        #expect(h.receive(.channelClose(recipient: 4)) == [])
        #expect(
            h.session.close(next) == [.send(.channelClose(recipient: 1)), .channelClosed(next)]
        )
    }

    /// Device close of an open channel: answered once, reported once.
    @Test func answersDeviceCloseOnce() throws {
        var h = ServerHarness()
        h.authenticate()
        let id = try h.openConfirmed(deviceID: 2)
        #expect(
            h.receive(.channelClose(recipient: 4)) == [
                .send(.channelClose(recipient: 2)), .channelClosed(id),
            ]
        )
        #expect(h.receive(.channelClose(recipient: 4)) == [])
        #expect(h.session.close(id) == [])
    }

    /// Closing while opening sends nothing until the confirmation, then CHANNEL_CLOSE.
    @Test func closesWhileOpening() throws {
        var h = ServerHarness()
        h.authenticate()
        let (id, _) = try h.session.openChannel(port: 16992, now: h.at(0))
        _ = try h.session.send([1, 2, 3], on: id)
        #expect(h.session.close(id) == [.channelClosed(id)])
        #expect(
            h.receive(.channelOpenConfirmation(recipient: 4, sender: 6, initialWindow: 4096))
                == [.send(.channelClose(recipient: 6))]
        )
        #expect(h.receive(.channelClose(recipient: 4)) == [])
        #expect(h.session.channelCount == 0)
    }

    /// An open refused with V18 reports the reason, then the close, and frees the slot.
    @Test func reportsOpenFailure() throws {
        var h = ServerHarness()
        h.authenticate()
        let (id, _) = try h.session.openChannel(port: 16992, now: h.at(0))
        #expect(
            h.receive(.channelOpenFailure(recipient: 4, reason: .resourceShortage))
                == [.channelOpenFailed(id, reason: .resourceShortage), .channelClosed(id)]
        )
        #expect(h.session.channelCount == 0)
    }

    /// An unanswered open fails after the timeout; a late confirmation is closed at once.
    @Test func timesOutUnansweredOpen() throws {
        var h = ServerHarness()
        h.authenticate()
        let (id, _) = try h.session.openChannel(port: 16992, now: h.at(1))
        #expect(h.session.nextDeadline == h.at(16))
        #expect(h.tick(at: 15.9) == [])
        #expect(h.tick(at: 16) == [.channelOpenFailed(id, reason: nil), .channelClosed(id)])
        #expect(
            h.receive(.channelOpenConfirmation(recipient: 4, sender: 0, initialWindow: 1), at: 17)
                == [.send(.channelClose(recipient: 0))]
        )
    }

    /// Messages naming unknown channels are skipped (§6.3).
    @Test func ignoresUnknownChannels() throws {
        var h = ServerHarness()
        h.authenticate()
        #expect(h.receive(.channelData(recipient: 99, data: [1])) == [])
        #expect(h.receive(.windowAdjust(recipient: 99, bytes: 1)) == [])
        #expect(h.receive(.channelClose(recipient: 99)) == [])
        #expect(
            h.receive(.channelOpenConfirmation(recipient: 99, sender: 1, initialWindow: 1)) == []
        )
        #expect(h.session.state == .authenticated)
    }

    /// When the tunnel ends, every channel the user still owns is reported closed once.
    @Test func tunnelCloseEndsEveryChannelOnce() throws {
        var h = ServerHarness()
        h.authenticate()
        let a = try h.openConfirmed(deviceID: 0)
        let b = try h.openConfirmed(deviceID: 1)
        let (c, _) = try h.session.openChannel(port: 16994, now: h.at(0))
        _ = h.session.close(b)
        #expect(
            h.receive(.disconnect(reason: .byApplication))
                == [
                    .channelClosed(a), .channelClosed(c),
                    .close(reason: "device sent DISCONNECT(11)"),
                ]
        )
        #expect(h.session.close(a) == [])
    }

    /// 10,000 open/close cycles leave no entries behind (§8 item 28); ids are never reused.
    @Test func doesNotLeakClosedChannels() throws {
        var h = ServerHarness()
        h.authenticate()
        var last = ChannelID(0)
        for _ in 0..<10_000 {
            let id = try h.openConfirmed(deviceID: 0)
            #expect(id > last)
            last = id
            _ = h.session.close(id)
            _ = h.receive(.channelClose(recipient: id.rawValue))
        }
        #expect(h.session.channelCount == 0)
        #expect(last == ChannelID(10_003))
    }
}
