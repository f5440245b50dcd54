// Bounds-checked reading of binary log records, plus the text helpers both decoders share.
import Foundation

/// Reads integers and byte runs from a decoded record, throwing instead of trapping at the end.
struct RecordReader {
    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func bytes(_ count: Int, _ field: String) throws(LogDecodingError) -> [UInt8] {
        guard count >= 0, count <= remaining else {
            throw .truncated(field: field, offset: offset)
        }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func u8(_ field: String) throws(LogDecodingError) -> UInt8 {
        try bytes(1, field)[0]
    }

    mutating func u16BE(_ field: String) throws(LogDecodingError) -> UInt16 {
        LogBytes.u16BE(try bytes(2, field), at: 0)
    }

    mutating func u32BE(_ field: String) throws(LogDecodingError) -> UInt32 {
        LogBytes.u32BE(try bytes(4, field), at: 0)
    }

    mutating func u32LE(_ field: String) throws(LogDecodingError) -> UInt32 {
        LogBytes.u32LE(try bytes(4, field), at: 0)
    }
}

/// Small pure helpers over record bytes.
enum LogBytes {
    /// Decodes padded base64 (surrounding ASCII whitespace allowed), refusing oversized input.
    static func decodeBase64(_ text: String, maxBytes: Int) throws(LogDecodingError) -> [UInt8] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // 4 characters per 3 bytes, rounded up to a whole quantum.
        let maxCharacters = (maxBytes + 2) / 3 * 4
        guard trimmed.utf8.count <= maxCharacters else {
            throw .recordTooLong(characters: trimmed.utf8.count)
        }
        guard let data = Data(base64Encoded: trimmed) else { throw .notBase64 }
        return Array(data)
    }

    /// Each byte as the Unicode scalar of the same value (ISO-8859-1), as the reference shows
    /// AMT's ASCII fields and the raw `Ex` data. Never fails.
    static func latin1(_ bytes: some Sequence<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in bytes { scalars.append(Unicode.Scalar(byte)) }
        return String(scalars)
    }

    static func u16BE(_ b: [UInt8], at i: Int) -> UInt16 {
        UInt16(b[i]) << 8 | UInt16(b[i + 1])
    }

    static func u32BE(_ b: [UInt8], at i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    static func u32LE(_ b: [UInt8], at i: Int) -> UInt32 {
        UInt32(b[i + 3]) << 24 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 1]) << 8 | UInt32(b[i])
    }
}

/// The ISO-8601 form the REST API uses for log times: UTC with milliseconds,
/// for example `2020-06-29T18:36:41.000Z`.
enum LogTime {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func date(secondsSince1970 seconds: UInt32) -> Date {
        Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    static func string(_ date: Date) -> String { style.format(date) }

    /// Parses the API form (milliseconds optional); nil if the text is not such a time.
    static func parse(_ text: String) -> Date? { try? style.parse(text) }
}
