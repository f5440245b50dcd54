// Audit records built by hand: initiators, addresses, names, extended data, bad input.
import AMT
import Foundation
import Testing
import TestSupport

@Suite struct AuditLogDecoderTests {
    static func decode(_ record: AuditBytes) throws -> AuditLogRecord {
        try AuditLogDecoder.decode(base64Record: record.base64)
    }

    /// S-1-5-21-1004336348-1177238915-682003330-512 in binary form.
    static let sid: [UInt8] = [1, 5, 0, 0, 0, 0, 0, 5]
        + [21, 0, 0, 0] + [0xDC, 0xF4, 0xDC, 0x3B] + [0x83, 0x3D, 0x2B, 0x46]
        + [0x82, 0x8B, 0xA6, 0x28] + [0x00, 0x02, 0x00, 0x00]

    @Test func kerberosInitiatorIsShownAsSID() throws {
        let record = try Self.decode(AuditBytes(
            app: 16, event: 13, initiator: [1, 0, 0, 0, 7, UInt8(Self.sid.count)] + Self.sid,
            time: 1_700_000_000, location: 0, address: Array("10.0.0.9".utf8)))
        #expect(record.initiatorType == 1)
        #expect(record.initiator == "S-1-5-21-1004336348-1177238915-682003330-512")
        #expect(iso(record.time) == "2023-11-14T22:13:20.000Z")
        #expect(record.netAddress == "10.0.0.9")
        #expect(record.auditApp == "Security Admin")
        #expect(record.event == "Kerberos Settings Modified")
    }

    @Test(arguments: [0, 4, 7, 10, 30])
    func sidOfImpossibleLengthThrows(_ length: Int) {
        let sid = Array(Self.sid.prefix(length)) + Array(repeating: 0, count: max(0, length - 28))
        #expect(throws: LogDecodingError.invalidSIDLength(length)) {
            try Self.decode(AuditBytes(initiator: [1, 0, 0, 0, 0, UInt8(length)] + sid))
        }
    }

    @Test func localAndKVMInitiators() throws {
        #expect(try Self.decode(AuditBytes(initiator: [2])).initiator == "Local")
        #expect(try Self.decode(AuditBytes(initiator: [3])).initiator == "KVM Default Port")
        #expect(throws: LogDecodingError.unknownInitiatorType(4)) {
            try Self.decode(AuditBytes(initiator: [4]))
        }
    }

    @Test(arguments: [
        ("0000:0000:0000:0000:0000:0000:0000:0001", "::1"),
        ("2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329"),
        ("FE80:0000:0000:0000:0202:B3FF:FE1E:8329", "fe80::202:b3ff:fe1e:8329"),
        ("2001:0db8:0000:0001:0000:0000:0000:0001", "2001:db8:0:1::1"),
        ("2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1"),
        ("2001:0db8:0000:0001:0001:0001:0001:0001", "2001:db8:0:1:1:1:1:1"),
        ("0000:0000:0000:0000:0000:0000:0000:0000", "::"),
        ("fe80::1", "fe80::1"),
        ("not an address", "not an address"),
    ])
    func ipv6AddressesAreShortened(_ written: String, _ shown: String) throws {
        let record = try Self.decode(AuditBytes(location: 1, address: Array(written.utf8)))
        #expect(record.netAddress == shown)
        #expect(record.mcLocationType == 1)
    }

    @Test func ipv4TextIsLeftAlone() throws {
        let text = "0000:0000:0000:0000:0000:0000:0000:0001"
        #expect(try Self.decode(AuditBytes(location: 0, address: Array(text.utf8))).netAddress
            == text)
    }

    @Test func namesComeFromTheTables() throws {
        func names(_ app: UInt16, _ event: UInt16) throws -> (String, String) {
            let record = try Self.decode(AuditBytes(app: app, event: event))
            return (record.auditApp, record.event)
        }
        #expect(try names(17, 0) == ("RCO", "Performed Power Up"))
        #expect(try names(17, 8) == ("RCO", "Remote Hiberate initiated"))
        #expect(try names(19, 1) == ("Firmware Update Manager", "Firmware Update Failed"))
        #expect(try names(27, 5).1
            == "Wireless profile share with UEFI enabled setting was changed")
        #expect(try names(32, 0) == ("Screen Blanking", "#0"))
        #expect(try names(33, 2) == ("Watchdog Events",
            "A user has modified a Watchdog to add, remove, or alter the Watchdog Action "
                + "connected to it"))
        #expect(try names(16, 50) == ("Security Admin", "#50"))
        #expect(try names(99, 3) == ("#99", "#3"))
        // 16×100 + 100 is 1700, but that key belongs to app 17: not a name for 16/100.
        #expect(try names(16, 100) == ("Security Admin", "#100"))
    }

    @Test func digestUserNameIsKeptByteForByte() throws {
        let record = try Self.decode(AuditBytes(initiator: AuditBytes.digest("$$OsAdmin")))
        #expect(record.initiator == "$$OsAdmin")
        let latin = try Self.decode(AuditBytes(initiator: [0, 2, 0x41, 0xE9]))
        #expect(latin.initiator == "A\u{E9}")
    }

    @Test func badBase64Throws() throws {
        for text in ["not base64!", "ABAA=x", "ABAAEwJe+jS5AgABAg", "ABAAEwJe+jS5AgABAg=="
            .replacingOccurrences(of: "+", with: "-")]
        {
            #expect(throws: LogDecodingError.notBase64, "\(text)") {
                try AuditLogDecoder.decode(base64Record: text)
            }
        }
        #expect(throws: LogDecodingError.truncated(field: "AuditAppID", offset: 0)) {
            try AuditLogDecoder.decode(base64Record: "")
        }
        #expect(throws: LogDecodingError.recordTooLong(characters: 5000)) {
            try AuditLogDecoder.decode(base64Record: String(repeating: "A", count: 5000))
        }
        #expect(try AuditLogDecoder.decode(base64Record: " ABAAAAJe+jTQAgAA\n").event
            == "Provisioning Started")
    }

    @Test func lengthsPastTheEndThrowAndNameTheField() {
        var short = AuditBytes(initiator: AuditBytes.digest("admin")).bytes
        short[5] = 200  // user name length beyond the record
        #expect(throws: LogDecodingError.truncated(field: "user name", offset: 6)) {
            try AuditLogDecoder.decode(bytes: short)
        }
        // The error text carries no record contents (user names are personal data).
        let error = LogDecodingError.truncated(field: "user name", offset: 6)
        #expect(!error.description.contains("admin"))
        #expect(error.description == "log record truncated in user name at byte 6")
    }

    /// Random bytes, and real records with one byte changed: only results or thrown errors.
    @Test func randomInputNeverTraps() throws {
        var rng = SplitMix64(seed: 0x5EED)
        let real = try (Fixture.auditPage1() + Fixture.auditPage2())
            .map { Array(Data(base64Encoded: $0)!) }
        var decoded = 0
        for round in 0..<3000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int(rng.next() % 64)).map { _ in
                    UInt8(truncatingIfNeeded: rng.next())
                }
            } else {
                bytes = real[Int(rng.next() % UInt64(real.count))]
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            if (try? AuditLogDecoder.decode(bytes: bytes)) != nil { decoded += 1 }
        }
        // Some mutated records stay well formed (a changed time or name byte).
        #expect(decoded > 0 && decoded < 3000)
    }
}

