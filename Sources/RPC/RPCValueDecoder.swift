// SPDX-License-Identifier: Apache-2.0

/// A `Decoder` reading an ``RPCValue`` directly, so every failure carries the full coding path
/// (`JSONDecoder` drops the key for a number that does not fit, for example) and nothing is
/// encoded twice. Integers accept integral number text only (`8`, `8.0`, `1e3`); a null
/// where a value is required is `valueNotFound`.
struct RPCValueDecoder: Decoder {
    let value: RPCValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        switch self.value {
        case .object(let members):
            var table: [String: RPCValue] = [:]
            for m in members { table[m.name] = m.value }
            return KeyedDecodingContainer(
                Keyed<Key>(table: table, names: members.map(\.name), codingPath: self.codingPath)
            )
        case .null:
            throw DecodingError.valueNotFound(
                [String: Any].self,
                .init(codingPath: self.codingPath, debugDescription: "null")
            )
        default:
            throw DecodingError.typeMismatch(
                [String: Any].self,
                .init(codingPath: self.codingPath, debugDescription: "not an object")
            )
        }
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch self.value {
        case .array(let items): return Unkeyed(items: items, codingPath: self.codingPath)
        case .null:
            throw DecodingError.valueNotFound(
                [Any].self,
                .init(codingPath: self.codingPath, debugDescription: "null")
            )
        default:
            throw DecodingError.typeMismatch(
                [Any].self,
                .init(codingPath: self.codingPath, debugDescription: "not an array")
            )
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        Single(value: self.value, codingPath: self.codingPath)
    }

    /// Primitives are read here; everything else goes through its own `init(from:)`.
    static func decode<T: Decodable>(_ type: T.Type, _ value: RPCValue, _ path: [any CodingKey]) throws -> T {
        if let same = value as? T { return same }
        func mismatch() -> DecodingError {
            if value == .null {
                return .valueNotFound(type, .init(codingPath: path, debugDescription: "null"))
            }
            return .typeMismatch(type, .init(codingPath: path, debugDescription: "found \(value.typeName)"))
        }
        switch type {
        case is Bool.Type:
            guard case .bool(let b) = value else { throw mismatch() }
            return b as! T
        case is String.Type:
            guard case .string(let s) = value else { throw mismatch() }
            return s as! T
        case is Double.Type, is Float.Type:
            guard case .number(let text) = value, let d = Double(text), d.isFinite else { throw mismatch() }
            return (type == Float.self ? Float(d) as Any : d as Any) as! T
        case let integer as any FixedWidthInteger.Type:
            guard case .number(let text) = value else { throw mismatch() }
            return try Self.integer(integer, text, path, mismatch) as! T
        default:
            if value == .null, !(type is any ExpressibleByNilLiteral.Type) { throw mismatch() }
            return try T(from: RPCValueDecoder(value: value, codingPath: path))
        }
    }

    private static func integer<I: FixedWidthInteger>(
        _ type: I.Type,
        _ text: String,
        _ path: [any CodingKey],
        _ mismatch: () -> DecodingError
    ) throws -> I {
        if let exact = I(text) { return exact }
        guard let d = Double(text), d.isFinite, d == d.rounded() else { throw mismatch() }
        guard let i = I(exactly: d) else {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "out of range"))
        }
        return i
    }
}

/// A coding key for an array index.
struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "Index \(self.intValue ?? 0)" }
    init(_ index: Int) { self.intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let table: [String: RPCValue]
    let names: [String]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { self.names.compactMap { Key(stringValue: $0) } }
    func contains(_ key: Key) -> Bool { self.table[key.stringValue] != nil }

    private func value(_ key: Key) throws -> RPCValue {
        guard let v = self.table[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key,
                .init(codingPath: self.codingPath, debugDescription: "missing")
            )
        }
        return v
    }

    func decodeNil(forKey key: Key) throws -> Bool { try self.value(key) == .null }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try RPCValueDecoder.decode(type, try self.value(key), self.codingPath + [key])
    }

    func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<N>
    {
        try RPCValueDecoder(value: try self.value(key), codingPath: self.codingPath + [key]).container(
            keyedBy: type
        )
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try RPCValueDecoder(value: try self.value(key), codingPath: self.codingPath + [key])
            .unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        RPCValueDecoder(value: self.table["super"] ?? .null, codingPath: self.codingPath + [NameKey("super")])
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        RPCValueDecoder(value: self.table[key.stringValue] ?? .null, codingPath: self.codingPath + [key])
    }
}

private struct Unkeyed: UnkeyedDecodingContainer {
    let items: [RPCValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    var count: Int? { self.items.count }
    var isAtEnd: Bool { self.currentIndex >= self.items.count }

    private mutating func next<T>(_ type: T.Type) throws -> (RPCValue, [any CodingKey]) {
        guard !self.isAtEnd else {
            throw DecodingError.valueNotFound(
                type,
                .init(
                    codingPath: self.codingPath + [IndexKey(self.currentIndex)],
                    debugDescription: "end of array"
                )
            )
        }
        defer { self.currentIndex += 1 }
        return (self.items[self.currentIndex], self.codingPath + [IndexKey(self.currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !self.isAtEnd, self.items[self.currentIndex] == .null else { return false }
        self.currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (value, path) = try self.next(type)
        return try RPCValueDecoder.decode(type, value, path)
    }

    mutating func nestedContainer<N: CodingKey>(keyedBy type: N.Type) throws -> KeyedDecodingContainer<N> {
        let (value, path) = try self.next([String: Any].self)
        return try RPCValueDecoder(value: value, codingPath: path).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (value, path) = try self.next([Any].self)
        return try RPCValueDecoder(value: value, codingPath: path).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (value, path) = try self.next(Any.self)
        return RPCValueDecoder(value: value, codingPath: path)
    }
}

private struct Single: SingleValueDecodingContainer {
    let value: RPCValue
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool { self.value == .null }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try RPCValueDecoder.decode(type, self.value, self.codingPath)
    }
}
