// ExStr: the readable form of each event's extended data.
import AMT
import Foundation
import Testing

@Suite struct AuditLogExtendedDataTests {
    static func exStr(_ app: UInt16, _ event: UInt16, _ ex: [UInt8]) throws -> String? {
        try AuditLogDecoder.decode(base64Record: AuditBytes(app: app, event: event, ex: ex).base64)
            .exStr
    }

    static let admin = Array("admin".utf8)

    @Test func aclEntryAddedAndRemoved() throws {
        #expect(try Self.exStr(16, 2, [0, 5] + Self.admin) == "admin")
        #expect(try Self.exStr(16, 4, [0, 3] + Self.admin) == "adm")
        #expect(try Self.exStr(16, 2, [1, 5] + Self.admin) == nil)  // not a digest entry
        #expect(try Self.exStr(16, 4, [0, 9] + Self.admin) == nil)  // name runs past the end
        #expect(try Self.exStr(16, 2, [0]) == nil)
    }

    @Test func aclEntryModifiedAndState() throws {
        #expect(try Self.exStr(16, 3, [0, 0, 5] + Self.admin) == "admin")
        #expect(try Self.exStr(16, 3, [0, 1, 5] + Self.admin) == nil)
        #expect(try Self.exStr(16, 6, [1, 0, 5] + Self.admin) == "Enabled, admin")
        #expect(try Self.exStr(16, 6, [0, 1, 5] + Self.admin) == "Disabled")
        #expect(try Self.exStr(16, 6, [0]) == "Disabled")
        #expect(try Self.exStr(16, 6, [2]) == nil)
    }

    @Test func invalidCredentialsAndTLS() throws {
        #expect(try Self.exStr(16, 5, [0]) == "Invalid ME access")
        #expect(try Self.exStr(16, 5, [1]) == "Invalid MEBx access")
        #expect(try Self.exStr(16, 5, [2]) == nil)
        #expect(try Self.exStr(16, 7, [2, 1]) == "Remote MutualAuth, Local ServerAuth")
        #expect(try Self.exStr(16, 7, [0, 0]) == "Remote NoAuth, Local NoAuth")
        #expect(try Self.exStr(16, 7, [0, 3]) == nil)
        #expect(try Self.exStr(16, 7, [0]) == nil)
    }

    @Test func realmAuthenticationMode() throws {
        #expect(try Self.exStr(16, 17, [0, 0, 0, 2, 1]) == "Redirection, Auth")
        #expect(try Self.exStr(16, 17, [0, 0, 0, 20, 0]) == "Audit Log, NoAuth")
        #expect(try Self.exStr(16, 17, [0, 0, 0, 24, 2]) == "Local System, Disabled")
        #expect(try Self.exStr(16, 17, [0, 0, 0, 0, 0]) == ", NoAuth")  // realm 0 has no name
        #expect(try Self.exStr(16, 17, [0, 0, 0, 25, 0]) == nil)
        #expect(try Self.exStr(16, 17, [1, 0, 0, 2, 0]) == nil)  // big-endian: 0x01000002
        #expect(try Self.exStr(16, 17, [0, 0, 0, 2, 3]) == nil)
        #expect(try Self.exStr(16, 17, [0, 0, 0, 2]) == nil)
    }

    @Test func unprovisioningSource() throws {
        let sources = ["BIOS", "MEBx", "Local MEI", "Local WSMAN", "Remote WSMAN"]
        for (index, name) in sources.enumerated() {
            #expect(try Self.exStr(16, 19, [UInt8(index)]) == name)
        }
        #expect(try Self.exStr(16, 19, [5]) == nil)
        #expect(try Self.exStr(16, 19, []) == nil)
    }

    @Test func firmwareUpdated() throws {
        let ex: [UInt8] = [0, 11, 0, 8, 0, 50, 0x0D, 0x61, 0, 11, 0, 8, 0, 55, 0x0D, 0xAC]
        #expect(try Self.exStr(19, 0, ex) == "From 11.8.50.3425 to 11.8.55.3500")
        #expect(try Self.exStr(19, 0, Array(ex.prefix(15))) == nil)
    }

    @Test func timeSet() throws {
        #expect(try Self.exStr(21, 0, [0x5E, 0xFA, 0x41, 0x12]) == "2020-06-29T19:29:22.000Z")
        #expect(try Self.exStr(21, 0, [0x5E, 0xFA, 0x41]) == nil)
    }

    @Test func optInPolicyAndConsentCode() throws {
        #expect(try Self.exStr(30, 0, [0, 2]) == "From None to All")
        #expect(try Self.exStr(30, 0, [1, 0]) == "From KVM to None")
        #expect(try Self.exStr(30, 0, [1, 3]) == nil)
        #expect(try Self.exStr(30, 1, [0]) == "Success")
        #expect(try Self.exStr(30, 1, [1]) == "Failed 3 times")
        #expect(try Self.exStr(30, 1, [2]) == nil)
    }

    @Test func eventsWithoutDecoderKeepOnlyTheRawBytes() throws {
        let record = try AuditLogDecoder.decode(
            base64Record: AuditBytes(app: 17, event: 0, ex: [1, 0xFF]).base64)
        #expect(record.exStr == nil)
        #expect(record.ex == "\u{1}\u{FF}")
        #expect(record.extendedData == [1, 0xFF])
        // 15×100 + 119 = 1619, but EventID 119 is not event 19 of app 16.
        #expect(try Self.exStr(15, 119, [2]) == nil)
    }
}
