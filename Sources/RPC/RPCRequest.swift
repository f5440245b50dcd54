// SPDX-License-Identifier: Apache-2.0

/// A JSON-RPC 2.0 request, or a notification when ``id`` is nil.
///
/// A request whose id is `null` is still a request (it gets a response with `"id":null`);
/// only a missing id makes a notification.
public struct RPCRequest: Sendable, Equatable {
    public var method: String
    /// An array (positional) or an object (named); nil when omitted.
    public var params: RPCValue?
    public var id: RPCID?

    public init(method: String, params: RPCValue? = nil, id: RPCID?) {
        if let params {
            switch params {
            case .array, .object: break
            default: preconditionFailure("JSON-RPC params must be an array or an object")
            }
        }
        self.method = method
        self.params = params
        self.id = id
    }

    /// A notification: no id, so no response.
    public static func notification(_ method: String, params: RPCValue? = nil) -> RPCRequest {
        RPCRequest(method: method, params: params, id: nil)
    }

    public var isNotification: Bool { self.id == nil }

    /// `{"jsonrpc":"2.0","method":...,"params":...,"id":...}`, absent members left out.
    public var value: RPCValue {
        var members: [RPCValue.Member] = [.init("jsonrpc", "2.0"), .init("method", .string(self.method))]
        if let params = self.params { members.append(.init("params", params)) }
        if let id = self.id { members.append(.init("id", id.value)) }
        return .object(members)
    }

    public func serialized() -> [UInt8] { self.value.serialized() }
}

/// The limits the dispatcher applies to one HTTP body or WebSocket message.
public struct RPCLimits: Sendable, Equatable {
    /// Bodies longer than this get one -32600 `request too large` response, unparsed.
    public var maxRequestBytes: Int
    /// Batches with more members get one -32600 `batch too large` response; none is run.
    public var maxBatchSize: Int
    /// Deeper JSON is a parse error.
    public var maxDepth: Int
    /// How many members of one batch run at the same time.
    public var maxConcurrency: Int

    public init(
        maxRequestBytes: Int = 1 << 20,
        maxBatchSize: Int = 100,
        maxDepth: Int = 64,
        maxConcurrency: Int = 8
    ) {
        precondition(maxRequestBytes > 0 && maxBatchSize > 0 && maxDepth > 0 && maxConcurrency > 0)
        self.maxRequestBytes = maxRequestBytes
        self.maxBatchSize = maxBatchSize
        self.maxDepth = maxDepth
        self.maxConcurrency = maxConcurrency
    }
}

/// What an inbound body holds, after the envelope rules of JSON-RPC 2.0 are applied.
public enum RPCInbound: Sendable, Equatable {
    /// One request object, valid or not.
    case single(Member)
    /// A non-empty batch, in order.
    case batch([Member])
    /// The whole body is answered by this one response: a parse error, an empty batch (B31),
    /// a body that is not an object or array, or a limit exceeded.
    case rejected(RPCResponse)

    /// One request object of the body.
    public enum Member: Sendable, Equatable {
        case request(RPCRequest)
        /// Not a valid request object: answered with this error even when it has no id.
        case invalid(RPCResponse)
    }

    /// Applies the JSON-RPC 2.0 rules to a complete body.
    public static func parse(_ body: [UInt8], limits: RPCLimits = RPCLimits()) -> RPCInbound {
        guard body.count <= limits.maxRequestBytes else {
            return .rejected(
                RPCResponse(
                    id: .null,
                    error: .invalidRequest("request too large", limit: limits.maxRequestBytes)
                )
            )
        }
        let json: RPCValue
        do {
            json = try RPCValue.parse(body, maxDepth: limits.maxDepth)
        } catch .duplicateName {
            return .rejected(RPCResponse(id: .null, error: .invalidRequest("duplicate member name")))
        } catch {
            return .rejected(RPCResponse(id: .null, error: .parseError))
        }
        switch json {
        case .array(let items):
            guard !items.isEmpty else { return .rejected(RPCResponse(id: .null, error: .invalidRequest)) }
            guard items.count <= limits.maxBatchSize else {
                return .rejected(
                    RPCResponse(
                        id: .null,
                        error: .invalidRequest("batch too large", limit: limits.maxBatchSize)
                    )
                )
            }
            return .batch(items.map(Self.member))
        case .object:
            return .single(Self.member(json))
        default:
            return .rejected(RPCResponse(id: .null, error: .invalidRequest))
        }
    }

    /// The checks for one request object. A valid id is echoed in the error response; an id
    /// of the wrong type, or a member that is not an object, gets `"id":null`.
    static func member(_ json: RPCValue) -> Member {
        guard case .object = json else { return .invalid(RPCResponse(id: .null, error: .invalidRequest)) }
        var id: RPCID?
        if let raw = json["id"] {
            guard let valid = RPCID(raw) else {
                return .invalid(
                    RPCResponse(id: .null, error: .invalidRequest("id must be a string, a number or null"))
                )
            }
            id = valid
        }
        func invalid(_ reason: String) -> Member {
            .invalid(RPCResponse(id: id ?? .null, error: .invalidRequest(reason)))
        }
        guard json["jsonrpc"] == .string("2.0") else { return invalid(#"jsonrpc must be "2.0""#) }
        guard case .string(let method)? = json["method"] else { return invalid("method must be a string") }
        let params = json["params"]
        switch params {
        case nil, .array?, .object?: break
        default: return invalid("params must be an array or an object")
        }
        return .request(RPCRequest(method: method, params: params, id: id))
    }
}
