// Loading the captured AMT responses and building synthetic records for the decoder tests.
import Foundation
import Testing

enum Fixture {
    /// The JSON fixture `name`, walked down `path` to an array of base64 strings.
    static func strings(_ name: String, _ path: [String]) throws -> [String] {
        let base = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let data = try Data(contentsOf: base.appendingPathComponent(name))
        var node: Any = try JSONSerialization.jsonObject(with: data)
        for key in path {
            node = try #require((node as? [String: Any])?[key], "missing \(key) in \(name)")
        }
        return try #require(node as? [String], "\(name) does not end in a string array")
    }

    static func auditPage1() throws -> [String] {
        try strings(
            "AMT_AuditLog-ReadRecords.json",
            ["Envelope", "Body", "ReadRecords_OUTPUT", "EventRecords"])
    }

    static func auditPage2() throws -> [String] {
        try strings(
            "AMT_AuditLog-ReadRecords-records2.json", ["ReadRecords_OUTPUT", "EventRecords"])
    }

    static func eventRecords() throws -> [String] {
        try strings(
            "AMT_MessageLog-GetRecords.json",
            ["Envelope", "Body", "GetRecords_OUTPUT", "RecordArray"])
    }
}

/// Builds an audit record the way the layout in the spec describes it.
struct AuditBytes {
    var app: UInt16 = 16
    var event: UInt16 = 0
    /// Initiator type byte followed by its payload.
    var initiator: [UInt8] = [2]
    var time: UInt32 = 1_600_000_000
    var location: UInt8 = 2
    var address: [UInt8] = []
    var ex: [UInt8] = []

    static func digest(_ user: String) -> [UInt8] { [0, UInt8(user.utf8.count)] + Array(user.utf8) }

    var bytes: [UInt8] {
        var b = [UInt8(app >> 8), UInt8(app & 0xFF), UInt8(event >> 8), UInt8(event & 0xFF)]
        b += initiator
        b += [UInt8(time >> 24), UInt8(time >> 16 & 0xFF), UInt8(time >> 8 & 0xFF)]
        b += [UInt8(time & 0xFF)]
        b += [location, UInt8(address.count)] + address
        b += [UInt8(ex.count)] + ex
        return b
    }

    var base64: String { Data(bytes).base64EncodedString() }
}

func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

func iso(_ date: Date) -> String {
    date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
}

func date(_ text: String) throws -> Date {
    try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
}
