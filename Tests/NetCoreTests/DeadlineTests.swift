import Crypto
import NetCore
import Synchronization
import Testing

/// A connection's own deadline (no Timer object): it fires once, after its time, on the loop;
/// setting another replaces it, nil cancels it, and a closed connection hears nothing more.
@Suite struct DeadlineTests {
    @Test func deadlinesFireReplaceCancelAndEndWithTheConnection() async throws {
        try await withGroup { group in
            let server = Events()
            let listener = try Listener.bind(
                host: "127.0.0.1", port: 0, tls: nil, group: group, handshakeTimeout: .seconds(10)
            ) { _ in Probe(server) }
            defer { listener.close() }
            let early = Mutex(0)
            // Client 1: a far deadline replaced by a near one; on firing, one more, then close.
            let first = Events()
            try await connectProbe(loop: group.next(), port: listener.port, tls: nil, events: first) {
                probe in
                probe.onActive = { connection in
                    connection.setDeadline(connection.loop.now + .seconds(3600))
                    let set = connection.loop.now
                    connection.setDeadline(set + .milliseconds(200))
                    probe.onDeadline = { c in
                        if c.loop.now < set + .milliseconds(200) { early.withLock { $0 += 1 } }
                        #expect(c.deadline == nil)
                        if first.read({ $0.log.filter { $0 == "deadline" }.count }) == 1 {
                            c.setDeadline(c.loop.now + .milliseconds(50))
                        } else {
                            c.close()
                        }
                    }
                }
            }
            // Client 2: a deadline cancelled with nil. Client 3: closed with one pending.
            let second = Events()
            try await connectProbe(loop: group.next(), port: listener.port, tls: nil, events: second) {
                probe in
                probe.onActive = { c in
                    c.setDeadline(c.loop.now + .milliseconds(100))
                    c.setDeadline(nil)
                }
            }
            let third = Events()
            try await connectProbe(loop: group.next(), port: listener.port, tls: nil, events: third) {
                probe in
                probe.onActive = { c in
                    c.setDeadline(c.loop.now + .milliseconds(100))
                    c.close()
                }
            }
            try await eventually("first closed after two deadlines") { first.closed == 1 }
            try await eventually("third closed") { third.closed == 1 }
            #expect(first.read { $0.log.filter { $0 == "deadline" }.count } == 2)
            #expect(early.withLock { $0 } == 0)
            // Both other deadlines were due long ago by the time the first client closed
            // (after 250 ms and more); neither fired.
            #expect(second.read { $0.log.contains("deadline") } == false)
            #expect(third.read { $0.log.contains("deadline") } == false)
            #expect(third.read(\.callsAfterClose) == 0)
        }
    }
}
