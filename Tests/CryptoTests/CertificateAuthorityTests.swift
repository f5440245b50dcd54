import Crypto
import Foundation
import Testing

@Suite struct CertificateAuthorityTests {
    /// The root is a self-signed CA named MPSRoot-<6 hex of its key fingerprint>, valid from a
    /// day ago for 20 years.
    @Test func rootHasExpectedNameAndValidity() throws {
        let material = try Fixture.material.get()
        let root = material.root
        let expectedCN = "MPSRoot-" + String(material.rootKey.publicKeyFingerprintHex.prefix(6))
        #expect(root.subjectCommonName == expectedCN)
        #expect(root.issuerCommonName == expectedCN)
        #expect(root.isCA)
        #expect(root.verify(signedBy: root))
        #expect(root.matches(material.rootKey))
        #expect(!root.matches(material.serverKey))
        #expect(root.publicKeyFingerprint == material.rootKey.publicKeyFingerprint)
        let now = Date()
        #expect(abs(root.notBefore.timeIntervalSince(now) + 86_400) < 120)
        #expect(abs(root.notAfter.timeIntervalSince(now) - 20 * 365 * 86_400) < 120)
        #expect(root.sha256Fingerprint.split(separator: ":").count == 32)
        #expect(root.sha256Fingerprint == root.sha256Fingerprint.uppercased())
    }

    /// A DNS common name gets a DNS SAN; extra SANs follow; the leaf is not a CA, verifies
    /// against its root, and not against another root.
    @Test func serverForHostName() throws {
        let material = try Fixture.material.get()
        let server = try CertificateAuthority.issueServer(
            commonName: "mps.example.test",
            subjectAltNames: [.dns("localhost"), .ipAddress("127.0.0.1")],
            key: material.serverKey,
            issuer: material.root,
            issuerKey: material.rootKey,
            validityDays: 398
        )
        #expect(server.subjectCommonName == "mps.example.test")
        #expect(server.issuerCommonName == material.root.subjectCommonName)
        #expect(
            server.subjectAltNames == [
                .dns("mps.example.test"), .dns("localhost"), .ipAddress("127.0.0.1"),
            ]
        )
        #expect(!server.isCA)
        #expect(server.verify(signedBy: material.root))
        #expect(!material.root.verify(signedBy: server))
        #expect(server.matches(host: "MPS.example.test"))
        #expect(!server.matches(host: "other.example.test"))
        #expect(abs(server.notAfter.timeIntervalSince(Date()) - 398 * 86_400) < 120)

        let otherRoot = try CertificateAuthority.makeRoot(key: material.serverKey)
        #expect(!server.verify(signedBy: otherRoot))
    }

    /// IPv4 and IPv6 common names get an IP SAN (what AMT matches when given an address).
    @Test(arguments: [("192.168.10.5", "192.168.10.5"), ("2001:DB8:0::1", "2001:db8::1")])
    func serverForIPAddress(commonName: String, canonical: String) throws {
        let material = try Fixture.material.get()
        let server = try CertificateAuthority.issueServer(
            commonName: commonName,
            key: material.serverKey,
            issuer: material.root,
            issuerKey: material.rootKey
        )
        #expect(server.subjectAltNames == [.ipAddress(canonical)])
        #expect(server.matches(host: canonical))
        #expect(!server.matches(host: "10.0.0.1"))
    }

    /// Names that are neither host names nor addresses never reach a certificate.
    @Test(arguments: [
        "", "bad name", "a,IP:1.2.3.4", "-lead.example", "x..y", "host_name", "é.example",
    ])
    func rejectsInvalidCommonNames(commonName: String) throws {
        let material = try Fixture.material.get()
        #expect {
            try CertificateAuthority.issueServer(
                commonName: commonName,
                key: material.serverKey,
                issuer: material.root,
                issuerKey: material.rootKey
            )
        } throws: { ($0 as? CertificateError)?.reason == .invalidName }
    }

    /// Issuing with the wrong issuer key, a non-CA issuer or too long a validity fails.
    @Test func rejectsBadIssuingParameters() throws {
        let m = try Fixture.material.get()
        #expect {
            try CertificateAuthority.issueServer(
                commonName: "a.test",
                key: m.serverKey,
                issuer: m.root,
                issuerKey: m.serverKey
            )
        } throws: { ($0 as? CertificateError)?.reason == .keyMismatch }
        let leaf = try CertificateAuthority.issueServer(
            commonName: "a.test",
            key: m.serverKey,
            issuer: m.root,
            issuerKey: m.rootKey
        )
        #expect {
            try CertificateAuthority.issueServer(
                commonName: "b.test",
                key: m.serverKey,
                issuer: leaf,
                issuerKey: m.serverKey
            )
        } throws: { ($0 as? CertificateError)?.reason == .invalidParameter }
        #expect {
            try CertificateAuthority.issueServer(
                commonName: "a.test",
                key: m.serverKey,
                issuer: m.root,
                issuerKey: m.rootKey,
                validityDays: 826
            )
        } throws: { ($0 as? CertificateError)?.reason == .invalidParameter }
        #expect { try CertificateAuthority.makeRoot(country: "USA", key: m.rootKey) } throws: {
            ($0 as? CertificateError)?.reason == .invalidName
        }
    }

    /// A server certificate never outlives its root.
    @Test func serverValidityIsCappedByRoot() throws {
        let m = try Fixture.material.get()
        let now = Date()
        let shortRoot = try CertificateAuthority.makeRoot(
            key: m.rootKey,
            validityYears: 1,
            now: now
        )
        let server = try CertificateAuthority.issueServer(
            commonName: "a.test",
            key: m.serverKey,
            issuer: shortRoot,
            issuerKey: m.rootKey,
            now: now
        )
        #expect(server.notAfter == shortRoot.notAfter)
    }

    /// openssl x509 -text parses both certificates and shows the extensions we promise.
    @Test func opensslShowsExtensions() throws {
        let m = try Fixture.material.get()
        let server = try CertificateAuthority.issueServer(
            commonName: "mps.example.test",
            subjectAltNames: [.ipAddress("127.0.0.1")],
            key: m.serverKey,
            issuer: m.root,
            issuerKey: m.rootKey
        )
        let directory = TempDirectory.make()
        defer { TempDirectory.remove(directory) }
        let rootPath = try writeFile(m.root.pem, named: "root.pem", in: directory)
        let serverPath = try writeFile(server.pem, named: "server.pem", in: directory)
        guard let rootText = try runOpenSSL(["x509", "-in", rootPath, "-noout", "-text"]),
            let serverText = try runOpenSSL(["x509", "-in", serverPath, "-noout", "-text"]),
            let verify = try runOpenSSL(["verify", "-CAfile", rootPath, serverPath]),
            let fingerprint = try runOpenSSL([
                "x509", "-in", serverPath, "-noout", "-fingerprint", "-sha256",
            ])
        else {
            print("skipped: /usr/bin/openssl is not installed")
            return
        }
        #expect(rootText.status == 0)
        #expect(rootText.output.contains("Basic Constraints: critical\n                CA:TRUE"))
        #expect(
            rootText.output.contains(
                "Key Usage: critical\n                Certificate Sign, CRL Sign"
            )
        )
        #expect(rootText.output.contains("Subject Key Identifier"))
        #expect(rootText.output.contains("sha384WithRSAEncryption"))
        #expect(rootText.output.contains("O = Test Org"))
        #expect(serverText.status == 0)
        #expect(serverText.output.contains("CA:FALSE"))
        #expect(serverText.output.contains("Digital Signature, Key Encipherment"))
        #expect(serverText.output.contains("TLS Web Server Authentication"))
        #expect(serverText.output.contains("Authority Key Identifier"))
        #expect(serverText.output.contains("DNS:mps.example.test, IP Address:127.0.0.1"))
        #expect(serverText.output.contains("Public-Key: (2048 bit)"))
        #expect(verify.status == 0 && verify.output.contains("\(serverPath): OK"))
        #expect(fingerprint.output.contains(server.sha256Fingerprint))
    }
}
