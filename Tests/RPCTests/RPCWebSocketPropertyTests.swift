// SPDX-License-Identifier: Apache-2.0

import HTTP
import RPC
import Testing
import TestSupport

/// Random event sequences keep the session's promises: bounded memory, nothing after the
/// close frame, nothing after the socket is closed, a deadline while open.
@Suite struct RPCWebSocketPropertyTests {
    @Test(arguments: 1...8)
    func randomEventsKeepInvariants(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let config = RPCWebSocketConfiguration(
            pingInterval: .seconds(5),
            maxMissedPongs: 2,
            idleTimeout: .seconds(20),
            closeTimeout: .seconds(2),
            maxMessageSize: 64,
            maxInFlight: 3,
            maxBacklog: 2,
            maxQueuedMessages: 4,
            maxQueuedBytes: 400
        )
        var now = ContinuousClock.now
        var s = RPCWebSocketSession(configuration: config, now: now)
        var pending: [RPCWebSocketSession.DispatchID] = []
        var closeSent = false
        var socketClosed = false
        var sessions = 1
        var frames = 0
        for step in 0..<2000 {
            if socketClosed {
                #expect(s.tick(now: now).isEmpty, "actions after the socket closed")
                s = RPCWebSocketSession(configuration: config, now: now)
                (pending, closeSent, socketClosed) = ([], false, false)
                sessions += 1
            }
            now += .milliseconds(Int.random(in: 0...1500, using: &rng))
            let actions: [RPCWebSocketAction]
            switch Int.random(in: 0..<10, using: &rng) {
            case 0, 1:
                let size = Int.random(in: 0...66, using: &rng)
                actions = s.received(.text(String(repeating: "x", count: size)), now: now)
            case 2: actions = s.received(.ping([UInt8(step & 0x7F)]), now: now)
            case 3: actions = s.received(.pong([]), now: now)
            case 4 where !pending.isEmpty:
                let id = pending.remove(at: Int.random(in: 0..<pending.count, using: &rng))
                let body = Bool.random(using: &rng) ? nil : [UInt8](repeating: 0x61, count: 90)
                actions = s.dispatchCompleted(id, response: body, now: now)
            case 5:
                let guid = "g\(Int.random(in: 0..<6, using: &rng))"
                let n = RPCRequest.notification("devices.changed", params: .object(["guid": .string(guid)]))
                actions = s.notify(n, coalescingKey: Bool.random(using: &rng) ? guid : nil, now: now)
            case 6: actions = s.writabilityChanged(Bool.random(using: &rng), now: now)
            case 7 where Int.random(in: 0..<40, using: &rng) == 0:
                actions = s.received(.close(code: 1000, reason: ""), now: now)
            case 8 where Int.random(in: 0..<60, using: &rng) == 0:
                actions = s.sessionRevoked(now: now)
            default: actions = s.tick(now: now)
            }
            for action in actions {
                switch action {
                case .dispatch(let id, let body):
                    #expect(!closeSent)
                    #expect(body.count <= config.maxMessageSize)
                    pending.append(id)
                case .send(.close):
                    #expect(!closeSent, "two close frames")
                    closeSent = true
                case .send:
                    #expect(!closeSent, "a frame after our close frame")
                    frames += 1
                case .closeConnection:
                    socketClosed = true
                case .pauseReading, .resumeReading:
                    break
                }
            }
            #expect(s.queuedCount <= config.maxQueuedMessages)
            #expect(s.inFlightCount <= config.maxInFlight)
            #expect((s.nextDeadline == nil) == (s.state == .closed))
            #expect(socketClosed == (s.state == .closed))
        }
        #expect(sessions >= 3)
        #expect(frames >= 200)
    }
}
