// SPDX-License-Identifier: Apache-2.0

import HTTP
import RPC
import Testing

private let t0 = ContinuousClock.now

/// `seconds` after the session started.
private func at(_ seconds: Double) -> ContinuousClock.Instant {
    t0 + .milliseconds(Int(seconds * 1000))
}

private func ping(_ n: UInt8) -> RPCWebSocketAction { .send(.ping([0, 0, 0, 0, 0, 0, 0, n])) }

private func session(_ configure: (inout RPCWebSocketConfiguration) -> Void = { _ in }) -> RPCWebSocketSession
{
    var c = RPCWebSocketConfiguration(pingInterval: .seconds(30), maxMissedPongs: 2, idleTimeout: nil)
    configure(&c)
    return RPCWebSocketSession(configuration: c, now: t0)
}

private func devicesChanged(_ guid: String, _ state: Int) -> RPCRequest {
    .notification("devices.changed", params: .object(["guid": .string(guid), "state": .int(state)]))
}

private func text(_ n: RPCRequest) -> RPCWebSocketAction {
    .send(.text(String(decoding: n.serialized(), as: UTF8.self)))
}

private func dispatchID(_ actions: [RPCWebSocketAction]) -> RPCWebSocketSession.DispatchID? {
    guard case .dispatch(let id, _)? = actions.first else { return nil }
    return id
}

@Suite struct RPCWebSocketSessionTests {
    @Test func requestIsDispatchedAndAnswered() throws {
        var s = session()
        let body = #"{"jsonrpc":"2.0","method":"m","id":1}"#
        let actions = s.received(.text(body), now: at(1))
        let id = try #require(dispatchID(actions))
        #expect(actions == [.dispatch(id, Array(body.utf8))])
        #expect(s.inFlightCount == 1)
        let answer = #"{"jsonrpc":"2.0","result":1,"id":1}"#
        #expect(s.dispatchCompleted(id, response: Array(answer.utf8), now: at(2)) == [.send(.text(answer))])
        // A notification-only message completes with nothing to send.
        let second = try #require(
            dispatchID(s.received(.text(#"{"jsonrpc":"2.0","method":"n"}"#), now: at(3)))
        )
        #expect(s.dispatchCompleted(second, response: nil, now: at(3)) == [])
        #expect(s.inFlightCount == 0)
    }

    @Test func clientPingGetsPong() {
        var s = session()
        #expect(s.received(.ping([1, 2, 3]), now: at(1)) == [.send(.pong([1, 2, 3]))])
        #expect(s.received(.pong([9]), now: at(1)) == [])
    }

    /// Pings go out every interval; answered ones keep the connection, two missed drop it.
    @Test func pingsAndMissedPongs() {
        var s = session()
        #expect(s.nextDeadline == at(30))
        #expect(s.tick(now: at(29.9)) == [])
        #expect(s.tick(now: at(30)) == [ping(1)])
        #expect(s.received(.pong([0, 0, 0, 0, 0, 0, 0, 1]), now: at(30.1)) == [])
        for n in 2...6 {
            #expect(s.tick(now: at(30 * Double(n))) == [ping(UInt8(n))])
            #expect(s.received(.pong([]), now: at(30 * Double(n) + 1)) == [])
        }
        // Now the peer goes silent: ping 7 is missed once (ping 8 goes out), then twice.
        #expect(s.tick(now: at(210)) == [ping(7)])
        #expect(s.tick(now: at(240)) == [ping(8)])
        #expect(s.tick(now: at(270)) == [.closeConnection])
        #expect(s.state == .closed)
        #expect(s.closeCode == 1006)
        #expect(s.nextDeadline == nil)
        #expect(s.tick(now: at(300)) == [])
    }

    /// Any inbound traffic (a request, the peer's own ping) also proves the peer is alive.
    @Test func inboundTrafficCountsAsPong() {
        var s = session()
        #expect(s.tick(now: at(30)) == [ping(1)])
        _ = s.received(.ping([]), now: at(31))
        #expect(s.tick(now: at(60)) == [ping(2)])
        _ = s.received(.text("{}"), now: at(61))
        #expect(s.tick(now: at(90)) == [ping(3)])
        #expect(s.tick(now: at(120)) == [ping(4)])
        #expect(s.tick(now: at(150)) == [.closeConnection])
    }

    /// Idle: no request, response or notification for the timeout → close 1000.
    @Test func idleTimeout() throws {
        var s = session { $0.idleTimeout = .seconds(60) }
        let id = try #require(dispatchID(s.received(.text("[]"), now: at(10))))
        // Not idle while a request runs.
        #expect(s.tick(now: at(30)) == [ping(1)])
        _ = s.received(.pong([]), now: at(30))
        #expect(s.nextDeadline == at(60))
        #expect(s.tick(now: at(60)) == [ping(2)])
        _ = s.received(.pong([]), now: at(60))
        #expect(s.dispatchCompleted(id, response: Array("x".utf8), now: at(80)) == [.send(.text("x"))])
        #expect(s.nextDeadline == at(90))
        #expect(s.tick(now: at(90)) == [ping(3)])
        _ = s.received(.pong([]), now: at(90))
        #expect(s.nextDeadline == at(120))
        #expect(s.tick(now: at(139)) == [ping(4)])
        #expect(s.tick(now: at(140)) == [.send(.close(code: 1000, reason: "idle timeout"))])
        #expect(s.state == .closing)
        #expect(s.nextDeadline == at(145))
        #expect(s.tick(now: at(145)) == [.closeConnection])
        #expect(s.state == .closed)
    }

    /// The peer closes: we echo its code (an empty close for 1005) and close the socket.
    static let closeFrames: [(UInt16, [UInt8])] = [
        (1000, [0x88, 0x02, 0x03, 0xE8]), (1005, [0x88, 0x00]), (4000, [0x88, 0x02, 0x0F, 0xA0]),
    ]

    @Test(arguments: closeFrames)
    func peerStartsClose(code: UInt16, frame: [UInt8]) throws {
        var s = session()
        let id = try #require(dispatchID(s.received(.text("{}"), now: at(1))))
        let actions = s.received(.close(code: code, reason: "bye"), now: at(2))
        #expect(actions == [.send(.close(code: code, reason: "")), .closeConnection])
        #expect(WebSocketFrameEncoder(role: .server).encode(.close(code: code, reason: "")) == frame)
        #expect(s.state == .closed)
        #expect(s.closeCode == code)
        // The late answer is dropped.
        #expect(s.dispatchCompleted(id, response: Array("x".utf8), now: at(3)) == [])
        #expect(s.received(.text("{}"), now: at(3)) == [])
    }

    /// We close (shutdown): nothing more is sent, inbound data is ignored until the peer's
    /// close frame, and a peer that never answers is dropped after the close timeout.
    @Test func serverStartsClose() throws {
        var s = session()
        let id = try #require(dispatchID(s.received(.text("{}"), now: at(1))))
        #expect(
            s.close(code: 1001, reason: "shutting down", now: at(2)) == [
                .send(.close(code: 1001, reason: "shutting down"))
            ]
        )
        #expect(s.state == .closing)
        #expect(s.received(.text("{}"), now: at(2.1)) == [])
        #expect(s.received(.ping([1]), now: at(2.2)) == [])
        #expect(s.dispatchCompleted(id, response: Array("x".utf8), now: at(2.3)) == [])
        #expect(s.notify(devicesChanged("a", 1), now: at(2.4)) == [])
        #expect(s.sessionRevoked(now: at(2.5)) == [])
        #expect(s.received(.close(code: 1001, reason: ""), now: at(3)) == [.closeConnection])
        #expect(s.state == .closed)
        #expect(s.closeCode == 1001)

        var silent = session()
        _ = silent.close(code: 1001, reason: "", now: at(2))
        #expect(silent.nextDeadline == at(7))
        #expect(silent.tick(now: at(6.9)) == [])
        #expect(silent.tick(now: at(7)) == [.closeConnection])
    }

    @Test func revocationClosesWith4401() {
        var s = session()
        #expect(s.sessionRevoked(now: at(1)) == [.send(.close(code: 4401, reason: "session revoked"))])
        #expect(s.closeCode == 4401)
        let frame = WebSocketFrameEncoder(role: .server).encode(.close(code: 4401, reason: "session revoked"))
        #expect(Array(frame.prefix(4)) == [0x88, 17, 0x11, 0x31])
    }

    @Test func oversizeBinaryAndBrokenFrames() {
        var big = session { $0.maxMessageSize = 10 }
        #expect(big.received(.text("0123456789"), now: at(1)).count == 1)
        #expect(
            big.received(.text("0123456789A"), now: at(1)) == [
                .send(.close(code: 1009, reason: "message too big"))
            ]
        )

        var binary = session()
        #expect(
            binary.received(.binary([1]), now: at(1)) == [
                .send(.close(code: 1003, reason: "text messages only"))
            ]
        )

        for (error, code) in [
            (WebSocketError.invalidUTF8, UInt16(1007)), (.messageTooLarge, 1009), (.maskRequired, 1002),
        ] {
            var s = session()
            #expect(
                s.decodingFailed(error, now: at(1)) == [
                    .send(.close(code: code, reason: "")), .closeConnection,
                ]
            )
            #expect(s.closeCode == code)
        }
    }
}
