// SPDX-License-Identifier: Apache-2.0

import HTTP
import RPC
import Testing

private let t0 = ContinuousClock.now

private func session(_ configure: (inout RPCWebSocketConfiguration) -> Void = { _ in }) -> RPCWebSocketSession
{
    var c = RPCWebSocketConfiguration(idleTimeout: nil)
    configure(&c)
    return RPCWebSocketSession(configuration: c, now: t0)
}

private func changed(_ guid: String, _ state: Int) -> RPCRequest {
    .notification("devices.changed", params: .object(["guid": .string(guid), "state": .int(state)]))
}

private func sent(_ n: RPCRequest) -> RPCWebSocketAction {
    .send(.text(String(decoding: n.serialized(), as: UTF8.self)))
}

private func dispatches(_ actions: [RPCWebSocketAction]) -> [RPCWebSocketSession.DispatchID] {
    actions.compactMap {
        if case .dispatch(let id, _) = $0 { return id }
        return nil
    }
}

/// Flow control: the in-flight bound, the slow-consumer bound, coalescing.
@Suite struct RPCWebSocketFlowTests {
    /// While the socket is blocked, answers and pushes queue; writable flushes them in order.
    @Test func blockedOutputQueuesAndFlushes() {
        var s = session()
        let ids = (0..<2).flatMap { dispatches(s.received(.text("r\($0)"), now: t0)) }
        #expect(s.writabilityChanged(false, now: t0) == [])
        #expect(s.dispatchCompleted(ids[0], response: Array("a0".utf8), now: t0) == [])
        #expect(s.notify(changed("g1", 1), now: t0) == [])
        #expect(s.dispatchCompleted(ids[1], response: Array("a1".utf8), now: t0) == [])
        #expect(s.queuedCount == 3)
        #expect(
            s.writabilityChanged(true, now: t0) == [
                .send(.text("a0")), sent(changed("g1", 1)), .send(.text("a1")),
            ]
        )
        #expect(s.queuedCount == 0)
        // Writable with nothing queued: sent at once.
        #expect(s.notify(changed("g1", 2), coalescingKey: "devices:g1", now: t0) == [sent(changed("g1", 2))])
    }

    /// A slow client gets each device's latest state once, in first-queued order.
    @Test func notificationsCoalescePerDevice() {
        var s = session { $0.maxQueuedMessages = 3 }
        _ = s.writabilityChanged(false, now: t0)
        for state in 1...50 {
            #expect(s.notify(changed("A", state), coalescingKey: "devices:A", now: t0) == [])
            #expect(s.notify(changed("B", state), coalescingKey: "devices:B", now: t0) == [])
        }
        #expect(s.notify(changed("C", 1), now: t0) == [])  // no key: never coalesced
        #expect(s.queuedCount == 3)
        #expect(s.state == .open)
        #expect(
            s.writabilityChanged(true, now: t0) == [
                sent(changed("A", 50)), sent(changed("B", 50)), sent(changed("C", 1)),
            ]
        )
    }

    /// Past the queue bound (count or bytes), the client is closed with 1008, not buffered.
    @Test func slowConsumerIsClosed() {
        var s = session { $0.maxQueuedMessages = 4 }
        _ = s.writabilityChanged(false, now: t0)
        for i in 0..<4 { #expect(s.notify(changed("g\(i)", 1), now: t0) == []) }
        #expect(s.notify(changed("g4", 1), now: t0) == [.send(.close(code: 1008, reason: "client too slow"))])
        #expect(s.state == .closing)
        #expect(s.queuedCount == 0)
        // Becoming writable later sends nothing queued before the close.
        #expect(s.writabilityChanged(true, now: t0) == [])

        var bytes = session { $0.maxQueuedBytes = 100 }
        _ = bytes.writabilityChanged(false, now: t0)
        let ids = (0..<3).flatMap { dispatches(bytes.received(.text("r\($0)"), now: t0)) }
        // One answer bigger than the bound still goes when nothing else waits.
        #expect(
            bytes.dispatchCompleted(ids[0], response: [UInt8](repeating: 0x61, count: 150), now: t0) == []
        )
        #expect(
            bytes.dispatchCompleted(ids[1], response: [0x62], now: t0)
                == [.send(.close(code: 1008, reason: "client too slow"))]
        )
        #expect(bytes.dispatchCompleted(ids[2], response: [0x63], now: t0) == [])
    }

    /// Coalescing in place still respects the byte bound.
    @Test func coalescingRespectsByteBound() {
        var s = session { $0.maxQueuedBytes = 200 }
        _ = s.writabilityChanged(false, now: t0)
        #expect(s.notify(changed("A", 1), coalescingKey: "A", now: t0) == [])
        #expect(s.notify(changed("B", 1), coalescingKey: "B", now: t0) == [])
        let huge = RPCRequest.notification(
            "devices.changed",
            params: .object(["guid": "A", "pad": .string(String(repeating: "x", count: 200))])
        )
        #expect(
            s.notify(huge, coalescingKey: "A", now: t0) == [
                .send(.close(code: 1008, reason: "client too slow"))
            ]
        )
    }

    /// Past `maxInFlight`, requests wait in the backlog with reading paused; past the
    /// backlog bound, close 1008. Completions release the backlog in order.
    @Test func inFlightBoundAndBacklog() throws {
        var s = session {
            $0.maxInFlight = 2
            $0.maxBacklog = 2
        }
        let first = dispatches(s.received(.text("m0"), now: t0) + s.received(.text("m1"), now: t0))
        #expect(first.count == 2)
        #expect(s.received(.text("m2"), now: t0) == [.pauseReading])
        #expect(s.received(.text("m3"), now: t0) == [])
        var actions = s.dispatchCompleted(first[0], response: Array("a0".utf8), now: t0)
        let third = try #require(dispatches(actions).first)
        #expect(actions == [.send(.text("a0")), .dispatch(third, Array("m2".utf8))])
        actions = s.dispatchCompleted(first[1], response: nil, now: t0)
        let fourth = try #require(dispatches(actions).first)
        #expect(actions == [.dispatch(fourth, Array("m3".utf8)), .resumeReading])
        #expect(s.inFlightCount == 2)

        // Now overflow it: two wait, the next closes.
        #expect(s.received(.text("m4"), now: t0) == [.pauseReading])
        #expect(s.received(.text("m5"), now: t0) == [])
        #expect(s.received(.text("m6"), now: t0) == [.send(.close(code: 1008, reason: "too many requests"))])
        #expect(s.dispatchCompleted(third, response: Array("a2".utf8), now: t0) == [])
    }

    /// While we are not reading, an unread pong is not the peer's fault.
    @Test func pausedReadingSuspendsPongAccounting() {
        var s = session {
            $0.maxInFlight = 1
            $0.maxBacklog = 1
        }
        _ = s.received(.text("m0"), now: t0)
        #expect(s.received(.text("m1"), now: t0) == [.pauseReading])
        for n in 1...5 {
            #expect(s.tick(now: t0 + .seconds(30 * n)) == [.send(.ping([0, 0, 0, 0, 0, 0, 0, UInt8(n)]))])
        }
        #expect(s.state == .open)
    }

    /// A ping flood while our output is blocked leaves one pong to send, the latest.
    @Test func pongsCoalesceWhileBlocked() {
        var s = session()
        _ = s.writabilityChanged(false, now: t0)
        for n: UInt8 in 1...100 { #expect(s.received(.ping([n]), now: t0) == []) }
        #expect(s.writabilityChanged(true, now: t0) == [.send(.pong([100]))])
    }

    /// A socket that vanished ends the session without actions.
    @Test func connectionLoss() throws {
        var s = session()
        let id = try #require(dispatches(s.received(.text("m"), now: t0)).first)
        s.connectionClosed()
        #expect(s.state == .closed)
        #expect(s.closeCode == 1006)
        #expect(s.dispatchCompleted(id, response: [1], now: t0) == [])
        #expect(s.tick(now: t0 + .seconds(100)) == [])
    }
}
