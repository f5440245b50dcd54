// SPDX-License-Identifier: Apache-2.0

internal import Synchronization

/// The JSON-RPC 2.0 method registry and the one place requests are run.
///
/// Register every method at start-up, then call ``handle(body:context:)`` from any task. Params
/// decode through `Codable`; failures become -32602 naming the field. Handler errors map
/// through ``RPCErrorConvertible``; anything else is -32603 "Internal error", with the details
/// only in the log (at debug, with the method and request id).
/// TODO(#4): no per-call deadline here; device time-outs belong to the service layer (-32002).
public final class RPCDispatcher: Sendable {
    typealias Call = @Sendable (RPCContext, RPCValue?) async throws -> RPCValue

    public let limits: RPCLimits
    private let methods = Mutex<[String: Call]>([:])

    public init(limits: RPCLimits = RPCLimits()) {
        self.limits = limits
    }

    /// Registers `method`.
    ///
    /// - Parameters:
    ///   - params: the type named params decode into; an omitted params decodes as `{}`.
    ///   - positional: names for positional params, in order: `["guid", "action"]` lets
    ///     `["abc", 8]` mean `{"guid": "abc", "action": 8}`. Empty: only `[]` is accepted.
    ///   - handler: runs the call; its result is encoded with `JSONEncoder` (keys sorted).
    ///
    /// Registering a name twice, or a name starting with `rpc.` (reserved by JSON-RPC 2.0),
    /// is a programming error.
    public func register<Params: Decodable & Sendable, Result: Encodable & Sendable>(
        _ method: String,
        params: Params.Type,
        positional: [String] = [],
        handler: @escaping @Sendable (RPCContext, Params) async throws -> Result
    ) {
        precondition(!method.hasPrefix("rpc."), "method names starting with rpc. are reserved")
        let call: Call = { context, raw in
            let decoded = try ParamsDecoding.decode(Params.self, raw, positional: positional)
            return try RPCValue(encoding: try await handler(context, decoded))
        }
        self.methods.withLock { table in
            precondition(table[method] == nil, "method \(method) registered twice")
            table[method] = call
        }
    }

    /// The registered method names, sorted.
    public var methodNames: [String] {
        self.methods.withLock { $0.keys.sorted() }
    }

    /// Runs a complete body and returns the bytes to send, or nil when nothing must be sent
    /// (a notification, or a batch of only notifications: the HTTP layer answers 204).
    public func handle(body: [UInt8], context: RPCContext) async -> [UInt8]? {
        switch RPCInbound.parse(body, limits: self.limits) {
        case .rejected(let response):
            return response.serialized()
        case .single(let member):
            return await self.respond(to: member, context: context)?.serialized()
        case .batch(let members):
            let responses = await self.respond(toBatch: members, context: context)
            return responses.isEmpty ? nil : RPCResponse.serialized(batch: responses)
        }
    }

    /// Runs the members of a batch, at most ``RPCLimits/maxConcurrency`` at a time, and
    /// returns the responses in request order (notifications have none).
    func respond(toBatch members: [RPCInbound.Member], context: RPCContext) async -> [RPCResponse] {
        let width = self.limits.maxConcurrency
        return await withTaskGroup(of: (Int, RPCResponse?).self) { group in
            var results = [RPCResponse?](repeating: nil, count: members.count)
            var next = 0
            func startNext() {
                let index = next
                let member = members[index]
                next += 1
                group.addTask { (index, await self.respond(to: member, context: context)) }
            }
            while next < min(width, members.count) { startNext() }
            while let (index, response) = await group.next() {
                results[index] = response
                if next < members.count { startNext() }
            }
            return results.compactMap { $0 }
        }
    }

    /// The response to one member, or nil for a notification.
    public func respond(to member: RPCInbound.Member, context: RPCContext) async -> RPCResponse? {
        switch member {
        case .invalid(let response): return response
        case .request(let request): return await self.respond(to: request, context: context)
        }
    }

    /// Runs one request; nil for a notification (whose errors are only logged).
    public func respond(to request: RPCRequest, context: RPCContext) async -> RPCResponse? {
        var context = context
        context.method = request.method
        context.requestID = request.id
        var meta = ["rpc.method": Self.loggable(request.method)]
        if let id = request.id { meta["rpc.id"] = Self.loggable(id.description) }
        context.logger = context.logger.with(meta)

        let outcome: RPCResponse.Outcome
        if let call = self.methods.withLock({ $0[request.method] }) {
            do {
                outcome = .result(try await call(context, request.params))
            } catch let error as any RPCErrorConvertible {
                outcome = .error(error.rpcError)
            } catch {
                context.logger.warning("rpc call failed", metadata: ["error.type": "\(type(of: error))"])
                context.logger.debug("rpc call failed", metadata: ["error": "\(error)"])
                outcome = .error(.internalError)
            }
        } else {
            outcome = .error(.methodNotFound)
        }
        guard let id = request.id else {
            if case .error(let e) = outcome {
                context.logger.debug("notification failed", metadata: ["rpc.code": "\(e.code)"])
            }
            return nil
        }
        return RPCResponse(id: id, outcome: outcome)
    }
}

extension RPCDispatcher {
    /// Client-chosen text made safe for one log line: at most 64 characters, control
    /// characters replaced, so a method name cannot forge log entries.
    static func loggable(_ text: String) -> String {
        String(
            text.unicodeScalars.prefix(64).map {
                $0.properties.generalCategory == .control ? "?" : Character($0)
            }
        )
    }
}

extension RPCResponse {
    init(id: RPCID, outcome: Outcome) {
        switch outcome {
        case .result(let r): self.init(id: id, result: r)
        case .error(let e): self.init(id: id, error: e)
        }
    }
}
