// Decoding of the binary AMT audit-log record (wsman spec §3.9).
import Foundation

/// Turns one base64 `EventRecords` entry of `AMT_AuditLog.ReadRecords` into an
/// ``AuditLogRecord``.
///
/// Layout, integers big-endian: AuditAppID u16, EventID u16, InitiatorType u8, the initiator
/// (type 0: u8 length + user name; type 1: u32 domain + u8 length + binary SID; types 2 and 3:
/// nothing), TimeStamp u32 (seconds since 1970), MCLocationType u8, u8 length + address text,
/// u8 length + extended data. Every length is checked; bytes after the extended data are an
/// error.
public enum AuditLogDecoder {
    /// The largest possible record: a Kerberos initiator with a 255-byte SID, a 255-byte address
    /// and 255 bytes of extended data.
    static let maxRecordBytes = 5 + 5 + 255 + 4 + 2 + 255 + 1 + 255

    public static func decode(base64Record: String) throws(LogDecodingError) -> AuditLogRecord {
        try decode(bytes: LogBytes.decodeBase64(base64Record, maxBytes: maxRecordBytes))
    }

    public static func decode(bytes: [UInt8]) throws(LogDecodingError) -> AuditLogRecord {
        var reader = RecordReader(bytes)
        let appID = try reader.u16BE("AuditAppID")
        let eventID = try reader.u16BE("EventID")
        let initiatorType = try reader.u8("InitiatorType")
        let initiator = try readInitiator(type: initiatorType, from: &reader)
        let seconds = try reader.u32BE("TimeStamp")
        let location = try reader.u8("MCLocationType")
        let addressLength = try reader.u8("NetAddress length")
        let address = try reader.bytes(Int(addressLength), "NetAddress")
        let exLength = try reader.u8("extended data length")
        let ex = try reader.bytes(Int(exLength), "extended data")
        guard reader.remaining == 0 else { throw .trailingBytes(count: reader.remaining) }

        let key = eventKey(appID: appID, eventID: eventID)
        return AuditLogRecord(
            auditAppID: appID, eventID: eventID, initiatorType: initiatorType,
            auditApp: AuditLogNames.applications[appID] ?? "#\(appID)",
            event: key.flatMap { AuditLogNames.events[$0] } ?? "#\(eventID)",
            initiator: initiator,
            time: LogTime.date(secondsSince1970: seconds),
            mcLocationType: location,
            netAddress: displayAddress(LogBytes.latin1(address), location: location),
            ex: LogBytes.latin1(ex),
            exStr: key.flatMap { AuditLogExtendedData.describe(event: $0, data: ex) })
    }

    /// The table key AuditAppID×100 + EventID, or nil when EventID ≥ 100 (the key would then
    /// name some other application's event).
    static func eventKey(appID: UInt16, eventID: UInt16) -> Int? {
        eventID < 100 ? Int(appID) * 100 + Int(eventID) : nil
    }

    private static func readInitiator(
        type: UInt8, from reader: inout RecordReader
    ) throws(LogDecodingError) -> String {
        switch type {
        case AuditLogRecord.Initiator.httpDigest:
            let length = try reader.u8("user name length")
            return LogBytes.latin1(try reader.bytes(Int(length), "user name"))
        case AuditLogRecord.Initiator.kerberos:
            _ = try reader.u32BE("Kerberos domain")
            let length = try reader.u8("SID length")
            let sid = try reader.bytes(Int(length), "SID")
            return try sidString(sid)
        case AuditLogRecord.Initiator.local:
            return "Local"
        case AuditLogRecord.Initiator.kvmDefaultPort:
            return "KVM Default Port"
        default:
            throw .unknownInitiatorType(type)
        }
    }

    /// A binary Windows SID as text: `S-<revision>-<authority>` then each sub-authority
    /// (u32 little-endian from byte 8). The authority is its low byte, as in the reference
    /// (real authorities fit in it: 5 for NT accounts).
    static func sidString(_ sid: [UInt8]) throws(LogDecodingError) -> String {
        guard sid.count >= 8, sid.count % 4 == 0 else { throw .invalidSIDLength(sid.count) }
        var text = "S-\(sid[0])-\(sid[7])"
        for start in stride(from: 8, to: sid.count, by: 4) {
            text += "-\(LogBytes.u32LE(sid, at: start))"
        }
        return text
    }

    /// IPv6 text in AMT's full form (`0000:0000:…:0001`) shortened per RFC 5952 (`::1`); all
    /// other text unchanged. The reference only rewrites the loopback; for it the result is the
    /// same, other IPv6 addresses read better shortened.
    static func displayAddress(_ text: String, location: UInt8) -> String {
        guard location == AuditLogRecord.Location.ipv6 else { return text }
        return IPv6Text.canonical(text) ?? text
    }
}

/// RFC 5952 text for an IPv6 address written as eight colon-separated hex groups.
enum IPv6Text {
    static func canonical(_ text: String) -> String? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 8 else { return nil }
        var groups: [UInt16] = []
        for part in parts {
            guard (1...4).contains(part.count), part.allSatisfy(\.isHexDigit),
                let value = UInt16(part, radix: 16)
            else { return nil }
            groups.append(value)
        }
        // The longest run of two or more zero groups (the first one on a tie) becomes "::".
        var bestStart = -1, bestLength = 1, index = 0
        while index < 8 {
            guard groups[index] == 0 else { index += 1; continue }
            var end = index
            while end < 8 && groups[end] == 0 { end += 1 }
            if end - index > bestLength { bestStart = index; bestLength = end - index }
            index = end
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestStart >= 0 else { return hex.joined(separator: ":") }
        let head = hex[..<bestStart].joined(separator: ":")
        let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
        return head + "::" + tail
    }
}
