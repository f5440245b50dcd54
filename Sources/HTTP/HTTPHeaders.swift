// SPDX-License-Identifier: Apache-2.0

/// An ordered list of HTTP header fields with case-insensitive name lookup.
///
/// Order and duplicates are kept exactly as received or added. The type does not validate
/// names or values; the parsers do that on input, and callers building responses must not put
/// CR or LF into values (``HTTPResponse/serialize()`` drops such fields rather than emit them).
public struct HTTPHeaders: Sequence, Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public typealias Element = (name: String, value: String)

    private var fields: [Element]

    public init() { self.fields = [] }

    public init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    public var count: Int { self.fields.count }
    public var isEmpty: Bool { self.fields.isEmpty }

    /// The first value for `name`, compared case-insensitively.
    public subscript(name: String) -> String? {
        for field in self.fields where asciiCaseInsensitiveEqual(field.name, name) {
            return field.value
        }
        return nil
    }

    /// Every value for `name`, in order.
    public func values(_ name: String) -> [String] {
        self.fields.filter { asciiCaseInsensitiveEqual($0.name, name) }.map(\.value)
    }

    /// Every comma-separated element of every `name` field, trimmed, empty ones dropped
    /// (RFC 9110 §5.6.1 list syntax).
    public func listValues(_ name: String) -> [Substring] {
        var out: [Substring] = []
        for value in self.values(name) {
            for part in value.split(separator: ",") {
                let trimmed = trimOWS(part)
                if !trimmed.isEmpty { out.append(trimmed) }
            }
        }
        return out
    }

    /// Whether the comma-separated list in `name` holds `token` (case-insensitive).
    public func containsToken(_ name: String, _ token: String) -> Bool {
        self.listValues(name).contains { asciiCaseInsensitiveEqual($0, token) }
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    public mutating func add(_ name: String, _ value: String) {
        self.fields.append((name: name, value: value))
    }

    /// Removes every `name` field and appends one with `value`.
    public mutating func replace(_ name: String, _ value: String) {
        self.remove(name)
        self.add(name, value)
    }

    public mutating func remove(_ name: String) {
        self.fields.removeAll { asciiCaseInsensitiveEqual($0.name, name) }
    }

    public func makeIterator() -> IndexingIterator<[Element]> { self.fields.makeIterator() }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}

/// ASCII case-insensitive equality without allocating lowercased copies.
@inlinable
func asciiCaseInsensitiveEqual(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
    let x = a.utf8
    let y = b.utf8
    guard x.count == y.count else { return false }
    for (c, d) in zip(x, y) where c != d {
        let lc = (c >= 0x41 && c <= 0x5A) ? c | 0x20 : c
        let ld = (d >= 0x41 && d <= 0x5A) ? d | 0x20 : d
        if lc != ld { return false }
    }
    return true
}

/// Strips optional whitespace (SP / HTAB) from both ends.
func trimOWS(_ s: Substring) -> Substring {
    var t = s
    while let f = t.first, f == " " || f == "\t" { t.removeFirst() }
    while let l = t.last, l == " " || l == "\t" { t.removeLast() }
    return t
}
