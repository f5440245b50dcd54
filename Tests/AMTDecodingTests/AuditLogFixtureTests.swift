// Every audit record captured from real devices decodes to the values the spec gives.
import AMT
import Foundation
import Testing

@Suite struct AuditLogFixtureTests {
    struct Expected: Sendable, CustomTestStringConvertible {
        let record: String
        let app: UInt16, event: UInt16, initiatorType: UInt8
        let auditApp: String, eventName: String, initiator: String
        let time: String
        let location: UInt8, address: String
        let ex: [UInt8], exStr: String?
        var testDescription: String { "\(app)/\(event) at \(time)" }
    }

    static let admin = "Security Admin", unprov = "Unprovisioning Started"
    static let prov = "Provisioning Started", timeSet = "Intel(R) ME Time Set"

    static let page1: [Expected] = [
        .init(record: "ABAAEwJe+jS5AgABAg==", app: 16, event: 19, initiatorType: 2,
              auditApp: admin, eventName: unprov, initiator: "Local",
              time: "2020-06-29T18:36:41.000Z", location: 2, address: "", ex: [2],
              exStr: "Local MEI"),
        .init(record: "ABAAAAJe+jTQAgAA", app: 16, event: 0, initiatorType: 2,
              auditApp: admin, eventName: prov, initiator: "Local",
              time: "2020-06-29T18:37:04.000Z", location: 2, address: "", ex: [], exStr: nil),
        .init(record: "ABAAAAJe+jj6AgAA", app: 16, event: 0, initiatorType: 2,
              auditApp: admin, eventName: prov, initiator: "Local",
              time: "2020-06-29T18:54:50.000Z", location: 2, address: "", ex: [], exStr: nil),
        .init(record: "ABAAEgAFYWRtaW5e+daPAAkxMjcuMC4wLjEA", app: 16, event: 18,
              initiatorType: 0, auditApp: admin,
              eventName: "Upgrade Client to Admin Control Mode", initiator: "admin",
              time: "2020-06-29T11:54:55.000Z", location: 0, address: "127.0.0.1", ex: [],
              exStr: nil),
        .init(record: "ABAAEwJe+dbrAgABAg==", app: 16, event: 19, initiatorType: 2,
              auditApp: admin, eventName: unprov, initiator: "Local",
              time: "2020-06-29T11:56:27.000Z", location: 2, address: "", ex: [2],
              exStr: "Local MEI"),
        .init(record: "ABAAAAJe+dccAgAA", app: 16, event: 0, initiatorType: 2,
              auditApp: admin, eventName: prov, initiator: "Local",
              time: "2020-06-29T11:57:16.000Z", location: 2, address: "", ex: [], exStr: nil),
        .init(record: "ABAAAAJe+dgmAgAA", app: 16, event: 0, initiatorType: 2,
              auditApp: admin, eventName: prov, initiator: "Local",
              time: "2020-06-29T12:01:42.000Z", location: 2, address: "", ex: [], exStr: nil),
        .init(record: "ABUAAAAJJCRPc0FkbWluXvnewgAJMTI3LjAuMC4xBF76QRI=", app: 21, event: 0,
              initiatorType: 0, auditApp: "Network Time", eventName: timeSet,
              initiator: "$$OsAdmin", time: "2020-06-29T12:29:54.000Z", location: 0,
              address: "127.0.0.1", ex: [0x5E, 0xFA, 0x41, 0x12],
              exStr: "2020-06-29T19:29:22.000Z"),
        .init(record: "ABAAEwJe+kTdAgABAg==", app: 16, event: 19, initiatorType: 2,
              auditApp: admin, eventName: unprov, initiator: "Local",
              time: "2020-06-29T19:45:33.000Z", location: 2, address: "", ex: [2],
              exStr: "Local MEI"),
        .init(record: "ABAAAAJe+kT/AgAA", app: 16, event: 0, initiatorType: 2,
              auditApp: admin, eventName: prov, initiator: "Local",
              time: "2020-06-29T19:46:07.000Z", location: 2, address: "", ex: [], exStr: nil),
    ]

    static let page2: [Expected] = [
        .init(record: "ABUAAAAJJCRPc0FkbWluP/Nj6wAJMTI3LjAuMC4xBFyZIW4=", app: 21, event: 0,
              initiatorType: 0, auditApp: "Network Time", eventName: timeSet,
              initiator: "$$OsAdmin", time: "2004-01-01T00:03:55.000Z", location: 0,
              address: "127.0.0.1", ex: [0x5C, 0x99, 0x21, 0x6E],
              exStr: "2019-03-25T18:43:58.000Z"),
        .init(record: "ABUAAAAJJCRPc0FkbWluXJlLAQAJMTI3LjAuMC4xBFyaHfM=", app: 21, event: 0,
              initiatorType: 0, auditApp: "Network Time", eventName: timeSet,
              initiator: "$$OsAdmin", time: "2019-03-25T21:41:21.000Z", location: 0,
              address: "127.0.0.1", ex: [0x5C, 0x9A, 0x1D, 0xF3],
              exStr: "2019-03-26T12:41:23.000Z"),
        .init(record: "ABUAAAAJJCRPc0FkbWluXoMPegEnMDAwMDowMDAwOjAwMDA6MDAwMDowMDAwOjAwMDA6MDAwM"
                  + "DowMDAxBF6CO2A=", app: 21, event: 0,
              initiatorType: 0, auditApp: "Network Time", eventName: timeSet,
              initiator: "$$OsAdmin", time: "2020-03-31T09:38:02.000Z", location: 1,
              address: "::1", ex: [0x5E, 0x82, 0x3B, 0x60],
              exStr: "2020-03-30T18:33:04.000Z"),
        .init(record: "ABAAAAJegj0UAgAA", app: 16, event: 0, initiatorType: 2,
              auditApp: admin, eventName: prov, initiator: "Local",
              time: "2020-03-30T18:40:20.000Z", location: 2, address: "", ex: [], exStr: nil),
        .init(record: "ABUAAAAFYWRtaW5egj0kAAkxMjcuMC4wLjEEXoI9JQ==", app: 21, event: 0,
              initiatorType: 0, auditApp: "Network Time", eventName: timeSet,
              initiator: "admin", time: "2020-03-30T18:40:36.000Z", location: 0,
              address: "127.0.0.1", ex: [0x5E, 0x82, 0x3D, 0x25],
              exStr: "2020-03-30T18:40:37.000Z"),
        .init(record: "ABIACgAFYWRtaW5egj0nAAkxMjcuMC4wLjEA", app: 18, event: 10,
              initiatorType: 0, auditApp: "Redirection Manager", eventName: "KVM Enabled",
              initiator: "admin", time: "2020-03-30T18:40:39.000Z", location: 0,
              address: "127.0.0.1", ex: [], exStr: nil),
        .init(record: "AB0AAgAFYWRtaW5egj0tAAkxMjcuMC4wLjEA", app: 29, event: 2,
              initiatorType: 0, auditApp: "KVM", eventName: "KVM Password Changed",
              initiator: "admin", time: "2020-03-30T18:40:45.000Z", location: 0,
              address: "127.0.0.1", ex: [], exStr: nil),
        .init(record: "ABAAAAJhqMdtAgAA", app: 16, event: 0, initiatorType: 2,
              auditApp: admin, eventName: prov, initiator: "Local",
              time: "2021-12-02T13:17:33.000Z", location: 2, address: "", ex: [], exStr: nil),
        .init(record: "ABAAEwAFYWRtaW5hpfvMAScwMDAwOjAwMDA6MDAwMDowMDAwOjAwMDA6MDAwMDowMDAwOjAwM"
                  + "DEBBA==", app: 16, event: 19, initiatorType: 0, auditApp: admin,
              eventName: unprov, initiator: "admin", time: "2021-11-30T10:24:12.000Z",
              location: 1, address: "::1", ex: [4], exStr: "Remote WSMAN"),
        .init(record: "AB4AAQAFYWRtaW5hpfrtAAcxLjIuMy40AQA=", app: 30, event: 1,
              initiatorType: 0, auditApp: "User Opt-In Events",
              eventName: "Send Consent Code Event", initiator: "admin",
              time: "2021-11-30T10:20:29.000Z", location: 0, address: "1.2.3.4", ex: [0],
              exStr: "Success"),
    ]

    @Test func fixturesHoldTheRecordsListedHere() throws {
        #expect(try Fixture.auditPage1() == Self.page1.map(\.record))
        #expect(try Fixture.auditPage2() == Self.page2.map(\.record))
    }

    @Test(arguments: page1 + page2)
    func decodes(_ want: Expected) throws {
        let got = try AuditLogDecoder.decode(base64Record: want.record)
        #expect(got.auditAppID == want.app)
        #expect(got.eventID == want.event)
        #expect(got.initiatorType == want.initiatorType)
        #expect(got.auditApp == want.auditApp)
        #expect(got.event == want.eventName)
        #expect(got.initiator == want.initiator)
        #expect(iso(got.time) == want.time)
        #expect(got.mcLocationType == want.location)
        #expect(got.netAddress == want.address)
        #expect(got.extendedData == want.ex)
        #expect(got.exStr == want.exStr)
    }

    /// Cutting a real record anywhere short of its end must throw, never trap or succeed.
    @Test(arguments: page1 + page2)
    func everyTruncationThrows(_ want: Expected) throws {
        let bytes = Array(try #require(Data(base64Encoded: want.record)))
        for length in 0..<bytes.count {
            #expect(throws: LogDecodingError.self, "length \(length)") {
                try AuditLogDecoder.decode(base64Record: base64(Array(bytes.prefix(length))))
            }
        }
        #expect(throws: LogDecodingError.trailingBytes(count: 1)) {
            try AuditLogDecoder.decode(base64Record: base64(bytes + [0]))
        }
    }

    /// The reference REST example for the first record, byte for byte.
    @Test func encodesTheReferenceJSON() throws {
        let record = try AuditLogDecoder.decode(base64Record: "ABAAEwJe+jS5AgABAg==")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let json = try #require(String(data: try encoder.encode(record), encoding: .utf8))
        let want = #"{"AuditAppID":16,"EventID":19,"InitiatorType":2,"AuditApp":"Security Admin","#
            + #""Event":"Unprovisioning Started","Initiator":"Local","#
            + #""Time":"2020-06-29T18:36:41.000Z","MCLocationType":2,"NetAddress":"","#
            + #""Ex":"\u0002","ExStr":"Local MEI"}"#
        #expect(try canonicalJSON(json) == canonicalJSON(want))
        #expect(try JSONDecoder().decode(AuditLogRecord.self, from: Data(json.utf8)) == record)
    }

    @Test func nullExStrIsSentAsNull() throws {
        let record = try AuditLogDecoder.decode(base64Record: "ABAAAAJe+jTQAgAA")
        let object = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(record)) as? [String: Any])
        #expect(object["ExStr"] is NSNull)
        #expect(object["Ex"] as? String == "")
    }
}

/// The JSON text with sorted keys, so key order does not matter in comparisons.
func canonicalJSON(_ text: String) throws -> String {
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}
