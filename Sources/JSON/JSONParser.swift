/// Why bytes are not a JSON document. `offset` is where the problem was found.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public let offset: Int

    public var description: String { "invalid JSON at byte \(self.offset): \(self.message)" }
}

extension JSONValue {
    /// Parses one complete JSON document (RFC 8259, UTF-8). Strict: no comments, no trailing
    /// commas, no leading zeros, no lone surrogates; nesting deeper than `maxDepth` is refused
    /// so hostile input cannot exhaust the stack.
    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = 64) throws(JSONParseError)
        -> JSONValue
    {
        var parser = Parser(bytes: Array(bytes), maxDepth: maxDepth)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw parser.error("trailing characters") }
        return value
    }

    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try Self.parse(Array(text.utf8))
    }
}

private struct Parser {
    let bytes: [UInt8]
    let maxDepth: Int
    var index = 0

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    func error(_ message: String) -> JSONParseError { JSONParseError(message: message, offset: self.index) }

    var peek: UInt8? { self.index < self.bytes.count ? self.bytes[self.index] : nil }

    mutating func skipWhitespace() {
        while let b = self.peek, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { self.index += 1 }
    }

    mutating func expect(_ literal: String, _ value: JSONValue) throws(JSONParseError) -> JSONValue {
        for byte in literal.utf8 {
            guard self.peek == byte else { throw self.error("expected \(literal)") }
            self.index += 1
        }
        return value
    }

    mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth < self.maxDepth else { throw self.error("nested too deeply") }
        guard let b = self.peek else { throw self.error("unexpected end") }
        switch b {
        case UInt8(ascii: "{"): return try self.object(depth: depth)
        case UInt8(ascii: "["): return try self.array(depth: depth)
        case UInt8(ascii: "\""): return .string(try self.string())
        case UInt8(ascii: "t"): return try self.expect("true", .bool(true))
        case UInt8(ascii: "f"): return try self.expect("false", .bool(false))
        case UInt8(ascii: "n"): return try self.expect("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try self.number())
        default: throw self.error("unexpected character")
        }
    }

    mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
        self.index += 1
        var members: [JSONMember] = []
        var index: [String: Int]?
        self.skipWhitespace()
        if self.peek == UInt8(ascii: "}") {
            self.index += 1
            return .object(members)
        }
        while true {
            self.skipWhitespace()
            guard self.peek == UInt8(ascii: "\"") else { throw self.error("expected a key") }
            let key = try self.string()
            self.skipWhitespace()
            guard self.peek == UInt8(ascii: ":") else { throw self.error("expected ':'") }
            self.index += 1
            self.skipWhitespace()
            let value = try self.value(depth: depth + 1)
            // A later duplicate replaces the earlier value. Small objects are searched; past 16
            // members a hash index keeps this linear (a 1 MB body of 100,000 distinct keys
            // must not cost quadratic time: it would stall the server before any login).
            if index == nil, members.count >= 16 {
                index = Dictionary(members.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { a, _ in a })
            }
            if let existing = index.map({ $0[key] }) ?? members.firstIndex(where: { $0.key == key }) {
                members[existing].value = value
            } else {
                index?[key] = members.count
                members.append(JSONMember(key, value))
            }
            self.skipWhitespace()
            switch self.peek {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "}"):
                self.index += 1
                return .object(members)
            default: throw self.error("expected ',' or '}'")
            }
        }
    }

    mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
        self.index += 1
        var items: [JSONValue] = []
        self.skipWhitespace()
        if self.peek == UInt8(ascii: "]") {
            self.index += 1
            return .array(items)
        }
        while true {
            self.skipWhitespace()
            items.append(try self.value(depth: depth + 1))
            self.skipWhitespace()
            switch self.peek {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "]"):
                self.index += 1
                return .array(items)
            default: throw self.error("expected ',' or ']'")
            }
        }
    }

    mutating func number() throws(JSONParseError) -> String {
        let start = self.index
        if self.peek == UInt8(ascii: "-") { self.index += 1 }
        guard let first = self.peek, Self.isDigit(first) else { throw self.error("expected a digit") }
        self.index += 1
        if first == UInt8(ascii: "0"), let next = self.peek, Self.isDigit(next) {
            throw self.error("leading zero")
        }
        while let d = self.peek, Self.isDigit(d) { self.index += 1 }
        if self.peek == UInt8(ascii: ".") {
            self.index += 1
            guard let d = self.peek, Self.isDigit(d) else { throw self.error("expected a digit") }
            while let d = self.peek, Self.isDigit(d) { self.index += 1 }
        }
        if self.peek == UInt8(ascii: "e") || self.peek == UInt8(ascii: "E") {
            self.index += 1
            if self.peek == UInt8(ascii: "+") || self.peek == UInt8(ascii: "-") { self.index += 1 }
            guard let d = self.peek, Self.isDigit(d) else { throw self.error("expected a digit") }
            while let d = self.peek, Self.isDigit(d) { self.index += 1 }
        }
        return String(decoding: self.bytes[start..<self.index], as: UTF8.self)
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    mutating func string() throws(JSONParseError) -> String {
        self.index += 1
        var out: [UInt8] = []
        while true {
            guard let b = self.peek else { throw self.error("unterminated string") }
            self.index += 1
            switch b {
            case UInt8(ascii: "\""):
                guard let s = String(validating: out, as: UTF8.self) else {
                    throw self.error("string is not valid UTF-8")
                }
                return s
            case UInt8(ascii: "\\"):
                try self.escape(into: &out)
            case 0..<0x20:
                throw self.error("control character in string")
            default:
                out.append(b)
            }
        }
    }

    mutating func escape(into out: inout [UInt8]) throws(JSONParseError) {
        guard let e = self.peek else { throw self.error("unterminated escape") }
        self.index += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try self.hex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard self.peek == UInt8(ascii: "\\") else { throw self.error("lone surrogate") }
                self.index += 1
                guard self.peek == UInt8(ascii: "u") else { throw self.error("lone surrogate") }
                self.index += 1
                let low = try self.hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw self.error("lone surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw self.error("lone surrogate")
            }
            guard let u = Unicode.Scalar(scalar) else { throw self.error("invalid escape") }
            out.append(contentsOf: Array(String(Character(u)).utf8))
        default:
            throw self.error("invalid escape")
        }
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let h = self.peek else { throw self.error("short \\u escape") }
            self.index += 1
            let digit: UInt32
            switch h {
            case 0x30...0x39: digit = UInt32(h - 0x30)
            case 0x41...0x46: digit = UInt32(h - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(h - 0x61 + 10)
            default: throw self.error("bad hex digit")
            }
            value = value << 4 | digit
        }
        return value
    }
}
