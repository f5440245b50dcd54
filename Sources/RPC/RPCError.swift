// SPDX-License-Identifier: Apache-2.0

/// An error a handler (or a params decoder) can throw to choose the JSON-RPC error response.
/// The dispatcher maps every other error to ``RPCError/internalError`` and logs the details.
public protocol RPCErrorConvertible: Error {
    /// The error object to send. Its message and data go to the client: never put a secret,
    /// a password or an exception's description in them.
    var rpcError: RPCError { get }
}

/// A JSON-RPC 2.0 error object: `{"code": ..., "message": ..., "data": ...}`.
///
/// Codes defined by JSON-RPC 2.0:
///
/// | code   | constant           | when |
/// |--------|--------------------|------|
/// | -32700 | ``parseError``     | the body is not JSON (the id is then null) |
/// | -32600 | ``invalidRequest`` | not a request object, an empty batch `[]`, a limit exceeded |
/// | -32601 | ``methodNotFound`` | no such method |
/// | -32602 | ``invalidParams(field:reason:)`` | params do not decode; data names the field |
/// | -32603 | ``internalError``  | anything unmapped; details only in the log |
///
/// Server codes of this MPS (the -32000..-32099 range is reserved for implementations):
///
/// | code   | constant | data |
/// |--------|----------|------|
/// | -32001 | ``deviceNotConnected(guid:)`` | `{"guid"}`: no CIRA tunnel for the device |
/// | -32002 | ``deviceTimeout(guid:)``      | `{"guid"}`: the device did not answer in time |
/// | -32003 | ``deviceError(guid:message:)`` | `{"guid"}`: the device answered with a fault |
/// | -32004 | ``unauthorized``              | none: no valid session or API key |
/// | -32005 | ``forbidden``                 | none: authenticated, but not allowed |
/// | -32009 | ``conflict(_:)``              | none: the state changed (e.g. duplicate) |
/// | -32010 | ``validation(field:reason:)`` | `{"field", "reason"}`: a value is out of range |
/// | -32011 | ``notAvailable``              | none: the method needs another transport |
public struct RPCError: Error, Sendable, Equatable, RPCErrorConvertible {
    /// An error code; any integer may arrive in a parsed response.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        public static let parseError = Code(rawValue: -32700)
        public static let invalidRequest = Code(rawValue: -32600)
        public static let methodNotFound = Code(rawValue: -32601)
        public static let invalidParams = Code(rawValue: -32602)
        public static let internalError = Code(rawValue: -32603)

        public static let deviceNotConnected = Code(rawValue: -32001)
        public static let deviceTimeout = Code(rawValue: -32002)
        public static let deviceError = Code(rawValue: -32003)
        public static let unauthorized = Code(rawValue: -32004)
        public static let forbidden = Code(rawValue: -32005)
        public static let conflict = Code(rawValue: -32009)
        public static let validation = Code(rawValue: -32010)
        public static let notAvailable = Code(rawValue: -32011)

        public var description: String { String(self.rawValue) }
    }

    public var code: Code
    public var message: String
    public var data: RPCValue?

    public init(code: Code, message: String, data: RPCValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var rpcError: RPCError { self }

    /// The error object as JSON.
    public var value: RPCValue {
        var members = [
            RPCValue.Member("code", .int(self.code.rawValue)), .init("message", .string(self.message)),
        ]
        if let data = self.data { members.append(.init("data", data)) }
        return .object(members)
    }
}

extension RPCError {
    public static let parseError = RPCError(code: .parseError, message: "Parse error")
    public static let invalidRequest = RPCError(code: .invalidRequest, message: "Invalid Request")
    public static let methodNotFound = RPCError(code: .methodNotFound, message: "Method not found")
    public static let internalError = RPCError(code: .internalError, message: "Internal error")

    /// -32600 with `{"reason": ...}` (and the limit, when one was exceeded).
    public static func invalidRequest(_ reason: String, limit: Int? = nil) -> RPCError {
        var data: [RPCValue.Member] = [.init("reason", .string(reason))]
        if let limit { data.append(.init("limit", .int(limit))) }
        return RPCError(code: .invalidRequest, message: "Invalid Request", data: .object(data))
    }

    /// -32602 naming the parameter: `field` is a path such as `guid`, `options.action` or
    /// `topics[1]`; `reason` is ours ("missing", "expected a string", ...), never the value.
    public static func invalidParams(field: String, reason: String) -> RPCError {
        RPCError(code: .invalidParams, message: "Invalid params", data: fieldData(field, reason))
    }

    public static func deviceNotConnected(guid: String) -> RPCError {
        RPCError(
            code: .deviceNotConnected,
            message: "Device not connected",
            data: .object(["guid": .string(guid)])
        )
    }

    public static func deviceTimeout(guid: String) -> RPCError {
        RPCError(
            code: .deviceTimeout,
            message: "Device did not answer in time",
            data: .object(["guid": .string(guid)])
        )
    }

    /// `message` is written by us (for example "WS-MAN fault: access denied"), not copied
    /// from the device or an exception.
    public static func deviceError(guid: String, message: String) -> RPCError {
        RPCError(code: .deviceError, message: message, data: .object(["guid": .string(guid)]))
    }

    public static let unauthorized = RPCError(code: .unauthorized, message: "Unauthorized")
    public static let forbidden = RPCError(code: .forbidden, message: "Forbidden")
    public static let notAvailable = RPCError(
        code: .notAvailable,
        message: "Not available on this connection"
    )

    public static func conflict(_ message: String) -> RPCError {
        RPCError(code: .conflict, message: message)
    }

    /// -32010 for a value that decoded but is not acceptable (out of range, unknown name...).
    public static func validation(field: String, reason: String) -> RPCError {
        RPCError(code: .validation, message: "Validation failed", data: fieldData(field, reason))
    }

    private static func fieldData(_ field: String, _ reason: String) -> RPCValue {
        .object(["field": .string(field), "reason": .string(reason)])
    }
}

extension RPCError: CustomStringConvertible {
    public var description: String { "RPCError(\(self.code), \(self.message))" }
}
