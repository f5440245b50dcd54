import Crypto
import Foundation
import Testing

/// Field fault B15: serials must be positive, non-zero, at most 20 octets and minimal DER.
@Suite struct CertificateSerialTests {
    /// The validity rule itself: negative, zero, padded and oversized serials are refused.
    @Test func validityRule() {
        #expect(CertificateSerial.isValid([0x01]))
        #expect(CertificateSerial.isValid([0x00, 0x80]))
        #expect(CertificateSerial.isValid([0x7f] + [UInt8](repeating: 0xff, count: 19)))
        #expect(!CertificateSerial.isValid([]))
        #expect(!CertificateSerial.isValid([0x00]))
        #expect(!CertificateSerial.isValid([0x80]))  // negative
        #expect(!CertificateSerial.isValid([0xff, 0x01]))  // negative
        #expect(!CertificateSerial.isValid([0x00, 0x01]))  // redundant leading zero
        #expect(!CertificateSerial.isValid([0x01] + [UInt8](repeating: 0, count: 20)))  // 21 octets
    }

    /// 300 issued certificates: each serial, read from the raw DER, is valid, unique, and the
    /// same as the parsed `serialNumber`. One key pair is reused to keep the test fast.
    @Test func threeHundredIssuedSerialsAreValid() throws {
        let m = try Fixture.material.get()
        var seen = Set<[UInt8]>()
        var pems = ""
        for index in 0..<300 {
            let certificate = try CertificateAuthority.issueServer(
                commonName: "d\(index).example.test",
                key: m.serverKey,
                issuer: m.root,
                issuerKey: m.rootKey
            )
            let serial = try #require(rawSerial(fromDER: certificate.der))
            #expect(CertificateSerial.isValid(serial), "serial \(hex(serial))")
            #expect(serial.count <= 17)
            #expect(serial == certificate.serialNumber)
            seen.insert(serial)
            pems += certificate.pem
        }
        #expect(seen.count == 300)
        #expect(CertificateSerial.isValid(try #require(rawSerial(fromDER: m.root.der))))

        // OpenSSL's own parser, which rejects non-minimal INTEGER encodings, reads all 300.
        let directory = TempDirectory.make()
        defer { TempDirectory.remove(directory) }
        let path = try writeFile(pems, named: "all.pem", in: directory)
        guard let listed = try runOpenSSL(["storeutl", "-noout", "-text", "-certs", path]) else {
            print("skipped: /usr/bin/openssl is not installed")
            return
        }
        #expect(listed.status == 0)
        #expect(listed.output.contains("Total found: 300"))
        #expect(listed.output.components(separatedBy: "\nCertificate:\n").count - 1 == 300)
    }

    /// Many bare serials (cheap) reach both rare cases of the minimal encoding: a leading zero
    /// octet dropped (15 octets) and one kept because the next octet has its top bit set.
    @Test func bareSerialsAreValid() {
        var dropped = 0, kept = 0
        for _ in 0..<20_000 {
            let serial = CertificateSerial.random()
            #expect(CertificateSerial.isValid(serial), "serial \(hex(serial))")
            if serial.count < 16 { dropped += 1 }
            if serial.count == 16, serial[0] == 0 { kept += 1 }
        }
        // Each case has probability 1/256 per draw; missing one in 20,000 draws is ~e^-78.
        #expect(dropped > 0)
        #expect(kept > 0)
    }

    /// `openssl asn1parse` accepts a generated certificate and shows a positive serial.
    @Test func opensslParsesSerial() throws {
        let m = try Fixture.material.get()
        let certificate = try CertificateAuthority.issueServer(
            commonName: "a.example.test",
            key: m.serverKey,
            issuer: m.root,
            issuerKey: m.rootKey
        )
        let directory = TempDirectory.make()
        defer { TempDirectory.remove(directory) }
        let path = try writeFile(certificate.pem, named: "c.pem", in: directory)
        guard let parsed = try runOpenSSL(["asn1parse", "-in", path]),
            let serial = try runOpenSSL(["x509", "-in", path, "-noout", "-serial"])
        else {
            print("skipped: /usr/bin/openssl is not installed")
            return
        }
        #expect(parsed.status == 0)
        #expect(!parsed.output.contains("NEGATIVE"))
        #expect(
            serial.output.trimmingCharacters(in: .whitespacesAndNewlines)
                == "serial=" + hex(certificate.serialNumber).uppercased()
        )
    }
}
