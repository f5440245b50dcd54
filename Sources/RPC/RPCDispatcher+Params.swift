// SPDX-License-Identifier: Apache-2.0

internal import Foundation

/// Turns a request's params into a handler's typed params, and `DecodingError`s into -32602
/// errors that name the field. Reasons are ours: a value is never echoed (it may be secret).
/// TODO(#4): unknown members of named params are ignored, not refused with -32602.
enum ParamsDecoding {
    static func decode<P: Decodable>(_ type: P.Type, _ params: RPCValue?, positional: [String]) throws -> P {
        let named: RPCValue
        switch params {
        case nil:
            named = .object([])
        case .array(let items)?:
            if items.isEmpty {
                named = .object([])
            } else if positional.isEmpty {
                throw RPCError.invalidParams(field: "params", reason: "expected named params (an object)")
            } else if items.count > positional.count {
                throw RPCError.invalidParams(
                    field: "params",
                    reason: "expected at most \(positional.count) positional params"
                )
            } else {
                named = .object(zip(positional, items).map { RPCValue.Member($0, $1) })
            }
        case let value?:
            named = value
        }
        do {
            return try named.decode(type)
        } catch let error as any RPCErrorConvertible {
            throw error
        } catch let error as DecodingError {
            throw Self.rpcError(error)
        }
    }

    static func rpcError(_ error: DecodingError) -> RPCError {
        switch error {
        case .keyNotFound(let key, let context):
            return .invalidParams(field: path(context.codingPath + [key]), reason: "missing")
        case .valueNotFound(_, let context):
            return .invalidParams(field: path(context.codingPath), reason: "must not be null")
        case .typeMismatch(let type, let context):
            return .invalidParams(field: path(context.codingPath), reason: "expected \(jsonTypeName(type))")
        case .dataCorrupted(let context):
            return .invalidParams(field: path(context.codingPath), reason: "invalid value")
        @unknown default:
            return .invalidParams(field: "params", reason: "invalid value")
        }
    }

    /// `options.action`, `topics[1]`; `params` for the params value itself.
    static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                out += out.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        if out.isEmpty { return "params" }
        return out.hasPrefix("[") ? "params" + out : out
    }

    static func jsonTypeName(_ type: Any.Type) -> String {
        if type == String.self || type == Substring.self || type == Character.self { return "a string" }
        if type == Bool.self { return "a boolean" }
        if type is any BinaryInteger.Type { return "an integer" }
        if type is any BinaryFloatingPoint.Type || type == Decimal.self { return "a number" }
        if type == [Any].self { return "an array" }
        if type == [String: Any].self { return "an object" }
        if type is any Collection.Type { return "an array" }
        return "an object"
    }
}
