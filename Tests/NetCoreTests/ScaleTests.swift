import Crypto
import NetCore
import Testing

@Suite struct ScaleTests {
    @Test func thousandConcurrentTLSConnectionsHeldThenClosed() async throws {
        try await withGroup { group in
            let count = 1_000
            let server = Events()
            let listener = try startEchoServer(
                group: group,
                tls: try TestTLS.leafServer(),
                events: server,
                // A thousand handshakes at once on a loaded 2-core machine: the time-out is not
                // what is tested here, so it must not be what fails.
                handshakeTimeout: .seconds(120)
            )
            defer { listener.close() }
            let clientTLS = try TestTLS.insecureClient()
            let client = Events()
            // Each loop opens its share and keeps the connections to close them later.
            var held: [(EventLoop, LoopBound<[Connection]>)] = []
            for (index, loop) in group.loops.enumerated() {
                let share = count / group.loops.count + (index < count % group.loops.count ? 1 : 0)
                let box = LoopBound<[Connection]>([])
                held.append((loop, box))
                try await loop.submit {
                    for _ in 0..<share {
                        let probe = Probe(client)
                        probe.onActive = { $0.write([1, 2, 3]) }
                        box.value.append(
                            ClientBootstrap.connect(
                                host: "127.0.0.1",
                                port: listener.port,
                                tls: clientTLS,
                                serverName: nil,
                                on: loop,
                                handler: probe
                            )
                        )
                    }
                }
            }
            try await eventually("all handshakes", timeout: .seconds(60)) {
                client.active == count && server.active == count
                    && client.read(\.receivedCount) == 3 * count
            }
            #expect(client.closed == 0)
            #expect(server.closed == 0)
            #expect(listener.handshakeFailures == 0)
            #expect(Set(client.read(\.tlsVersions)) == ["TLSv1.3"])
            // Ids are unique across loops.
            var ids: Set<UInt64> = []
            for (loop, box) in held {
                ids.formUnion(try await loop.submit { box.value.map(\.id) })
            }
            #expect(ids.count == count)

            for (loop, box) in held {
                try await loop.submit {
                    for connection in box.value { connection.close() }
                    box.value = []
                }
            }
            try await eventually("all closed", timeout: .seconds(30)) {
                client.closed == count && server.closed == count
            }
            #expect(client.read(\.cleanCloses) == count)
            #expect(server.read(\.cleanCloses) == count)
            #expect(server.read(\.callsAfterClose) == 0)
        }
    }
}
