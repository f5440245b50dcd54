import Crypto
import Glibc
import NetCore
import Testing

@Suite struct EchoTests {
    /// Connects a client that sends `message` once active and closes after the full echo.
    private func echoRoundTrip(
        group: EventLoopGroup,
        host: String,
        port: Int,
        tls: TLSContext?,
        message: [UInt8],
        serverName: String? = nil
    ) async throws -> Events {
        let client = Events()
        try await connectProbe(
            loop: group.next(),
            port: port,
            host: host,
            tls: tls,
            serverName: serverName,
            events: client
        ) { probe in
            let expected = message.count
            probe.onActive = { $0.write(message) }
            probe.onRead = { connection, _ in
                if probe.events.read(\.receivedCount) >= expected { connection.close() }
            }
        }
        try await eventually("client closed") { client.closed == 1 }
        return client
    }

    @Test func plainEchoOnIPv4() async throws {
        try await withGroup { group in
            let server = Events()
            let listener = try startEchoServer(group: group, tls: nil, events: server)
            defer { listener.close() }
            #expect(listener.port > 0)
            let message = Array("hello over plain TCP".utf8)
            let client = try await echoRoundTrip(
                group: group,
                host: "127.0.0.1",
                port: listener.port,
                tls: nil,
                message: message
            )
            #expect(client.read(\.received) == message)
            #expect(client.read(\.errors) == [])
            #expect(client.read(\.tlsVersions) == [nil])
            #expect(client.read(\.remoteAddresses) == ["127.0.0.1:\(listener.port)"])
            try await eventually("server saw close") { server.closed == 1 }
            let serverSide = try #require(server.read(\.remoteAddresses).first)
            #expect(serverSide.hasPrefix("127.0.0.1:"))
            #expect(Int(serverSide.dropFirst("127.0.0.1:".count)) ?? 0 > 0)
            #expect(server.read(\.cleanCloses) == 1)
        }
    }

    @Test func plainEchoOnIPv6Loopback() async throws {
        try await withGroup { group in
            let server = Events()
            let listener = try startEchoServer(group: group, host: "::1", tls: nil, events: server)
            defer { listener.close() }
            let message = Array("hello over ::1".utf8)
            let client = try await echoRoundTrip(
                group: group,
                host: "::1",
                port: listener.port,
                tls: nil,
                message: message
            )
            #expect(client.read(\.received) == message)
            #expect(client.read(\.remoteAddresses) == ["[::1]:\(listener.port)"])
            try await eventually("server active") { server.active == 1 }
            #expect(server.read(\.remoteAddresses).first?.hasPrefix("[::1]:") == true)
        }
    }

    @Test(arguments: [TLSVersion.tls1_2, .tls1_3])
    func tlsEcho(version: TLSVersion) async throws {
        try await withGroup { group in
            let server = Events()
            let listener = try startEchoServer(
                group: group,
                tls: try TestTLS.rsaServer(),
                events: server
            )
            defer { listener.close() }
            let clientTLS = try TestTLS.insecureClient(minimum: version, maximum: version)
            let message = (0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let client = try await echoRoundTrip(
                group: group,
                host: "127.0.0.1",
                port: listener.port,
                tls: clientTLS,
                message: message
            )
            #expect(client.read(\.received) == message)
            #expect(client.read(\.errors) == [])
            let expected = version == .tls1_2 ? "TLSv1.2" : "TLSv1.3"
            #expect(client.read(\.tlsVersions) == [expected])
            try await eventually("server saw close") { server.closed == 1 }
            #expect(server.read(\.tlsVersions) == [expected])
            // The server prefers AES-128-GCM (smallest idle session state).
            let cipher = version == .tls1_2 ? "ECDHE-RSA-AES128-GCM-SHA256" : "TLS_AES_128_GCM_SHA256"
            #expect(client.read(\.cipherSuites) == [cipher])
            #expect(server.read(\.cipherSuites) == [cipher])
            #expect(server.read(\.errors) == [])
            #expect(listener.handshakeFailures == 0)
        }
    }

    @Test func closeFromInsideReadFlushesThenCloses() async throws {
        try await withGroup { group in
            let server = Events()
            let listener = try Listener.bind(host: "127.0.0.1", port: 0, tls: nil, group: group) { _ in
                let probe = Probe(server)
                probe.onRead = { connection, _ in
                    connection.write(Array("bye".utf8))
                    connection.close()
                    connection.write(Array("ignored".utf8))  // no-op after close
                    #expect(connection.isClosed)
                }
                return probe
            }
            defer { listener.close() }
            let client = Events()
            try await connectProbe(loop: group.next(), port: listener.port, tls: nil, events: client) {
                probe in
                probe.onActive = { connection in
                    connection.write(Array("one".utf8))
                    connection.write(Array("two".utf8))
                }
            }
            try await eventually("client closed") { client.closed == 1 }
            #expect(client.read(\.received) == Array("bye".utf8))
            #expect(client.read(\.cleanCloses) == 1)
            try await eventually("server closed") { server.closed == 1 }
            #expect(server.read(\.cleanCloses) == 1)
            #expect(server.read(\.callsAfterClose) == 0)
        }
    }

    @Test func abortInsideReadDeliversClosedAfterTheCallback() async throws {
        try await withGroup { group in
            let server = Events()
            let listener = try Listener.bind(host: "127.0.0.1", port: 0, tls: nil, group: group) { _ in
                let probe = Probe(server)
                probe.onRead = { connection, _ in
                    server.update { $0.log.append("read-start") }
                    connection.abort()
                    connection.abort()
                    connection.close()
                    server.update { $0.log.append("read-end") }
                }
                return probe
            }
            defer { listener.close() }
            let client = Events()
            try await connectProbe(loop: group.next(), port: listener.port, tls: nil, events: client) {
                probe in
                probe.onActive = { $0.write(Array(repeating: 7, count: 1000)) }
            }
            try await eventually("server closed") { server.closed == 1 }
            try await eventually("client closed") { client.closed == 1 }
            #expect(server.read(\.log) == ["active", "read-start", "read-end", "closed"])
            #expect(server.read(\.callsAfterClose) == 0)
        }
    }

    @Test func onAcceptReturningNilClosesTheConnection() async throws {
        try await withGroup { group in
            let listener = try Listener.bind(host: "127.0.0.1", port: 0, tls: nil, group: group) { _ in
                nil
            }
            defer { listener.close() }
            let client = Events()
            try await connectProbe(loop: group.next(), port: listener.port, tls: nil, events: client)
            try await eventually("client closed") { client.closed == 1 }
            #expect(client.read(\.receivedCount) == 0)
        }
    }

    @Test func bindingABusyPortThrowsAddressInUse() async throws {
        try await withGroup(threads: 1) { group in
            let first = try Listener.bind(host: "127.0.0.1", port: 0, tls: nil, group: group) { _ in nil
            }
            defer { first.close() }
            #expect(throws: NetError(function: "bind", errno: EADDRINUSE)) {
                try Listener.bind(host: "127.0.0.1", port: first.port, tls: nil, group: group) { _ in nil
                }
            }
            #expect(throws: NetError.invalidAddress("mps.example")) {
                try Listener.bind(host: "mps.example", port: 0, tls: nil, group: group) { _ in nil }
            }
        }
    }

    @Test func connectToAClosedPortReportsRefused() async throws {
        try await withGroup(threads: 1) { group in
            // Find a free port, then close it again.
            let probe = try Listener.bind(host: "127.0.0.1", port: 0, tls: nil, group: group) { _ in nil
            }
            let port = probe.port
            probe.close()
            try await Task.sleep(for: .milliseconds(20))
            let client = Events()
            try await connectProbe(loop: group.next(), port: port, tls: nil, events: client)
            try await eventually("refused") { client.closed == 1 }
            #expect(client.active == 0)
            #expect(client.read(\.errors) == ["\(NetError(function: "connect", errno: ECONNREFUSED))"])

            let invalid = Events()
            try await connectProbe(
                loop: group.next(),
                port: 80,
                host: "not-an-ip",
                tls: nil,
                events: invalid
            )
            try await eventually("invalid") { invalid.closed == 1 }
            #expect(invalid.read(\.errors) == ["not a numeric IP address: not-an-ip"])
        }
    }

    @Test func shutdownClosesConnectionsWithAnError() async throws {
        let group = try EventLoopGroup(threads: 1)
        let server = Events()
        let listener = try startEchoServer(group: group, tls: nil, events: server)
        let client = Events()
        try await connectProbe(loop: group.next(), port: listener.port, tls: nil, events: client)
        try await eventually("connected") { client.active == 1 && server.active == 1 }
        group.shutdown()
        #expect(client.closed == 1)
        #expect(server.closed == 1)
        #expect(client.read(\.errors) == ["event loop shut down"])
    }

    @Test func writesMadeBeforeTheHandshakeAreSentAfterIt() async throws {
        try await withGroup { group in
            let server = Events()
            let listener = try startEchoServer(
                group: group, tls: try TestTLS.rsaServer(), events: server)
            defer { listener.close() }
            let client = Events()
            let loop = group.next()
            let clientTLS = try TestTLS.insecureClient()
            let early = try await loop.submit { () -> (Bool, Int, Int) in
                let probe = Probe(client)
                probe.onRead = { connection, _ in
                    if probe.events.read(\.receivedCount) >= 10 { connection.close() }
                }
                let connection = ClientBootstrap.connect(
                    host: "127.0.0.1", port: listener.port, tls: clientTLS, serverName: nil,
                    on: loop, handler: probe)
                connection.write(Array("early".utf8))
                connection.write(Array("bytes".utf8))
                // Nothing was reported from inside connect(), and the bytes wait in the queue.
                return (connection.isWritable, connection.pendingWriteBytes, client.active + client.closed)
            }
            #expect(early.0)
            #expect(early.1 == 10)
            #expect(early.2 == 0)
            try await eventually("echo") { client.closed == 1 }
            #expect(client.read(\.received) == Array("earlybytes".utf8))
            #expect(client.read(\.log) == ["active", "closed"])
        }
    }
}
