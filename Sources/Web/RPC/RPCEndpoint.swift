public import Auth
internal import Foundation
public import HTTP
public import JSON
public import Logging
public import RPC
internal import Synchronization

/// Who is calling a JSON-RPC method, for the handlers (`session.get`, audit subjects).
public struct RPCCaller: Sendable {
    public var principal: Principal
    public var session: Session?

    @TaskLocal public static var current: RPCCaller?
}

/// `/rpc`: JSON-RPC 2.0 over `POST` and over a WebSocket, both needing the browser session.
///
/// POST goes through the application's authentication (session cookie with CSRF token; API
/// keys and bearer tokens work too, for scripts). The WebSocket upgrade needs a same-origin
/// `Origin` (403 otherwise: cross-site WebSocket hijacking) and a valid session (401); the
/// socket is closed with 4401 when that session ends, by logout, expiry or password change.
public final class RPCEndpoint: Sendable {
    public static let path = "/rpc"

    public let dispatcher: RPCDispatcher
    public let subscriptions: Subscriptions
    public let auth: WebAuth
    let logger: Logger
    private let sockets = Mutex<[RPCConnectionID: RPCSocket]>([:])
    private let nextID = Atomic<UInt64>(0)

    public init(auth: WebAuth, logger: Logger, dispatcher: RPCDispatcher = RPCDispatcher()) {
        self.auth = auth
        self.logger = logger
        self.dispatcher = dispatcher
        self.subscriptions = Subscriptions(topics: [.devices])
        self.subscriptions.registerMethods(on: dispatcher)
        dispatcher.register("session.get", params: RPCNoParams.self) { _, _ in
            guard let session = RPCCaller.current?.session else { throw RPCError.unauthorized }
            return RPCBridge.rpcValue(AuthRoutes.sessionJSON(session))
        }
    }

    public func register(on router: inout Router) {
        router.post(Self.path) { c in
            let caller = RPCCaller(principal: c.principal ?? .apiKey(name: "unknown"), session: c.session)
            let context = RPCContext(logger: c.logger, principal: c.principal?.name)
            return await RPCCaller.$current.withValue(caller) {
                await self.dispatcher.httpResponse(body: c.request.body, context: context)
            }
        }
    }

    /// The `GET /rpc` upgrade, for `WebApplication.webSockets`.
    public var webSocketRoute: WebSocketRoute {
        { context in
            let request = context.request
            guard let origin = request.headers["Origin"],
                OriginPolicy.isSameOrigin(origin: origin, host: request.headers["Host"] ?? "")
            else {
                context.logger.notice("rpc websocket refused: cross-origin",
                                      metadata: ["client.address": context.remoteAddress])
                throw APIError(status: 403, message: "Forbidden", description: "cross-origin WebSocket")
            }
            guard let (session, token) = await self.auth.session(for: request) else {
                throw APIError.unauthorized
            }
            let logger = context.logger
            return WebSocketAccept { channel in
                await self.run(channel, session: session, token: token, logger: logger)
            }
        }
    }

    private func run(_ channel: WebSocketChannel, session: Session, token: String, logger: Logger) async {
        let id = RPCConnectionID(self.nextID.add(1, ordering: .relaxed).newValue)
        let socket = RPCSocket(
            id: id, channel: channel, session: session, token: token, endpoint: self,
            logger: logger.with(["ws.id": id.description, "session.id": session.id.rawValue]))
        self.subscriptions.connectionOpened(id)
        self.sockets.withLock { $0[id] = socket }
        // A logout between the upgrade check and now must not leave the socket open.
        if await self.auth.service.session(token: token, now: self.auth.now()) == nil {
            await socket.sessionEnded()
        }
        await socket.run()
        self.sockets.withLock { $0[id] = nil }
        self.subscriptions.connectionClosed(id)
    }

    /// The HTTP refusal of an unauthenticated (401, -32004: the UI returns to login) or
    /// cross-site (403, -32005) `POST /rpc`, as a JSON-RPC error with a null id.
    public static func refusal(_ status: Int, _ error: RPCError) -> HTTPResponse {
        HTTPResponse(
            status: status, headers: ["Content-Type": "application/json"],
            body: RPCResponse(id: .null, error: error).serialized())
    }

    /// Closes (4401) every socket of the session; wire it to `SessionStore.onRevoke`.
    public func sessionEnded(_ id: SessionID) {
        let affected = self.sockets.withLock { $0.values.filter { $0.session.id == id } }
        for socket in affected { Task { await socket.sessionEnded() } }
    }

    /// Pushes `devices.changed` to the subscribers of `devices`, coalesced per device.
    public func publishDevice(guid: String, connectionStatus: Bool, device: JSONValue?) {
        var params: [RPCValue.Member] = [
            .init("guid", .string(guid)), .init("connectionStatus", .bool(connectionStatus)),
        ]
        if let device { params.append(.init("device", RPCBridge.rpcValue(device))) }
        let notification = RPCRequest.notification(RPCTopic.devices.notificationMethod, params: .object(params))
        let targets = self.subscriptions.subscribers(of: .devices)
        let sockets = self.sockets.withLock { table in targets.compactMap { table[$0] } }
        for socket in sockets {
            Task { await socket.notify(notification, coalescingKey: "devices:\(guid)") }
        }
    }

    /// Open sockets, for tests and metrics.
    public var socketCount: Int { self.sockets.withLock { $0.count } }
}
