// SPDX-License-Identifier: Apache-2.0

/// A JSON-RPC 2.0 response: a result or an error, and the id of the request it answers.
public struct RPCResponse: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case result(RPCValue)
        case error(RPCError)
    }

    /// The request's id; null when the request's id could not be read.
    public var id: RPCID
    public var outcome: Outcome

    public init(id: RPCID, result: RPCValue) {
        self.id = id
        self.outcome = .result(result)
    }

    public init(id: RPCID, error: RPCError) {
        self.id = id
        self.outcome = .error(error)
    }

    public var error: RPCError? {
        if case .error(let e) = self.outcome { return e }
        return nil
    }

    public var result: RPCValue? {
        if case .result(let r) = self.outcome { return r }
        return nil
    }

    /// `{"jsonrpc":"2.0","result":...,"id":...}` or `{"jsonrpc":"2.0","error":{...},"id":...}`.
    public var value: RPCValue {
        let body: RPCValue.Member =
            switch self.outcome {
            case .result(let r): .init("result", r)
            case .error(let e): .init("error", e.value)
            }
        return .object([.init("jsonrpc", "2.0"), body, .init("id", self.id.value)])
    }

    public func serialized() -> [UInt8] { self.value.serialized() }

    /// A batch answer: a JSON array of the responses, in the order given.
    public static func serialized(batch: [RPCResponse]) -> [UInt8] {
        RPCValue.array(batch.map(\.value)).serialized()
    }
}

/// Why a body is not a JSON-RPC 2.0 response (for clients and tests).
public enum RPCResponseParseError: Error, Sendable, Equatable {
    case json(RPCJSONError)
    /// The JSON is not a response object (or array of them); the text says what is wrong.
    case invalid(String)
}

extension RPCResponse {
    /// A response body: one response, or a batch (a non-empty array).
    public enum Body: Sendable, Equatable {
        case single(RPCResponse)
        case batch([RPCResponse])
    }

    /// Parses a body sent by a JSON-RPC 2.0 server, checking the envelope strictly:
    /// `jsonrpc` is "2.0", exactly one of `result` and `error`, an id member of a valid type,
    /// and an error object with an integer `code` and a string `message`.
    public static func parse(_ bytes: [UInt8]) throws(RPCResponseParseError) -> Body {
        let json: RPCValue
        do {
            json = try RPCValue.parse(bytes)
        } catch {
            throw .json(error)
        }
        switch json {
        case .array(let items):
            guard !items.isEmpty else { throw .invalid("empty batch") }
            var out: [RPCResponse] = []
            for item in items { out.append(try Self.response(item)) }
            return .batch(out)
        default:
            return .single(try Self.response(json))
        }
    }

    private static func response(_ json: RPCValue) throws(RPCResponseParseError) -> RPCResponse {
        guard case .object = json else { throw .invalid("not an object") }
        guard json["jsonrpc"] == .string("2.0") else { throw .invalid("jsonrpc is not \"2.0\"") }
        guard let rawID = json["id"], let id = RPCID(rawID) else { throw .invalid("bad or missing id") }
        switch (json["result"], json["error"]) {
        case (let result?, nil):
            return RPCResponse(id: id, result: result)
        case (nil, let error?):
            guard case .number(let text)? = error["code"], let code = Int(text) else {
                throw .invalid("error code is not an integer")
            }
            guard case .string(let message)? = error["message"] else {
                throw .invalid("error message is not a string")
            }
            return RPCResponse(
                id: id,
                error: RPCError(code: .init(rawValue: code), message: message, data: error["data"])
            )
        default:
            throw .invalid("needs exactly one of result and error")
        }
    }
}
