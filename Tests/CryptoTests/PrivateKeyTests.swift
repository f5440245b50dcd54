import Crypto
import Foundation
import Testing

@Suite struct PrivateKeyTests {
    /// A generated key written as PKCS#8 and read back keeps its size and fingerprint.
    @Test func pkcs8RoundTripKeepsFingerprint() throws {
        let key = try Fixture.material.get().serverKey
        let pem = key.pemPKCS8()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        let again = try PrivateKey(pem: pem)
        #expect(again.bitCount == 2048)
        #expect(again.isRSA)
        #expect(again.publicKeyFingerprint == key.publicKeyFingerprint)
        #expect(again.publicKeyFingerprint.count == 32)
    }

    /// The key's description shows size and public fingerprint but no private material.
    @Test func descriptionHidesKeyMaterial() throws {
        let key = try Fixture.material.get().serverKey
        let body = key.pemPKCS8().split(separator: "\n")[1]
        #expect(!key.description.contains(body))
        #expect(key.description.contains(key.publicKeyFingerprintHex))
        #expect(key.description.hasPrefix("PrivateKey(RSA-2048"))
    }

    /// Only the supported RSA sizes are generated.
    @Test func rejectsUnsupportedSizes() {
        for bits in [512, 1024, 2047, 8192] {
            #expect { try PrivateKey.generateRSA(bits: bits) } throws: {
                ($0 as? CertificateError)?.reason == .invalidParameter
            }
        }
    }

    /// Encrypted keys are refused with a clear reason instead of prompting for a password.
    @Test func refusesEncryptedKeys() {
        let pkcs8 = PEM.encode(label: "ENCRYPTED PRIVATE KEY", der: [0x30, 0x00])
        let legacy =
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAQID\n-----END RSA PRIVATE KEY-----\n"
        for text in [pkcs8, legacy] {
            #expect { try PrivateKey(pem: text) } throws: {
                ($0 as? CertificateError)?.reason == .encryptedKey
            }
        }
    }

    /// Garbage inside a key block, or no key block at all, is an error.
    @Test func rejectsGarbage() throws {
        #expect {
            try PrivateKey(pem: PEM.encode(label: "PRIVATE KEY", der: [0x30, 0x03, 1, 2, 3]))
        } throws: {
            ($0 as? CertificateError)?.reason == .invalidDER
        }
        let certificate = try Fixture.material.get().root.pem
        #expect { try PrivateKey(pem: certificate) } throws: {
            ($0 as? CertificateError)?.reason == .invalidPEM
        }
        // A valid key followed by junk inside the same block is not accepted either.
        let key = try Fixture.material.get().serverKey.pemPKCS8()
        let der = try #require(try PEM.decode(key).first).der
        #expect(throws: CertificateError.self) {
            try PrivateKey(pem: PEM.encode(label: "PRIVATE KEY", der: der + [0]))
        }
    }

    /// OpenSSL's own tool reads the PKCS#8 output as the same RSA key.
    @Test func opensslReadsPKCS8() throws {
        let directory = TempDirectory.make()
        defer { TempDirectory.remove(directory) }
        let path = try writeFile(
            try Fixture.material.get().serverKey.pemPKCS8(),
            named: "k.pem",
            in: directory
        )
        guard let result = try runOpenSSL(["pkey", "-in", path, "-noout", "-text"]) else {
            print("skipped: /usr/bin/openssl is not installed")
            return
        }
        #expect(result.status == 0)
        #expect(result.output.contains("Private-Key: (2048 bit"))
    }

    /// A traditional PKCS#1 `RSA PRIVATE KEY` file (as older tools write) loads as the same key.
    @Test func readsTraditionalRSAKeys() throws {
        let key = try Fixture.material.get().serverKey
        let directory = TempDirectory.make()
        defer { TempDirectory.remove(directory) }
        let path = try writeFile(key.pemPKCS8(), named: "k.pem", in: directory)
        guard let result = try runOpenSSL(["pkey", "-in", path, "-traditional"]) else {
            print("skipped: /usr/bin/openssl is not installed")
            return
        }
        #expect(result.output.hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        let traditional = try PrivateKey(pem: result.output)
        #expect(traditional.publicKeyFingerprint == key.publicKeyFingerprint)
    }
}
