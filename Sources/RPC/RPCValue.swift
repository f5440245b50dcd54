// SPDX-License-Identifier: Apache-2.0

/// A JSON value as JSON-RPC carries it: objects keep their member order and numbers keep their
/// decimal text, so an `id` such as `1.50` or `12345678901234567890` is echoed exactly.
///
/// It is named `RPCValue`, not `JSONValue`, because the Store and WSMAN modules each already
/// have a public `JSONValue`; RPC depends on neither. Build one from any `Encodable` with
/// ``init(encoding:)`` and turn one into a `Decodable` with ``decode(_:)``.
public indirect enum RPCValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's JSON text, as received or as written by us (always valid JSON grammar).
    case number(String)
    case string(String)
    case array([RPCValue])
    /// Members in order. Parsed objects never hold duplicate names.
    case object([Member])

    /// One name/value pair of an object.
    public struct Member: Sendable, Equatable {
        public var name: String
        public var value: RPCValue

        public init(_ name: String, _ value: RPCValue) {
            self.name = name
            self.value = value
        }
    }

    /// A number from an integer.
    public static func int(_ value: some BinaryInteger) -> RPCValue { .number(String(value)) }

    /// An object from name/value pairs, in the order given.
    public static func object(_ pairs: KeyValuePairs<String, RPCValue>) -> RPCValue {
        .object(pairs.map { Member($0.key, $0.value) })
    }

    /// The member `name` of an object.
    public subscript(name: String) -> RPCValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.name == name }?.value
    }

    /// The element at `index` of an array.
    public subscript(index: Int) -> RPCValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The number as an `Int`, when its text is an integer that fits.
    public var intValue: Int? {
        if case .number(let text) = self { return Int(text) }
        return nil
    }

    /// The JSON type name used in error messages ("string", "number", ...).
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

extension RPCValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByNilLiteral, ExpressibleByArrayLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(String(value)) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: RPCValue...) { self = .array(elements) }
}
