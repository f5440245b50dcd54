// SPDX-License-Identifier: Apache-2.0

/// A malformed percent-encoded string: a `%` not followed by two hex digits, or bytes that
/// do not decode to UTF-8.
public enum PercentDecodingError: Error, Equatable, Sendable {
    case invalidEscape
    case invalidUTF8
}

/// Percent-decoding (RFC 3986 §2.1), query strings and `application/x-www-form-urlencoded`
/// bodies (WHATWG URL §5.1).
///
/// Decoding never normalises paths (no `.` / `..` handling): routers compare decoded segments.
public enum PercentDecoding {
    /// Decodes `%XX` escapes; with `plusAsSpace`, `+` becomes a space (form encoding).
    /// - Throws: ``PercentDecodingError`` for a broken escape or invalid UTF-8.
    public static func decode(
        _ text: some StringProtocol, plusAsSpace: Bool = false
    ) throws(PercentDecodingError) -> String {
        let utf8 = text.utf8
        // Fast path: nothing to decode.
        if !utf8.contains(where: { $0 == 0x25 || (plusAsSpace && $0 == 0x2B) }) {
            return String(text)
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var it = utf8.makeIterator()
        while let byte = it.next() {
            switch byte {
            case 0x25:
                guard let h = it.next(), let l = it.next(), let hv = hexValue(h), let lv = hexValue(l)
                else { throw .invalidEscape }
                out.append(hv << 4 | lv)
            case 0x2B where plusAsSpace:
                out.append(0x20)
            default:
                out.append(byte)
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw .invalidUTF8 }
        return s
    }

    /// Splits `a=1&b=&c&a=2` into decoded pairs, order and duplicates kept. `+` means space.
    /// A name without `=` gets an empty value; empty segments are skipped.
    public static func parseQuery(
        _ query: some StringProtocol
    ) throws(PercentDecodingError) -> [(name: String, value: String)] {
        var out: [(name: String, value: String)] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            if let eq = part.firstIndex(of: "=") {
                let name = try decode(part[..<eq], plusAsSpace: true)
                let value = try decode(part[part.index(after: eq)...], plusAsSpace: true)
                out.append((name: name, value: value))
            } else {
                out.append((name: try decode(part, plusAsSpace: true), value: ""))
            }
        }
        return out
    }

    /// Parses an `application/x-www-form-urlencoded` body.
    public static func parseForm(
        _ body: [UInt8]
    ) throws(PercentDecodingError) -> [(name: String, value: String)] {
        guard let text = String(validating: body, as: UTF8.self) else { throw .invalidUTF8 }
        return try parseQuery(text)
    }
}

@inline(__always)
func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case 0x30...0x39: c - 0x30
    case 0x41...0x46: c - 0x41 + 10
    case 0x61...0x66: c - 0x61 + 10
    default: nil
    }
}
