import Crypto
import Foundation
import Testing

@Suite struct CertificateManagerTests {
    private static let names = [
        "root-cert.pem", "root-key.pem", "server-cert.pem", "server-key.pem",
    ]

    /// First start creates the four files: an RSA-3072 root and an RSA-2048 server certificate
    /// for the configured name, chained leaf then root.
    @Test func firstStartGeneratesEverything() throws {
        let managed = try Fixture.managed.get()
        let result = managed.result
        #expect(result.generatedAll)
        #expect(!result.regeneratedServer)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: managed.directory.path).sorted()
                == Self.names
        )
        #expect(result.server.subjectCommonName == Fixture.managedCommonName)
        #expect(result.server.subjectAltNames == [.dns(Fixture.managedCommonName)])
        #expect(result.serverKey.bitCount == 2048)
        #expect(
            try PrivateKey(
                pem: String(
                    contentsOf: CertificateFiles(directory: managed.directory).rootKey,
                    encoding: .utf8
                )
            ).bitCount == 3072
        )
        #expect(result.root.subjectCommonName?.hasPrefix("MPSRoot-") == true)
        #expect(
            result.chain.map(\.sha256Fingerprint) == [
                result.server.sha256Fingerprint, result.root.sha256Fingerprint,
            ]
        )
        #expect(result.chainPEM == result.server.pem + result.root.pem)
        #expect(result.rootPEM == result.root.pem)
    }

    /// Keys are 0600, certificates 0644, and the directory the manager created is 0700.
    @Test func fileModes() throws {
        let files = CertificateFiles(directory: try Fixture.managed.get().directory)
        func mode(_ url: URL) throws -> Int {
            try #require(
                FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
            )
        }
        #expect(try mode(files.rootKey) == 0o600)
        #expect(try mode(files.serverKey) == 0o600)
        #expect(try mode(files.rootCertificate) == 0o644)
        #expect(try mode(files.directory) == 0o700)
    }

    /// A later start loads the same certificates and key and writes nothing.
    @Test func reloadGivesIdenticalFingerprints() throws {
        let first = try Fixture.managed.get().result
        let directory = try TempDirectory.copyOfManaged()
        defer { TempDirectory.remove(directory) }
        let before = try Self.names.map { try FileSnapshot(directory.appendingPathComponent($0)) }
        let again = try CertificateManager.loadOrGenerate(
            directory: directory,
            commonName: Fixture.managedCommonName
        )
        #expect(!again.generatedAll && !again.regeneratedServer)
        #expect(again.root.sha256Fingerprint == first.root.sha256Fingerprint)
        #expect(again.server.sha256Fingerprint == first.server.sha256Fingerprint)
        #expect(again.serverKey.publicKeyFingerprint == first.serverKey.publicKeyFingerprint)
        #expect(again.notes.isEmpty)
        #expect(
            try Self.names.map { try FileSnapshot(directory.appendingPathComponent($0)) } == before
        )
    }

    /// Corrupt or unreadable files are errors naming the file, and no file is rewritten.
    @Test(arguments: ["root-cert.pem", "root-key.pem", "server-cert.pem", "server-key.pem"])
    func corruptFileIsAnErrorAndNothingIsWritten(name: String) throws {
        for damage in ["garbage", "truncated", "directory"] {
            let directory = try TempDirectory.copyOfManaged()
            defer { TempDirectory.remove(directory) }
            let target = directory.appendingPathComponent(name)
            let original = try String(contentsOf: target, encoding: .utf8)
            try FileManager.default.removeItem(at: target)
            switch damage {
            case "garbage": try Data("not a pem file\n".utf8).write(to: target)
            case "truncated": try Data(original.prefix(original.count / 2).utf8).write(to: target)
            default:
                try FileManager.default.createDirectory(
                    at: target,
                    withIntermediateDirectories: false
                )
            }
            let others = Self.names.filter { $0 != name }
            let before = try others.map { try FileSnapshot(directory.appendingPathComponent($0)) }
            #expect {
                try CertificateManager.loadOrGenerate(
                    directory: directory,
                    commonName: Fixture.managedCommonName
                )
            } throws: { error in
                let error = error as? CertificateError
                return error?.path == target.path && error?.description.contains(name) == true
            }
            #expect(
                try others.map { try FileSnapshot(directory.appendingPathComponent($0)) } == before
            )
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
                    == Self.names
            )
        }
    }

    /// One file of a pair missing is an error naming it; nothing is generated in its place.
    @Test(arguments: ["root-cert.pem", "root-key.pem", "server-cert.pem", "server-key.pem"])
    func missingHalfOfAPairIsAnError(name: String) throws {
        let directory = try TempDirectory.copyOfManaged()
        defer { TempDirectory.remove(directory) }
        try FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        #expect {
            try CertificateManager.loadOrGenerate(
                directory: directory,
                commonName: Fixture.managedCommonName
            )
        } throws: { ($0 as? CertificateError)?.reason == .missingFile }
        #expect(
            !FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path)
        )
    }

    /// A server key that does not match, or a server certificate from another root, is refused.
    @Test func mismatchedKeyOrForeignServerIsAnError() throws {
        let m = try Fixture.material.get()
        let files = CertificateFiles(directory: try TempDirectory.copyOfManaged())
        defer { TempDirectory.remove(files.directory) }
        try Data(m.serverKey.pemPKCS8().utf8).write(to: files.serverKey)
        #expect {
            try CertificateManager.loadOrGenerate(
                directory: files.directory,
                commonName: Fixture.managedCommonName
            )
        } throws: {
            ($0 as? CertificateError).map {
                $0.reason == .keyMismatch && $0.path == files.serverKey.path
            } ?? false
        }

        let foreign = try CertificateAuthority.issueServer(
            commonName: Fixture.managedCommonName,
            key: m.serverKey,
            issuer: m.root,
            issuerKey: m.rootKey
        )
        try Data(foreign.pem.utf8).write(to: files.serverCertificate)
        #expect {
            try CertificateManager.loadOrGenerate(
                directory: files.directory,
                commonName: Fixture.managedCommonName
            )
        } throws: {
            ($0 as? CertificateError).map {
                $0.reason == .chainDoesNotVerify && $0.path == files.serverCertificate.path
            }
                ?? false
        }
    }

    /// A new common name reissues only server-cert.pem, signed by the same root with the same key.
    @Test func commonNameChangeReissuesOnlyTheServerCertificate() throws {
        let first = try Fixture.managed.get().result
        let files = CertificateFiles(directory: try TempDirectory.copyOfManaged())
        defer { TempDirectory.remove(files.directory) }
        let kept = [files.rootCertificate, files.rootKey, files.serverKey]
        let before = try kept.map(FileSnapshot.init)
        let result = try CertificateManager.loadOrGenerate(
            directory: files.directory,
            commonName: "10.1.2.3",
            subjectAltNames: [.dns("localhost")]
        )
        #expect(result.regeneratedServer && !result.generatedAll)
        #expect(
            result.notes.count == 1
                && result.notes[0].contains("differs from the configured 10.1.2.3")
        )
        #expect(result.server.subjectCommonName == "10.1.2.3")
        #expect(result.server.subjectAltNames == [.ipAddress("10.1.2.3"), .dns("localhost")])
        #expect(result.root.sha256Fingerprint == first.root.sha256Fingerprint)
        #expect(result.server.verify(signedBy: first.root))
        #expect(result.server.matches(first.serverKey))
        #expect(try kept.map(FileSnapshot.init) == before)
        let onDisk = try Certificate(
            pem: String(contentsOf: files.serverCertificate, encoding: .utf8)
        )
        #expect(onDisk.sha256Fingerprint == result.server.sha256Fingerprint)

        // The next start with the same settings keeps the reissued certificate.
        let again = try CertificateManager.loadOrGenerate(
            directory: files.directory,
            commonName: "10.1.2.3",
            subjectAltNames: [.dns("localhost")]
        )
        #expect(!again.regeneratedServer)
        #expect(again.server.sha256Fingerprint == result.server.sha256Fingerprint)
    }

    /// A server certificate about to expire is renewed at start under the same root.
    @Test func expiringServerCertificateIsRenewed() throws {
        let first = try Fixture.managed.get().result
        let directory = try TempDirectory.copyOfManaged()
        defer { TempDirectory.remove(directory) }
        let later = first.server.notAfter - 10 * 86_400
        let result = try CertificateManager.loadOrGenerate(
            directory: directory,
            commonName: Fixture.managedCommonName,
            now: later
        )
        #expect(result.regeneratedServer)
        #expect(result.notes.first?.contains("expires") == true)
        #expect(result.server.notAfter > first.server.notAfter)
        #expect(result.root.sha256Fingerprint == first.root.sha256Fingerprint)
    }

    /// With the root kept and both server files deleted, a new server pair is issued under the
    /// same root, and its key file is 0600.
    @Test func missingServerPairIsReissuedUnderTheSameRoot() throws {
        let first = try Fixture.managed.get().result
        let files = CertificateFiles(directory: try TempDirectory.copyOfManaged())
        defer { TempDirectory.remove(files.directory) }
        try FileManager.default.removeItem(at: files.serverCertificate)
        try FileManager.default.removeItem(at: files.serverKey)
        let result = try CertificateManager.loadOrGenerate(
            directory: files.directory,
            commonName: Fixture.managedCommonName
        )
        #expect(result.regeneratedServer)
        #expect(result.notes.last?.contains("server certificate files were missing") == true)
        #expect(result.root.sha256Fingerprint == first.root.sha256Fingerprint)
        #expect(result.serverKey.publicKeyFingerprint != first.serverKey.publicKeyFingerprint)
        #expect(result.server.verify(signedBy: first.root))
        let attributes = try FileManager.default.attributesOfItem(atPath: files.serverKey.path)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
    }

    /// A configured name that cannot go into a certificate is an error, and nothing is written.
    @Test func invalidCommonNameWritesNothing() throws {
        let directory = try TempDirectory.copyOfManaged()
        defer { TempDirectory.remove(directory) }
        let before = try Self.names.map { try FileSnapshot(directory.appendingPathComponent($0)) }
        #expect {
            try CertificateManager.loadOrGenerate(directory: directory, commonName: "bad name")
        } throws: { ($0 as? CertificateError)?.reason == .invalidName }
        #expect(
            try Self.names.map { try FileSnapshot(directory.appendingPathComponent($0)) } == before
        )
        let empty = TempDirectory.make()
        defer { TempDirectory.remove(empty) }
        #expect(throws: CertificateError.self) {
            try CertificateManager.loadOrGenerate(directory: empty, commonName: "a,IP:1.1.1.1")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: empty.path).isEmpty)
    }

    /// A key file readable by others is loaded but reported in `notes`.
    @Test func laxKeyModeIsReported() throws {
        let files = CertificateFiles(directory: try TempDirectory.copyOfManaged())
        defer { TempDirectory.remove(files.directory) }
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o644],
            ofItemAtPath: files.serverKey.path
        )
        let result = try CertificateManager.loadOrGenerate(
            directory: files.directory,
            commonName: Fixture.managedCommonName
        )
        #expect(!result.regeneratedServer)
        #expect(
            result.notes == [
                "server-key.pem is accessible to group or others (mode 644); expected 600"
            ]
        )
    }

    /// B17: `openssl verify -CAfile root server` accepts the files, as `verify(signedBy:)` does.
    @Test func opensslVerifiesServerAgainstExportedRoot() throws {
        let managed = try Fixture.managed.get()
        let files = CertificateFiles(directory: managed.directory)
        #expect(managed.result.server.verify(signedBy: managed.result.root))
        let exported = try writeFile(
            managed.result.rootPEM,
            named: "root.pem",
            in: TempDirectory.make()
        )
        defer { TempDirectory.remove(URL(fileURLWithPath: exported).deletingLastPathComponent()) }
        guard
            let verify = try runOpenSSL([
                "verify", "-CAfile", exported, files.serverCertificate.path,
            ]),
            let rootText = try runOpenSSL([
                "x509", "-in", files.rootCertificate.path, "-noout", "-text",
            ]),
            let serverText = try runOpenSSL([
                "x509", "-in", files.serverCertificate.path, "-noout", "-text",
            ])
        else {
            print("skipped: /usr/bin/openssl is not installed")
            return
        }
        #expect(verify.status == 0)
        #expect(verify.output.contains("server-cert.pem: OK"))
        #expect(rootText.status == 0 && rootText.output.contains("Public-Key: (3072 bit)"))
        #expect(rootText.output.contains("Subject: C = DE, O = Example Ops, CN = MPSRoot-"))
        #expect(
            serverText.status == 0 && serverText.output.contains("DNS:\(Fixture.managedCommonName)")
        )
    }
}
