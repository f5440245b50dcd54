// SPDX-License-Identifier: Apache-2.0

/// Why bytes are not one JSON text (RFC 8259). Offsets count bytes from the start.
public enum RPCJSONError: Error, Sendable, Equatable {
    case unexpectedEnd
    case unexpectedByte(offset: Int)
    /// A bad escape, a raw control character, a lone surrogate or invalid UTF-8 in a string.
    case invalidString(offset: Int)
    case invalidNumber(offset: Int)
    case nestingTooDeep(offset: Int)
    /// An object names the same member twice; we refuse rather than guess which one wins.
    case duplicateName(offset: Int)
    case trailingData(offset: Int)
}

extension RPCValue {
    /// The default bound on array/object nesting.
    public static let defaultMaxDepth = 64

    /// Parses exactly one JSON text (surrounding whitespace allowed, no byte order mark).
    ///
    /// The input is a complete message (an HTTP body or one WebSocket message), so this parser
    /// is not resumable. Nesting beyond `maxDepth` is refused, so hostile input cannot exhaust
    /// the stack; every loop advances through the input, so it always terminates.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(RPCJSONError)
        -> RPCValue
    {
        var reader = JSONReader(bytes: bytes, maxDepth: maxDepth)
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.index == bytes.count else { throw .trailingData(offset: reader.index) }
        return value
    }
}

/// A recursive-descent reader over a complete buffer.
struct JSONReader {
    let bytes: [UInt8]
    let maxDepth: Int
    var index = 0

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func skipWhitespace() {
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case 0x20, 0x09, 0x0A, 0x0D: self.index += 1
            default: return
            }
        }
    }

    private func peek() throws(RPCJSONError) -> UInt8 {
        guard self.index < self.bytes.count else { throw .unexpectedEnd }
        return self.bytes[self.index]
    }

    mutating func value(depth: Int) throws(RPCJSONError) -> RPCValue {
        switch try self.peek() {
        case UInt8(ascii: "{"): return try self.object(depth: depth + 1)
        case UInt8(ascii: "["): return try self.array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try self.string())
        case UInt8(ascii: "t"): return try self.literal("true", .bool(true))
        case UInt8(ascii: "f"): return try self.literal("false", .bool(false))
        case UInt8(ascii: "n"): return try self.literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try self.number()
        default: throw .unexpectedByte(offset: self.index)
        }
    }

    private mutating func literal(_ word: StaticString, _ value: RPCValue) throws(RPCJSONError) -> RPCValue {
        let count = word.utf8CodeUnitCount
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
        for i in 0..<count {
            guard self.index < self.bytes.count else { throw .unexpectedEnd }
            guard self.bytes[self.index] == expected[i] else { throw .unexpectedByte(offset: self.index) }
            self.index += 1
        }
        return value
    }

    private mutating func object(depth: Int) throws(RPCJSONError) -> RPCValue {
        guard depth <= self.maxDepth else { throw .nestingTooDeep(offset: self.index) }
        self.index += 1
        var members: [RPCValue.Member] = []
        var names = Set<String>()
        self.skipWhitespace()
        if try self.peek() == UInt8(ascii: "}") {
            self.index += 1
            return .object(members)
        }
        while true {
            self.skipWhitespace()
            let nameOffset = self.index
            guard try self.peek() == UInt8(ascii: "\"") else { throw .unexpectedByte(offset: self.index) }
            let name = try self.string()
            guard names.insert(name).inserted else { throw .duplicateName(offset: nameOffset) }
            self.skipWhitespace()
            guard try self.peek() == UInt8(ascii: ":") else { throw .unexpectedByte(offset: self.index) }
            self.index += 1
            self.skipWhitespace()
            members.append(RPCValue.Member(name, try self.value(depth: depth)))
            self.skipWhitespace()
            switch try self.peek() {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "}"):
                self.index += 1
                return .object(members)
            default: throw .unexpectedByte(offset: self.index)
            }
        }
    }

    private mutating func array(depth: Int) throws(RPCJSONError) -> RPCValue {
        guard depth <= self.maxDepth else { throw .nestingTooDeep(offset: self.index) }
        self.index += 1
        var items: [RPCValue] = []
        self.skipWhitespace()
        if try self.peek() == UInt8(ascii: "]") {
            self.index += 1
            return .array(items)
        }
        while true {
            self.skipWhitespace()
            items.append(try self.value(depth: depth))
            self.skipWhitespace()
            switch try self.peek() {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "]"):
                self.index += 1
                return .array(items)
            default: throw .unexpectedByte(offset: self.index)
            }
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, kept as text.
    private mutating func number() throws(RPCJSONError) -> RPCValue {
        let start = self.index
        if self.bytes[self.index] == UInt8(ascii: "-") { self.index += 1 }
        guard self.index < self.bytes.count else { throw .unexpectedEnd }
        if self.bytes[self.index] == UInt8(ascii: "0") {
            self.index += 1
        } else {
            guard self.digits() > 0 else { throw .invalidNumber(offset: start) }
        }
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ".") {
            self.index += 1
            guard self.digits() > 0 else { throw .invalidNumber(offset: start) }
        }
        if self.index < self.bytes.count, self.bytes[self.index] | 0x20 == UInt8(ascii: "e") {
            self.index += 1
            if self.index < self.bytes.count,
                self.bytes[self.index] == UInt8(ascii: "+") || self.bytes[self.index] == UInt8(ascii: "-")
            {
                self.index += 1
            }
            guard self.digits() > 0 else { throw .invalidNumber(offset: start) }
        }
        // Only ASCII digits and signs were consumed, so this cannot fail.
        return .number(String(decoding: self.bytes[start..<self.index], as: UTF8.self))
    }

    private mutating func digits() -> Int {
        let start = self.index
        while self.index < self.bytes.count, (0x30...0x39).contains(self.bytes[self.index]) {
            self.index += 1
        }
        return self.index - start
    }

    mutating func string() throws(RPCJSONError) -> String {
        let start = self.index
        self.index += 1
        var out: [UInt8] = []
        while true {
            guard self.index < self.bytes.count else { throw .unexpectedEnd }
            let byte = self.bytes[self.index]
            switch byte {
            case UInt8(ascii: "\""):
                self.index += 1
                guard let text = String(validating: out, as: UTF8.self) else {
                    throw .invalidString(offset: start)
                }
                return text
            case UInt8(ascii: "\\"):
                try self.escape(into: &out)
            case 0x00..<0x20:
                throw .invalidString(offset: self.index)
            default:
                out.append(byte)
                self.index += 1
            }
        }
    }

    private mutating func escape(into out: inout [UInt8]) throws(RPCJSONError) {
        let at = self.index
        self.index += 1
        guard self.index < self.bytes.count else { throw .unexpectedEnd }
        let c = self.bytes[self.index]
        self.index += 1
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(c)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try self.hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard self.index + 1 < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\\"),
                    self.bytes[self.index + 1] == UInt8(ascii: "u")
                else { throw .invalidString(offset: at) }
                self.index += 2
                let low = try self.hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw .invalidString(offset: at) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw .invalidString(offset: at)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw .invalidString(offset: at) }
            out.append(contentsOf: Character(unicode).utf8)
        default:
            throw .invalidString(offset: at)
        }
    }

    private mutating func hex4() throws(RPCJSONError) -> UInt32 {
        guard self.index + 4 <= self.bytes.count else { throw .unexpectedEnd }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = self.bytes[self.index]
            let d: UInt8
            switch b {
            case 0x30...0x39: d = b - 0x30
            case 0x41...0x46: d = b - 0x41 + 10
            case 0x61...0x66: d = b - 0x61 + 10
            default: throw .invalidString(offset: self.index)
            }
            v = v << 4 | UInt32(d)
            self.index += 1
        }
        return v
    }
}
