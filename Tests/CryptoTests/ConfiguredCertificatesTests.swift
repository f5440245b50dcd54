import Crypto
import Foundation
import Testing

@Suite struct ConfiguredCertificatesTests {
    /// Operator files are used as given: chain leaf first, root from the CA file.
    @Test func usesGivenChainAndCAFile() throws {
        let m = try Fixture.material.get()
        let server = try CertificateAuthority.issueServer(
            commonName: "mps.corp.test",
            key: m.serverKey,
            issuer: m.root,
            issuerKey: m.rootKey
        )
        let directory = TempDirectory.make()
        defer { TempDirectory.remove(directory) }
        let cert = try writeFile(server.pem, named: "cert.pem", in: directory)
        let key = try writeFile(m.serverKey.pemPKCS8(), named: "key.pem", in: directory)
        let ca = try writeFile(m.root.pem, named: "ca.pem", in: directory)

        let withCA = try ServerCertificates.fromConfiguredFiles(
            certPath: cert,
            keyPath: key,
            caPath: ca
        )
        #expect(withCA.chain.map(\.sha256Fingerprint) == [server.sha256Fingerprint])
        #expect(withCA.root.sha256Fingerprint == m.root.sha256Fingerprint)
        #expect(withCA.rootPEM == m.root.pem)
        #expect(!withCA.regeneratedServer && withCA.notes.isEmpty)

        // Without a CA file the root is the last certificate of the chain file.
        let bundle = try writeFile(server.pem + m.root.pem, named: "bundle.pem", in: directory)
        let fromBundle = try ServerCertificates.fromConfiguredFiles(certPath: bundle, keyPath: key)
        #expect(fromBundle.root.sha256Fingerprint == m.root.sha256Fingerprint)
        #expect(fromBundle.chainPEM == server.pem + m.root.pem)
    }

    /// A key that does not match the leaf, or a CA that did not sign the chain, is an error
    /// naming the offending file.
    @Test func rejectsMismatches() throws {
        let m = try Fixture.material.get()
        let server = try CertificateAuthority.issueServer(
            commonName: "mps.corp.test",
            key: m.serverKey,
            issuer: m.root,
            issuerKey: m.rootKey
        )
        let otherRoot = try CertificateAuthority.makeRoot(key: m.serverKey)
        let directory = TempDirectory.make()
        defer { TempDirectory.remove(directory) }
        let cert = try writeFile(server.pem, named: "cert.pem", in: directory)
        let wrongKey = try writeFile(m.rootKey.pemPKCS8(), named: "wrong.pem", in: directory)
        let key = try writeFile(m.serverKey.pemPKCS8(), named: "key.pem", in: directory)
        let wrongCA = try writeFile(otherRoot.pem, named: "other-ca.pem", in: directory)
        #expect {
            try ServerCertificates.fromConfiguredFiles(certPath: cert, keyPath: wrongKey)
        } throws: {
            ($0 as? CertificateError).map { $0.reason == .keyMismatch && $0.path == wrongKey }
                ?? false
        }
        #expect {
            try ServerCertificates.fromConfiguredFiles(
                certPath: cert,
                keyPath: key,
                caPath: wrongCA
            )
        } throws: {
            ($0 as? CertificateError).map { $0.reason == .chainDoesNotVerify && $0.path == wrongCA }
                ?? false
        }
        let missing = directory.appendingPathComponent("absent.pem").path
        #expect {
            try ServerCertificates.fromConfiguredFiles(certPath: missing, keyPath: key)
        } throws: {
            ($0 as? CertificateError).map { $0.reason == .missingFile && $0.path == missing }
                ?? false
        }
    }

    /// Certificate.chain reads every block in order and rejects a file with none.
    @Test func chainParsing() throws {
        let m = try Fixture.material.get()
        let server = try CertificateAuthority.issueServer(
            commonName: "a.test",
            key: m.serverKey,
            issuer: m.root,
            issuerKey: m.rootKey
        )
        let chain = try Certificate.chain(pem: "leaf:\n" + server.pem + "root:\n" + m.root.pem)
        #expect(chain.map(\.subjectCommonName) == ["a.test", m.root.subjectCommonName])
        #expect(throws: CertificateError.self) {
            try Certificate.chain(pem: m.serverKey.pemPKCS8())
        }
        #expect { try Certificate(der: Array(server.der.dropLast())) } throws: {
            ($0 as? CertificateError)?.reason == .invalidDER
        }
        #expect(throws: CertificateError.self) { try Certificate(der: server.der + [0]) }
        #expect(try Certificate(der: server.der).sha256FingerprintBytes == Hash.sha256(server.der))
    }
}
