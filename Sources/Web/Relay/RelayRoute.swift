// Web: the redirection relay WebSocket, `/relay/webrelay.ashx` (redirection.md §1; issue 5).
internal import Foundation
public import Logging
public import Redirection
public import Store
public import Tunnel

/// Who may open a relay: a logged-in user or an API key (any device), or the holder of a
/// redirection token bound to one device.
public struct RelayPrincipal: Sendable, Equatable {
    /// Recorded in the session history and the log (a user name, key name or token subject).
    public var name: String
    /// The only device this principal may reach; nil for any device.
    public var device: String?

    public init(name: String, device: String? = nil) {
        self.name = name
        self.device = device
    }
}

/// Decides who opened a relay upgrade, or nil to refuse it with 401. It sees the whole
/// request: the session cookie, the `Sec-WebSocket-Protocol` token, the `host` query.
public typealias RelayAuthenticator = @Sendable (RequestContext) async -> RelayPrincipal?

/// What the relay URL asks for: `?p=2&host=<guid>&port=16994&mode=kvm|sol|ider`.
public struct RelayRequest: Sendable, Equatable {
    public var guid: String
    public var mode: RedirectionMode
    /// The first `Sec-WebSocket-Protocol` value (the redirection token), echoed in the 101.
    public var subprotocol: String?

    /// Parses and checks the query. `tls=1` and other ports are refused: the server relays
    /// the clear redirection port inside the (TLS) tunnel only.
    public static func parse(_ context: RequestContext) throws(APIError) -> RelayRequest {
        guard let host = try context.query("host"), let guid = GUID.normalize(host) else {
            throw .validation("host", "host must be the device GUID", location: "query")
        }
        guard let text = try context.query("mode"), let mode = RedirectionMode(query: text) else {
            throw .validation("mode", "mode must be kvm, sol or ider", location: "query")
        }
        if let p = try context.query("p"), p != "2" {
            throw .validation("p", "only p=2 (redirection) is supported", location: "query")
        }
        if let port = try context.query("port"), port != "16994" {
            throw .validation("port", "only port 16994 is supported", location: "query")
        }
        if let tls = try context.query("tls"), tls != "0" {
            throw .validation("tls", "the relay runs inside the TLS tunnel; use tls=0", location: "query")
        }
        let offered = context.request.headers.values("Sec-WebSocket-Protocol")
            .flatMap { $0.split(separator: ",") }
            .map { String($0.trimmingCharacters(in: .whitespaces)) }
            .filter { !$0.isEmpty }
        return RelayRequest(guid: guid, mode: mode, subprotocol: offered.first)
    }
}

/// The relay endpoint. Before the 101 it authenticates (the injected ``RelayAuthenticator``;
/// no principal → 401 and no channel is opened, B33), checks that the principal may reach the
/// device and that the device is connected (404), and claims the (device, mode) slot (409 for
/// a second session of the same mode, B43; other modes coexist, B44). After the 101 it opens
/// the channel, lets ``RelayConnection`` authenticate with the stored AMT credentials (the
/// StartRedirectionSession tag is the URL's mode, so a `sol` slot cannot carry KVM), and relays
/// until either side closes. Each start and end is logged with who, what and from where.
public struct RelayRoute: Sendable {
    public static let path = "/relay/webrelay.ashx"

    let tunnels: TunnelManager
    let sessions: RelaySessions
    let credentials: @Sendable (String) async -> AMTCredentials?
    let authenticate: RelayAuthenticator
    let configuration: RelayConfiguration

    public init(
        tunnels: TunnelManager,
        sessions: RelaySessions,
        credentials: @escaping @Sendable (String) async -> AMTCredentials?,
        authenticate: @escaping RelayAuthenticator,
        configuration: RelayConfiguration = RelayConfiguration()
    ) {
        self.tunnels = tunnels
        self.sessions = sessions
        self.credentials = credentials
        self.authenticate = authenticate
        self.configuration = configuration
    }

    /// Adds the endpoint to an application.
    public func register(on app: inout WebApplication) {
        app.webSockets[Self.path] = { context in try await self.accept(context) }
    }

    func accept(_ context: RequestContext) async throws(APIError) -> WebSocketAccept {
        let request = try RelayRequest.parse(context)
        guard let principal = await self.authenticate(context) else {
            context.logger.notice(
                "relay refused: not authenticated",
                metadata: ["device.guid": request.guid, "relay.mode": request.mode.rawValue])
            throw .unauthorized
        }
        if let device = principal.device, GUID.normalize(device) != request.guid {
            throw .unauthorized
        }
        guard self.tunnels.isConnected(request.guid) else {
            throw .deviceNotConnected(request.guid)
        }
        let slot: RelaySession
        do {
            slot = try self.sessions.reserve(
                guid: request.guid, mode: request.mode, principal: principal.name,
                remoteAddress: context.remoteAddress)
        } catch {
            context.logger.notice(
                "relay refused: mode in use",
                metadata: ["device.guid": request.guid, "relay.mode": request.mode.rawValue])
            throw APIError(status: 409, message: error.description)
        }
        let logger = context.logger.with([
            "device.guid": request.guid, "relay.mode": request.mode.rawValue,
            "relay.principal": principal.name, "remote": context.remoteAddress,
            "relay.id": "\(slot.id)",
        ])
        let run = RelayRun(route: self, request: request, slot: slot, logger: logger)
        return WebSocketAccept(subprotocol: request.subprotocol) { socket in await run.run(socket) }
    }
}

/// One accepted relay, from the 101 to the end.
struct RelayRun: Sendable {
    let route: RelayRoute
    let request: RelayRequest
    let slot: RelaySession
    let logger: Logger

    func run(_ socket: WebSocketChannel) async {
        self.logger.info("relay opened")
        let sink = WebSocketRelaySink(socket)
        let credentials = await self.route.credentials(self.request.guid)
        let relay: RelayConnection
        do {
            relay = try await RelayConnection.connect(
                tunnel: self.route.tunnels, guid: self.request.guid, mode: self.request.mode,
                credentials: credentials, sink: sink, session: self.slot,
                configuration: self.route.configuration, logger: self.logger)
        } catch {
            self.logger.info("relay failed", metadata: ["relay.reason": error.description])
            return
        }
        // Browser → device until the socket closes or the relay ends (which closes it).
        while let message = await socket.receive() {
            guard relay.endReason == nil else { break }
            switch message {
            case .binary(let bytes): await relay.fromBrowser(bytes)
            case .text(let text): await relay.fromBrowser(Array(text.utf8))
            default: break
            }
        }
        relay.browserClosed()
        let reason = await relay.waitForEnd()
        let record = self.slot.record
        self.logger.info(
            "relay closed",
            metadata: [
                "relay.reason": reason.description,
                "relay.to_device": "\(record?.bytesToDevice ?? 0)",
                "relay.to_browser": "\(record?.bytesToBrowser ?? 0)",
            ])
    }
}

/// The browser side of a relay on a server WebSocket: binary frames, backpressure from the
/// socket's send buffer.
final class WebSocketRelaySink: RelayBrowserSink {
    let socket: WebSocketChannel
    init(_ socket: WebSocketChannel) { self.socket = socket }
    func send(_ bytes: [UInt8]) async { await self.socket.send(binary: bytes) }
    func close(code: UInt16, reason: String) { self.socket.close(code: code, reason: reason) }
}
