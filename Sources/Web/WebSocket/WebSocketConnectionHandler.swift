internal import Foundation
internal import HTTP
internal import Logging
internal import NetCore

/// The loop-confined side of a server WebSocket: decodes frames, answers pings and the close
/// handshake, pings an idle peer and closes one that stops answering, and hands text and
/// binary messages to the `WebSocketChannel`.
final class WebSocketConnectionHandler: ConnectionHandler {
    private unowned let connection: Connection
    private var decoder: WebSocketFrameDecoder
    private let encoder = WebSocketFrameEncoder(role: .server)
    let channel: WebSocketChannel
    private var writeWaiters: [CheckedContinuation<Void, Never>] = []
    /// Binary payloads above this go out after their frame header as they are, not copied
    /// into a frame: two writes (the header's small TLS record, then the payload's) cost less
    /// than a fresh copy of a large payload.
    static let copyLimit = 16 * 1024
    private var closing = false
    private var keepAlive: NetCore.Timer?
    private var lastInbound: ContinuousClock.Instant
    private let logger: Logger

    static let pingInterval: Duration = .seconds(30)
    static let deadAfter: Duration = .seconds(75)

    init(connection: Connection, maxMessageSize: Int, logger: Logger) {
        self.connection = connection
        self.decoder = WebSocketFrameDecoder(role: .server, maxMessageSize: maxMessageSize)
        self.logger = logger
        self.lastInbound = connection.loop.now
        let ref = WebSocketRef()
        self.channel = WebSocketChannel(
            remoteAddress: connection.remoteAddress, loop: connection.loop, owner: ref)
        ref.handler = self
        self.armKeepAlive()
    }

    func connectionActive(_ connection: Connection) {}

    func connectionRead(_ connection: Connection, _ bytes: [UInt8]) {
        self.lastInbound = connection.loop.now
        self.decoder.append(bytes)
        while !self.closing {
            let message: WebSocketMessage
            do {
                guard let next = try self.decoder.next() else { return }
                message = next
            } catch {
                self.logger.debug("websocket protocol error", metadata: ["ws.error": "\(error)"])
                self.close(code: error.closeCode, reason: "protocol error")
                return
            }
            switch message {
            case .ping(let payload):
                connection.write(self.encoder.encode(.pong(payload)))
            case .pong:
                break
            case .close(let code, _):
                // Echo the code (1005 "none" is not sent on the wire) and end the connection.
                self.closing = true
                let reply: WebSocketMessage = .close(code: code == 1005 ? 1000 : code, reason: "")
                connection.write(self.encoder.encode(reply))
                self.channel.markClosed(code: code)
                connection.close()
            case .text, .binary:
                if !self.channel.deliver(message) { connection.setReadingEnabled(false) }
            }
        }
    }

    func connectionWritable(_ connection: Connection) {
        let waiters = self.writeWaiters
        self.writeWaiters.removeAll()
        for w in waiters { w.resume() }
    }

    func connectionClosed(_ connection: Connection, error: (any Error)?) {
        self.keepAlive?.cancel()
        self.keepAlive = nil
        self.channel.markClosed(code: 1006)
        self.connectionWritable(connection)
    }

    // MARK: from the channel (on the loop)

    func send(_ message: WebSocketMessage, whenWritable done: CheckedContinuation<Void, Never>) {
        guard !self.closing, !self.connection.isClosed else { return done.resume() }
        if case .binary(let payload) = message, payload.count > Self.copyLimit {
            self.connection.write(self.encoder.serverHeader(.binary, length: payload.count))
            self.connection.write(payload)
        } else {
            self.connection.write(self.encoder.encode(message))
        }
        if self.connection.isWritable { done.resume() } else { self.writeWaiters.append(done) }
    }

    func close(code: UInt16, reason: String) {
        guard !self.closing, !self.connection.isClosed else { return }
        self.closing = true
        let text = String(reason.utf8.prefix(120)) ?? ""
        self.connection.write(self.encoder.encode(.close(code: code, reason: text)))
        self.channel.markClosed(code: code)
        self.connection.close()
    }

    func resumeReading() {
        guard !self.closing else { return }
        self.connection.setReadingEnabled(true)
    }

    private func armKeepAlive() {
        self.keepAlive = self.connection.loop.schedule(after: Self.pingInterval) { [weak self] in
            guard let self, !self.closing else { return }
            if self.connection.loop.now - self.lastInbound > Self.deadAfter {
                self.close(code: 1001, reason: "no answer to ping")
                return
            }
            self.connection.write(self.encoder.encode(.ping([])))
            self.armKeepAlive()
        }
    }
}
