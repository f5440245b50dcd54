// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing
import JSON
import WSMAN

/// Loads fixture files from the test bundle.
enum Fixtures {
    static func url(_ name: String) throws -> URL {
        let dot = name.firstIndex(of: ".")!
        return try #require(
            Bundle.module.url(
                forResource: String(name[..<dot]), withExtension: String(name[name.index(after: dot)...]),
                subdirectory: "Fixtures"))
    }

    static func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: url(name))) }

    static func all(withSuffix suffix: String) throws -> [String] {
        let dir = try #require(Bundle.module.resourceURL?.appendingPathComponent("Fixtures"))
        return try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(suffix) }.sorted()
    }
}

/// A JSON value as the reference fixtures hold it (types as written).
indirect enum AnyJSON: Decodable, Equatable {
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([AnyJSON])
    case object([String: AnyJSON])
    case null

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
            return
        }
        if let b = try? c.decode(Bool.self) {
            self = .bool(b)
            return
        }
        if let i = try? c.decode(Int64.self) {
            self = .int(i)
            return
        }
        if let d = try? c.decode(Double.self) {
            self = .double(d)
            return
        }
        if let s = try? c.decode(String.self) {
            self = .string(s)
            return
        }
        if let a = try? c.decode([AnyJSON].self) {
            self = .array(a)
            return
        }
        self = .object(try c.decode([String: AnyJSON].self))
    }

    static func load(_ name: String) throws -> AnyJSON {
        try JSONDecoder().decode(AnyJSON.self, from: Data(contentsOf: Fixtures.url(name)))
    }

    subscript(key: String) -> AnyJSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    func replacing(path: [String], with value: AnyJSON) -> AnyJSON {
        guard let first = path.first, case .object(var o) = self, let child = o[first] else {
            return path.isEmpty ? value : self
        }
        o[first] = path.count == 1 ? value : child.replacing(path: Array(path.dropFirst()), with: value)
        return .object(o)
    }

    /// The value as leaf text, the way it appears in the XML.
    var text: String? {
        switch self {
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .string(let s): s
        default: nil
        }
    }

    /// Whether our string-typed conversion equals this value, ignoring key order and
    /// scalar types (the fixtures are inconsistent about types, see their README); an empty
    /// object matches `""` because xml2js really yields `""` for an empty element.
    func matches(_ mine: JSONValue) -> Bool {
        switch (self, mine) {
        case (.object(let o), .string("")) where o.isEmpty: return true
        case (.object(let o), .object(let m)):
            let keys = Set(m.map(\.key))
            return keys == Set(o.keys) && m.allSatisfy { o[$0.key]!.matches($0.value) }
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.matches($1) }
        default:
            return self.text != nil && self.text == mine.stringValue
        }
    }
}

/// Builds a compact AMT-style envelope from a reference JSON envelope, so every .json
/// fixture can be fed through our XML parser and compared with itself.
enum EnvelopeFromJSON {
    static let enumerationNames: Set = [
        "PullResponse", "EnumerateResponse", "Items", "EnumerationContext", "EndOfSequence",
    ]
    static let soapNames: Set = ["Fault", "Code", "Value", "Subcode", "Reason", "Detail", "Text"]

    static func xml(_ envelope: AnyJSON) -> String {
        var out =
            #"<?xml version="1.0" encoding="UTF-8"?><a:Envelope xmlns:a="http://www.w3.org/2003/05/soap-envelope" "#
                + #"xmlns:b="http://schemas.xmlsoap.org/ws/2004/08/addressing" "#
                + #"xmlns:c="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" "#
                + #"xmlns:g="http://schemas.xmlsoap.org/ws/2004/09/enumeration" "#
                + #"xmlns:h="urn:class"><a:Header>"#
        if case .object(let header)? = envelope["Header"] {
            for key in ["To", "RelatesTo", "Action", "MessageID", "ResourceURI"] {
                guard let v = header[key]?.text else { continue }
                let p = key == "ResourceURI" ? "c" : "b"
                out += "<\(p):\(key)>\(xmlEscape(v))</\(p):\(key)>"
            }
        }
        out += "</a:Header><a:Body>"
        if case .object(let body)? = envelope["Body"] {
            for key in body.keys.sorted() { out += element(key, body[key]!) }
        }
        return out + "</a:Body></a:Envelope>"
    }

    static func element(_ name: String, _ value: AnyJSON) -> String {
        let p =
            enumerationNames.contains(name) ? "g" : soapNames.contains(name) ? "a" : name == "FaultDetail" ? "c" : "h"
        switch value {
        case .array(let items): return items.map { element(name, $0) }.joined()
        case .object(let o):
            return "<\(p):\(name)>" + o.keys.sorted().map { element($0, o[$0]!) }.joined() + "</\(p):\(name)>"
        default: return "<\(p):\(name)>\(xmlEscape(value.text ?? ""))</\(p):\(name)>"
        }
    }
}
