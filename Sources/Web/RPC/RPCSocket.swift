internal import Auth
internal import Foundation
internal import HTTP
internal import Logging
internal import RPC

/// Runs one JSON-RPC WebSocket: feeds `RPCWebSocketSession` (the protocol state machine) with
/// the channel's messages, the dispatcher's answers and server pushes, and carries out its
/// actions.
///
/// Pings and the close handshake have one owner, `WebSocketConnectionHandler` (it answers
/// pings, pings idle peers and echoes the peer's close): the session is configured with no
/// ping timer and no idle timeout, and never sees control frames. Backpressure: while a write
/// waits for the socket the session is told it is not writable, so it queues, coalesces
/// `devices.changed` per device and closes a client that falls too far behind (1008).
actor RPCSocket {
    let id: RPCConnectionID
    let channel: WebSocketChannel
    let session: Session
    let token: String
    let endpoint: RPCEndpoint
    let logger: Logger
    private var machine: RPCWebSocketSession
    private var outbox: [String] = []
    private var writing = false
    private var paused = false
    private var readResume: CheckedContinuation<Void, Never>?
    private var tasks: [RPCWebSocketSession.DispatchID: Task<Void, Never>] = [:]

    /// The session's settings with its ping timer and idle timeout turned off (see above).
    static func configuration(maxMessageSize: Int) -> RPCWebSocketConfiguration {
        RPCWebSocketConfiguration(
            pingInterval: .seconds(100 * 365 * 86_400), idleTimeout: nil, maxMessageSize: maxMessageSize)
    }

    init(
        id: RPCConnectionID, channel: WebSocketChannel, session: Session, token: String,
        endpoint: RPCEndpoint, logger: Logger
    ) {
        self.id = id
        self.channel = channel
        self.session = session
        self.token = token
        self.endpoint = endpoint
        self.logger = logger
        self.machine = RPCWebSocketSession(
            configuration: Self.configuration(maxMessageSize: 1 << 20), now: .now)
    }

    /// Reads until the socket closes, then cancels whatever is still running.
    func run() async {
        while self.machine.state == .open {
            if self.paused {
                await withCheckedContinuation { self.readResume = $0 }
                continue
            }
            guard let message = await self.channel.receive() else { break }
            self.perform(self.machine.received(message, now: .now))
        }
        self.machine.connectionClosed()
        for task in self.tasks.values { task.cancel() }
        self.tasks.removeAll()
    }

    func notify(_ notification: RPCRequest, coalescingKey: String?) {
        self.perform(self.machine.notify(notification, coalescingKey: coalescingKey, now: .now))
    }

    /// The login session ended: close with 4401.
    func sessionEnded() {
        self.perform(self.machine.sessionRevoked(now: .now))
    }

    private func perform(_ actions: [RPCWebSocketAction]) {
        for action in actions {
            switch action {
            case .dispatch(let id, let bytes):
                self.tasks[id] = Task { await self.dispatch(id, bytes) }
            case .send(.text(let text)):
                self.outbox.append(text)
                self.startWriter()
            case .send(.close(let code, let reason)):
                self.channel.close(code: code, reason: reason)
            case .send:
                break  // ping and pong belong to the connection handler; no binary is sent
            case .pauseReading:
                self.paused = true
            case .resumeReading:
                self.resumeReader()
            case .closeConnection:
                self.channel.close()
            }
        }
        if self.machine.state != .open { self.resumeReader() }
    }

    private func resumeReader() {
        self.paused = false
        self.readResume?.resume()
        self.readResume = nil
    }

    private func dispatch(_ id: RPCWebSocketSession.DispatchID, _ bytes: [UInt8]) async {
        let auth = self.endpoint.auth
        // Every message re-checks the session: a logout elsewhere or an expiry ends the socket.
        guard await auth.service.session(token: self.token, now: auth.now()) != nil else {
            self.tasks[id] = nil
            self.sessionEnded()
            return
        }
        let caller = RPCCaller(
            principal: .session(user: self.session.userName, id: self.session.id.rawValue),
            session: self.session)
        let context = RPCContext(
            logger: self.logger, connectionID: self.id, principal: self.session.userName)
        let dispatcher = self.endpoint.dispatcher
        let response = await RPCCaller.$current.withValue(caller) {
            await dispatcher.handle(body: bytes, context: context)
        }
        self.tasks[id] = nil
        self.perform(self.machine.dispatchCompleted(id, response: response, now: .now))
    }

    private func startWriter() {
        guard !self.writing else { return }
        self.writing = true
        Task { await self.drain() }
    }

    private func drain() async {
        while !self.outbox.isEmpty {
            let text = self.outbox.removeFirst()
            self.perform(self.machine.writabilityChanged(false, now: .now))
            await self.channel.send(text: text)
            self.perform(self.machine.writabilityChanged(true, now: .now))
        }
        self.writing = false
    }
}
