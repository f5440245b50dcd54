// SPDX-License-Identifier: Apache-2.0

internal import Foundation
internal import JSON

extension RPCValue {
    /// Compact JSON text (RFC 8259): members in order, strings as `JSONText` writes them.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        self.write(to: &out)
        return out
    }

    /// ``serialized()`` as a string.
    public var jsonText: String { String(decoding: self.serialized(), as: UTF8.self) }

    func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let text): out.append(contentsOf: text.utf8)
        case .string(let s): JSONText.appendString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, member) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendString(member.name, to: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

extension RPCValue {
    /// The JSON form of `value` (as `JSONEncoder` writes it, keys sorted).
    /// - Throws: the `EncodingError` from `JSONEncoder` (for example a NaN).
    /// TODO(#4): an Encoder writing RPCValue directly would save the JSON text round trip.
    public init(encoding value: some Encodable) throws {
        if let already = value as? RPCValue {
            self = already
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        self = try RPCValue.parse(Array(data), maxDepth: 512)
    }

    /// Decodes this value as `type`, reading it directly (no JSON text in between).
    /// - Throws: a `DecodingError` with the full coding path, or whatever `init(from:)` throws.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try RPCValueDecoder.decode(type, self, [])
    }
}

extension RPCValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int64.self) {
            self = .number(String(i))
        } else if let d = try? container.decode(Double.self) {
            self = .number("\(d)")
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([RPCValue].self) {
            self = .array(a)
        } else {
            let o = try container.decode([String: RPCValue].self)
            self = .object(o.keys.sorted().map { Member($0, o[$0]!) })
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .number(let text):
            var c = encoder.singleValueContainer()
            if let i = Int64(text) {
                try c.encode(i)
            } else if let u = UInt64(text) {
                try c.encode(u)
            } else {
                try c.encode(Double(text) ?? .nan)
            }
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .array(let items):
            var c = encoder.unkeyedContainer()
            for item in items { try c.encode(item) }
        case .object(let members):
            var c = encoder.container(keyedBy: NameKey.self)
            for m in members { try c.encode(m.value, forKey: NameKey(m.name)) }
        }
    }
}

/// A coding key that is any member name.
struct NameKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { self.stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
