import Crypto
import NetCore
import Testing

@Suite struct TLSTests {
    /// Handshakes a client against `server` and returns what the client saw once it was active
    /// (then closes it) or closed.
    private func handshake(
        server serverTLS: TLSContext,
        client clientTLS: TLSContext,
        serverName: String? = nil
    ) async throws -> (client: Events, server: Events, failures: Int) {
        try await withGroup { group in
            let server = Events()
            let listener = try startEchoServer(group: group, tls: serverTLS, events: server)
            defer { listener.close() }
            let client = Events()
            try await connectProbe(
                loop: group.next(),
                port: listener.port,
                tls: clientTLS,
                serverName: serverName,
                events: client
            ) { probe in
                probe.onActive = { $0.close() }
            }
            try await eventually("client closed") { client.closed == 1 }
            try await eventually("server closed") { server.closed == 1 }
            return (client, server, listener.handshakeFailures)
        }
    }

    /// B12: legacy TLS is off by default (1.0 refused whatever the system OpenSSL config says)...
    @Test func tls10IsRefusedByDefault() async throws {
        let result = try await handshake(
            server: try TestTLS.rsaServer(),
            client: try TestTLS.insecureClient(minimum: .tls1_0, maximum: .tls1_0)
        )
        #expect(result.client.active == 0)
        #expect(result.server.active == 0)
        #expect(result.failures == 1)
        let error = try #require(result.client.read(\.errors).first)
        #expect(error.contains("SSL_do_handshake"))
    }

    /// ...and with legacy mode on, TLS 1.0/1.1 handshakes complete (B12).
    @Test(arguments: [TLSVersion.tls1_0, .tls1_1])
    func legacyVersionsAcceptedWhenEnabled(version: TLSVersion) async throws {
        let result = try await handshake(
            server: try TestTLS.rsaServer(minimum: .tls1_0),
            client: try TestTLS.insecureClient(minimum: version, maximum: version)
        )
        #expect(result.client.read(\.errors) == [])
        #expect(result.client.read(\.tlsVersions) == [version == .tls1_0 ? "TLSv1" : "TLSv1.1"])
        #expect(result.failures == 0)
    }

    @Test func legacyServerStillPrefersModernVersions() async throws {
        let result = try await handshake(
            server: try TestTLS.rsaServer(minimum: .tls1_0),
            client: try TestTLS.insecureClient()
        )
        #expect(result.client.read(\.tlsVersions) == ["TLSv1.3"])
    }

    /// B13: AMT sends no SNI; no SNI and an unknown SNI both get the server certificate.
    @Test(arguments: [nil, "unknown.example", "localhost"] as [String?])
    func certificatePresentedWhateverTheSNI(serverName: String?) async throws {
        let result = try await handshake(
            server: try TestTLS.rsaServer(),
            client: try TestTLS.insecureClient(),
            serverName: serverName
        )
        #expect(result.client.read(\.errors) == [])
        let expected = TestTLS.fingerprint(ofPEM: TestCertificates.rsaCertificate)
        #expect(result.client.read(\.fingerprints) == [expected])
        // The server asked for no client certificate.
        #expect(result.server.read(\.fingerprints) == [nil])
    }

    @Test func verifiedClientAcceptsChainAndHostName() async throws {
        let client = try TLSContext.client(
            trustedRootsPEM: TestCertificates.rootCertificate,
            verifyPeer: true
        )
        for name in ["localhost", "127.0.0.1"] {
            let result = try await handshake(
                server: try TestTLS.leafServer(),
                client: client,
                serverName: name
            )
            #expect(result.client.read(\.errors) == [], "server name \(name)")
            let leaf = TestTLS.fingerprint(ofPEM: TestCertificates.leafCertificate)
            #expect(result.client.read(\.fingerprints) == [leaf])
            // The server sends its chain, leaf then root (AMT checks the root it was given).
            #expect(result.client.read(\.peerCertificateCounts) == [2])
        }
    }

    @Test func verifiedClientRejectsWrongHostNameAndUnknownIssuer() async throws {
        let trusting = try TLSContext.client(
            trustedRootsPEM: TestCertificates.rootCertificate,
            verifyPeer: true
        )
        let wrongName = try await handshake(
            server: try TestTLS.leafServer(),
            client: trusting,
            serverName: "other.example"
        )
        #expect(wrongName.client.active == 0)
        let nameError = try #require(wrongName.client.read(\.errors).first)
        #expect(nameError.contains("hostname mismatch"))

        // The RSA certificate is self-signed: not issued by the trusted root.
        let untrusted = try await handshake(
            server: try TestTLS.rsaServer(),
            client: trusting,
            serverName: "localhost"
        )
        #expect(untrusted.client.active == 0)
        let issuerError = try #require(untrusted.client.read(\.errors).first)
        #expect(issuerError.contains("certificate verify failed"))
    }

    @Test func handshakeTimeoutClosesASilentClient() async throws {
        try await withGroup { group in
            let server = Events()
            let listener = try startEchoServer(
                group: group,
                tls: try TestTLS.rsaServer(),
                events: server,
                handshakeTimeout: .milliseconds(150)
            )
            defer { listener.close() }
            let client = Events()
            // A plain TCP client that never sends a ClientHello. Times are taken on the client's
            // loop thread, so a busy test runner (a starved task pool) cannot stretch them.
            let times = LoopBound<(active: ContinuousClock.Instant?, closed: ContinuousClock.Instant?)>(
                (nil, nil))
            let loop = group.next()
            try await connectProbe(loop: loop, port: listener.port, tls: nil, events: client) { probe in
                probe.onActive = { connection in times.value.active = connection.loop.now }
                probe.onClosed = { connection in times.value.closed = connection.loop.now }
            }
            try await eventually("client saw the close") { client.closed == 1 }
            let (active, closed) = try await loop.submit { (times.value.active, times.value.closed) }
            let elapsed = try #require(closed) - (try #require(active))
            #expect(client.active == 1)
            #expect(client.read(\.receivedCount) == 0)
            #expect(client.read(\.cleanCloses) == 1)
            #expect(elapsed >= .milliseconds(140))
            // Generous: on a loaded 2-core CI machine even the loop thread can run late.
            #expect(elapsed < .seconds(30))
            try await eventually("server handler closed") { server.closed == 1 }
            #expect(server.active == 0)
            #expect(server.read(\.errors) == ["TLS handshake timed out"])
            #expect(listener.handshakeFailures == 1)
        }
    }

    @Test func garbageFromAClientIsAFailedHandshake() async throws {
        try await withGroup { group in
            let server = Events()
            let listener = try startEchoServer(
                group: group,
                tls: try TestTLS.rsaServer(),
                events: server
            )
            defer { listener.close() }
            let client = Events()
            try await connectProbe(loop: group.next(), port: listener.port, tls: nil, events: client) {
                probe in
                probe.onActive = { $0.write(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)) }
            }
            try await eventually("server closed") { server.closed == 1 }
            #expect(listener.handshakeFailures == 1)
            #expect(server.read(\.errors).first?.contains("SSL_do_handshake") == true)
            try await eventually("client closed") { client.closed == 1 }
        }
    }

    @Test func badKeysAndCertificatesThrowWithoutEchoingThem() throws {
        let garbageKey =
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n"
        do {
            _ = try TLSContext.server(
                certificateChainPEM: TestCertificates.rsaCertificate,
                privateKeyPEM: garbageKey
            )
            Issue.record("a garbage key was accepted")
        } catch {
            let text = "\(error)"
            #expect(text.contains("PEM_read_bio_PrivateKey"))
            #expect(!text.contains("c2VjcmV0"))
        }
        #expect(throws: CryptoError.self) {
            // A key that does not match the certificate.
            try TLSContext.server(
                certificateChainPEM: TestCertificates.rsaCertificate,
                privateKeyPEM: TestCertificates.leafKey
            )
        }
        let noCertificate = #expect(throws: CryptoError.self) {
            try TLSContext.server(
                certificateChainPEM: "not a certificate",
                privateKeyPEM: TestCertificates.rsaKey
            )
        }
        #expect(
            noCertificate?.description == "PEM_read_bio_X509 failed: no certificate found in PEM text"
        )
        let damaged =
            TestCertificates.rsaCertificate
            + "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"
        #expect(throws: CryptoError.self) {
            try TLSContext.server(certificateChainPEM: damaged, privateKeyPEM: TestCertificates.rsaKey)
        }
        #expect(throws: CryptoError.self) {
            try TLSContext.client(
                trustedRootsPEM: nil,
                verifyPeer: false,
                minimumVersion: .tls1_3,
                maximumVersion: .tls1_2
            )
        }
    }
}
