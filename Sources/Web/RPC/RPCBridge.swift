public import AMT
public import JSON
public import RPC

/// The one place JSON-RPC meets the rest of the web layer: `JSONValue` ↔ `RPCValue`, and the
/// service layer's errors → JSON-RPC error objects. Both value types keep member order and
/// number text, so the conversion is exact.
public enum RPCBridge {
    public static func rpcValue(_ value: JSONValue) -> RPCValue {
        switch value {
        case .null: .null
        case .bool(let b): .bool(b)
        case .number(let n): .number(n)
        case .string(let s): .string(s)
        case .array(let items): .array(items.map(Self.rpcValue))
        case .object(let members): .object(members.map { .init($0.key, Self.rpcValue($0.value)) })
        }
    }

    public static func jsonValue(_ value: RPCValue) -> JSONValue {
        switch value {
        case .null: .null
        case .bool(let b): .bool(b)
        case .number(let n): .number(n)
        case .string(let s): .string(s)
        case .array(let items): .array(items.map(Self.jsonValue))
        case .object(let members): .object(members.map { JSONMember($0.name, Self.jsonValue($0.value)) })
        }
    }

    /// A REST error as the same failure in JSON-RPC terms: a named field → -32010, no
    /// tunnel → -32001, device silence → -32002, upstream failures → -32003, 409 → -32009.
    /// Messages are ours (the REST messages), never a value the client sent.
    public static func rpcError(_ error: APIError, guid: String? = nil) -> RPCError {
        let message = error.body["error"]?.stringValue ?? ""
        let detail = error.body["errorDescription"]?.stringValue
        if let first = error.body["errors"]?[0] {
            return .validation(
                field: first["path"]?.stringValue ?? "params",
                reason: first["msg"]?.stringValue ?? "invalid value")
        }
        switch error.status {
        case 400:
            return .validation(field: "params", reason: detail ?? message)
        case 401: return .unauthorized
        case 403: return .forbidden
        case 404 where message.hasPrefix("Device not found/connected"):
            return .deviceNotConnected(guid: guid ?? "")
        case 404:
            return .validation(field: "guid", reason: detail ?? "not found")
        case 409: return .conflict(message)
        case 504: return .deviceTimeout(guid: guid ?? "")
        case 502:
            var rpc = RPCError.deviceError(guid: guid ?? "", message: message)
            var data: [RPCValue.Member] = [.init("guid", .string(guid ?? ""))]
            if let detail { data.append(.init("detail", .string(detail))) }
            if let upstream = error.body["upstreamStatus"] {
                data.append(.init("upstreamStatus", Self.rpcValue(upstream)))
            }
            rpc.data = .object(data)
            return rpc
        default:
            return .internalError
        }
    }

    /// An AMT failure, through the REST mapping so both transports tell the same story.
    public static func rpcError(_ error: AMTError, guid: String) -> RPCError {
        Self.rpcError(APIError(amt: error, guid: guid), guid: guid)
    }
}

extension APIError: RPCErrorConvertible {
    public var rpcError: RPCError { RPCBridge.rpcError(self) }
}

/// Named params taken whole, for methods that validate them with the REST body rules.
struct ObjectParams: Decodable, Sendable {
    let object: [String: JSONValue]

    init(from decoder: any Decoder) throws {
        let value = try RPCValue(from: decoder)
        guard case .object = value, let object = RPCBridge.jsonValue(value).dictionary else {
            throw RPCError.invalidParams(field: "params", reason: "expected named params (an object)")
        }
        self.object = object
    }

    /// The `guid` member, a 400-style -32602 when it is missing or not a string.
    func guid() throws -> String {
        guard let guid = self.object["guid"]?.stringValue else {
            throw RPCError.invalidParams(field: "guid", reason: "missing")
        }
        return guid
    }
}
