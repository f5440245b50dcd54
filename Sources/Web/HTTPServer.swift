public import Auth
public import Crypto
internal import Foundation
public import HTTP
public import Logging
public import NetCore

/// What the server hands a route: the parsed request plus what middleware learned about it.
public struct RequestContext: Sendable {
    public var request: HTTPRequest
    public var parameters: [String: String] = [:]
    public var requestID: String
    public var remoteAddress: String
    public var principal: Principal?
    /// The browser session that authenticated the request, if one did.
    public var session: Session?
    public var logger: Logger

    public func parameter(_ name: String) -> String { self.parameters[name] ?? "" }
}

/// Who made a request, once authenticated.
public enum Principal: Sendable, Equatable {
    case apiKey(name: String)
    case bearer(subject: String)
    /// A browser session (cookie); `id` is the session's public id.
    case session(user: String, id: String)

    /// The user or key name, for audit logs and token subjects.
    public var name: String {
        switch self {
        case .apiKey(let name): name
        case .bearer(let subject): subject
        case .session(let user, _): user
        }
    }
}

/// What the application answers: a response, or a switch to WebSocket (the 101 response and
/// the session to run on the new socket).
public enum HTTPServerResult: Sendable {
    case response(HTTPResponse)
    case upgrade(HTTPResponse, session: @Sendable (WebSocketChannel) async -> Void)
}

/// The application side of the HTTP server: one async function from request to result.
public typealias HTTPResponder = @Sendable (RequestContext) async -> HTTPServerResult

/// Settings of the HTTP/1.1 server.
public struct HTTPServerConfiguration: Sendable {
    public var maxBodyBytes = 1 << 20
    public var maxWebSocketMessage = 1 << 20
    public var idleTimeout: Duration = .seconds(60)
    public var requestTimeout: Duration = .seconds(120)
    public var secure: Bool

    public init(secure: Bool) { self.secure = secure }
}

/// An HTTP/1.1 server over NetCore: keep-alive, pipelined requests answered in order, one
/// request in flight per connection (reading pauses meanwhile), idle timeout.
public final class HTTPServer: Sendable {
    private let listener: Listener
    public var port: Int { self.listener.port }

    public init(
        host: String, port: Int, tls: TLSContext?, group: EventLoopGroup,
        configuration: HTTPServerConfiguration, logger: Logger, responder: @escaping HTTPResponder
    ) throws {
        self.listener = try Listener.bind(
            host: host, port: port, tls: tls, group: group, handshakeTimeout: .seconds(10)
        ) { connection in
            HTTPConnectionHandler(
                connection: connection, configuration: configuration, logger: logger,
                responder: responder)
        }
    }

    public func close() { self.listener.close() }
}

/// Loop-confined state of one HTTP connection.
final class HTTPConnectionHandler: ConnectionHandler {
    private unowned let connection: Connection
    private var parser: HTTPRequestParser
    private let configuration: HTTPServerConfiguration
    private let logger: Logger
    private let responder: HTTPResponder
    private var inFlight = false
    private var closeAfterResponse = false
    private var idleTimer: NetCore.Timer?
    private static let counter = RequestCounter()

    init(
        connection: Connection, configuration: HTTPServerConfiguration, logger: Logger,
        responder: @escaping HTTPResponder
    ) {
        self.connection = connection
        self.configuration = configuration
        self.logger = logger
        self.responder = responder
        self.parser = HTTPRequestParser(limits: .init(maxBodySize: configuration.maxBodyBytes))
    }

    func connectionActive(_ connection: Connection) { self.armIdleTimer() }

    func connectionRead(_ connection: Connection, _ bytes: [UInt8]) {
        self.parser.append(bytes)
        self.processNext()
    }

    func connectionWritable(_ connection: Connection) {}

    func connectionClosed(_ connection: Connection, error: (any Error)?) {
        self.idleTimer?.cancel()
        self.idleTimer = nil
    }

    private func armIdleTimer() {
        self.idleTimer?.cancel()
        self.idleTimer = self.connection.loop.schedule(after: self.configuration.idleTimeout) {
            [weak self] in
            guard let self, !self.inFlight else { return }
            self.connection.close()
        }
    }

    private func processNext() {
        guard !self.inFlight, !self.connection.isClosed else { return }
        let request: HTTPRequest
        do {
            guard let next = try self.parser.next() else {
                // A client that sent `Expect: 100-continue` waits for this before the body.
                if self.parser.takeContinueRequest() {
                    self.connection.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                }
                return
            }
            request = next
        } catch {
            self.fail(error)
            return
        }
        self.inFlight = true
        self.idleTimer?.cancel()
        self.connection.setReadingEnabled(false)
        self.closeAfterResponse = !request.keepAlive
        let id = Self.counter.next()
        let context = RequestContext(
            request: request, requestID: id, remoteAddress: self.connection.remoteAddress,
            logger: self.logger.with(["req.id": id]))
        let loop = self.connection.loop
        let responder = self.responder
        let box = UnsafeTransfer(self)
        Task {
            let result = await responder(context)
            loop.execute {
                switch result {
                case .response(let response): box.value.respond(response, to: request)
                case .upgrade(let response, let session): box.value.upgrade(response, session)
                }
            }
        }
    }

    /// Writes the 101, moves the connection to a WebSocket handler (with any bytes that
    /// followed the request) and starts the session.
    private func upgrade(_ response: HTTPResponse, _ session: @escaping @Sendable (WebSocketChannel) async -> Void) {
        self.inFlight = false
        guard !self.connection.isClosed else { return }
        self.idleTimer?.cancel()
        self.idleTimer = nil
        self.connection.write(response.serialize())
        let ws = WebSocketConnectionHandler(
            connection: self.connection, maxMessageSize: self.configuration.maxWebSocketMessage,
            logger: self.logger)
        let leftover = self.parser.takeBuffered()
        self.connection.handler = ws
        self.connection.setReadingEnabled(true)
        if !leftover.isEmpty { ws.connectionRead(self.connection, leftover) }
        let channel = ws.channel
        Task {
            await session(channel)
            channel.close()
        }
    }

    private func respond(_ response: HTTPResponse, to request: HTTPRequest) {
        self.inFlight = false
        guard !self.connection.isClosed else { return }
        var response = response
        if self.closeAfterResponse { response.headers.replace("Connection", "close") }
        if request.method == "HEAD" { response.body = [] }
        self.connection.write(response.serialize())
        if self.closeAfterResponse {
            self.connection.close()
            return
        }
        self.connection.setReadingEnabled(true)
        self.armIdleTimer()
        self.processNext()
    }

    private func fail(_ error: any Error) {
        let status = (error as? HTTPParserError)?.status ?? 400
        self.logger.debug("bad http request", metadata: ["http.error": "\(error)"])
        var response = APIError(status: status, message: HTTPStatus.reason(for: status)).response
        response.headers.replace("Connection", "close")
        self.connection.write(response.serialize())
        // NetCore's close lingers: it sends FIN and drops further input, so unread request
        // bytes do not turn the close into a reset before the client reads the error.
        self.connection.close()
    }
}

/// Moves a loop-confined reference through a `Task` that only hands it back to the same loop.
/// Safety: `value` is touched only inside `loop.execute` of the loop that owns it.
struct UnsafeTransfer<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

final class RequestCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value: UInt64 = 0
    func next() -> String {
        self.lock.lock()
        defer { self.lock.unlock() }
        self.value &+= 1
        return String(self.value, radix: 36)
    }
}
