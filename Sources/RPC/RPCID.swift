// SPDX-License-Identifier: Apache-2.0

/// A request id: a string, a number (kept as its JSON text, so `1.50` is echoed as `1.50`)
/// or null. JSON-RPC 2.0 discourages null and fractional ids but allows them.
public enum RPCID: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case number(String)
    case null

    /// A number id from an integer.
    public static func int(_ value: Int) -> RPCID { .number(String(value)) }

    /// The id a request member holds, or nil when the value is not a valid id type.
    init?(_ value: RPCValue) {
        switch value {
        case .string(let s): self = .string(s)
        case .number(let n): self = .number(n)
        case .null: self = .null
        default: return nil
        }
    }

    var value: RPCValue {
        switch self {
        case .string(let s): .string(s)
        case .number(let n): .number(n)
        case .null: .null
        }
    }

    /// The id as JSON text, for logs.
    public var description: String { self.value.jsonText }
}
