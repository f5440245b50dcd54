// SPDX-License-Identifier: Apache-2.0

public import HTTP

/// The protocol logic of one WebSocket connection carrying JSON-RPC, with injected time.
///
/// Feed it the messages of a `WebSocketFrameDecoder(role: .server)`, the dispatcher's answers,
/// server pushes and the socket's writability; carry out the returned actions in order. Call
/// ``tick(now:)`` at ``nextDeadline``. It does no I/O and never parses JSON itself.
///
/// - Requests run at most ``RPCWebSocketConfiguration/maxInFlight`` at a time; the rest wait
///   in a bounded backlog while reading is paused.
/// - While the socket is not writable, responses and notifications queue up to a bound;
///   queued notifications with the same coalescing key are replaced by the newest one, so a
///   slow client sees each device's latest state. Past the bound: close 1008.
/// - Pings go out every ``RPCWebSocketConfiguration/pingInterval``; after
///   ``RPCWebSocketConfiguration/maxMissedPongs`` unanswered ones the connection is dropped.
/// - Either side may start the close handshake; after our close frame nothing else is sent.
public struct RPCWebSocketSession: Sendable {
    public typealias Instant = ContinuousClock.Instant

    /// Identifies one dispatched message.
    public struct DispatchID: Hashable, Sendable {
        public let rawValue: UInt64
    }

    public enum State: Sendable, Equatable {
        case open
        /// We sent a close frame and wait for the peer's.
        case closing
        case closed
    }

    private struct Outbound: Sendable {
        var text: String
        var bytes: Int
        var coalescingKey: String?
    }

    public let configuration: RPCWebSocketConfiguration
    public private(set) var state = State.open
    /// The close code we sent, or the peer's if it closed first; 1006 if we dropped it.
    public private(set) var closeCode: UInt16?

    private var lastActivity: Instant
    private var nextPingAt: Instant
    private var awaitingPong = false
    private var missedPongs = 0
    private var pingCounter: UInt64 = 0
    private var closeDeadline: Instant?

    private var nextDispatch: UInt64 = 0
    private var inFlight = Set<DispatchID>()
    private var backlog: [[UInt8]] = []
    private var readingPaused = false

    private var writable = true
    private var queue: [Outbound] = []
    private var queuedBytes = 0
    private var pendingPong: [UInt8]?

    /// Starts a session when the 101 response has been written.
    public init(configuration: RPCWebSocketConfiguration = RPCWebSocketConfiguration(), now: Instant) {
        self.configuration = configuration
        self.lastActivity = now
        self.nextPingAt = now + configuration.pingInterval
    }

    /// Requests dispatched and not yet completed.
    public var inFlightCount: Int { self.inFlight.count }
    /// Outbound messages waiting for the socket to become writable.
    public var queuedCount: Int { self.queue.count }

    /// When ``tick(now:)`` must next be called; nil once closed.
    public var nextDeadline: Instant? {
        switch self.state {
        case .closed: return nil
        case .closing: return self.closeDeadline
        case .open:
            guard let idle = self.idleDeadline else { return self.nextPingAt }
            return min(idle, self.nextPingAt)
        }
    }

    private var idleDeadline: Instant? {
        guard let timeout = self.configuration.idleTimeout, self.inFlight.isEmpty, self.backlog.isEmpty else {
            return nil
        }
        return self.lastActivity + timeout
    }

    // MARK: Inbound

    /// A message or control frame from the decoder.
    public mutating func received(_ message: WebSocketMessage, now: Instant) -> [RPCWebSocketAction] {
        guard self.state != .closed else { return [] }
        self.awaitingPong = false
        self.missedPongs = 0
        if case .close(let code, _) = message { return self.peerClosed(code: code) }
        // After our close frame: read until the peer's close, send nothing.
        guard self.state == .open else { return [] }
        switch message {
        case .text(let text):
            let bytes = Array(text.utf8)
            guard bytes.count <= self.configuration.maxMessageSize else {
                return self.startClose(RPCWebSocketCloseCode.messageTooBig, "message too big", now: now)
            }
            self.lastActivity = now
            return self.request(bytes, now: now)
        case .binary:
            return self.startClose(RPCWebSocketCloseCode.unsupportedData, "text messages only", now: now)
        case .ping(let payload):
            guard self.writable else {
                self.pendingPong = payload  // only the latest ping needs an answer
                return []
            }
            return [.send(.pong(payload))]
        case .pong, .close:
            return []
        }
    }

    /// The decoder threw: fail the connection with its close code (1002, 1007 or 1009).
    public mutating func decodingFailed(_ error: WebSocketError, now: Instant) -> [RPCWebSocketAction] {
        guard self.state != .closed else { return [] }
        let sentClose = self.state == .closing
        self.finish(code: error.closeCode)
        return sentClose
            ? [.closeConnection] : [.send(.close(code: error.closeCode, reason: "")), .closeConnection]
    }

    /// The peer's close frame: answer it (unless we started) and close the socket, which the
    /// server side does first (RFC 6455 §7.1.1).
    private mutating func peerClosed(code: UInt16) -> [RPCWebSocketAction] {
        if self.state == .closing {
            self.state = .closed
            self.dropQueues()
            return [.closeConnection]
        }
        self.finish(code: code)
        return [.send(.close(code: code, reason: "")), .closeConnection]
    }

    private mutating func request(_ bytes: [UInt8], now: Instant) -> [RPCWebSocketAction] {
        if self.inFlight.count < self.configuration.maxInFlight {
            return [self.dispatch(bytes)]
        }
        guard self.backlog.count < self.configuration.maxBacklog else {
            return self.startClose(RPCWebSocketCloseCode.policyViolation, "too many requests", now: now)
        }
        self.backlog.append(bytes)
        guard !self.readingPaused else { return [] }
        self.readingPaused = true
        return [.pauseReading]
    }

    private mutating func dispatch(_ bytes: [UInt8]) -> RPCWebSocketAction {
        let id = DispatchID(rawValue: self.nextDispatch)
        self.nextDispatch += 1
        self.inFlight.insert(id)
        return .dispatch(id, bytes)
    }

    /// The dispatcher's answer to `.dispatch(id, ...)`; nil when there is nothing to send.
    /// Answers arriving after the close started are dropped.
    public mutating func dispatchCompleted(
        _ id: DispatchID,
        response: [UInt8]?,
        now: Instant
    ) -> [RPCWebSocketAction] {
        precondition(id.rawValue < self.nextDispatch, "completion for a dispatch never issued")
        guard self.state == .open, self.inFlight.remove(id) != nil else { return [] }
        self.lastActivity = now
        var actions: [RPCWebSocketAction] = []
        if let response {
            actions += self.enqueue(
                Outbound(text: String(decoding: response, as: UTF8.self), bytes: response.count),
                now: now
            )
            guard self.state == .open else { return actions }
        }
        if !self.backlog.isEmpty {
            actions.append(self.dispatch(self.backlog.removeFirst()))
            if self.backlog.isEmpty && self.readingPaused {
                self.readingPaused = false
                actions.append(.resumeReading)
            }
        }
        return actions
    }
}

extension RPCWebSocketSession {
    // MARK: Server push and flow control

    /// Pushes a notification (for example `devices.changed`). While the socket is blocked, a
    /// queued notification with the same `coalescingKey` (say `devices:<guid>`) is replaced
    /// in place by this newer one instead of queueing both.
    public mutating func notify(
        _ notification: RPCRequest,
        coalescingKey: String? = nil,
        now: Instant
    ) -> [RPCWebSocketAction] {
        precondition(notification.isNotification, "a server push has no id")
        guard self.state == .open else { return [] }
        let bytes = notification.serialized()
        let item = Outbound(
            text: String(decoding: bytes, as: UTF8.self),
            bytes: bytes.count,
            coalescingKey: coalescingKey
        )
        if let key = coalescingKey, let index = self.queue.firstIndex(where: { $0.coalescingKey == key }) {
            guard self.queuedBytes - self.queue[index].bytes + item.bytes <= self.configuration.maxQueuedBytes
            else {
                return self.startClose(RPCWebSocketCloseCode.policyViolation, "client too slow", now: now)
            }
            self.queuedBytes += item.bytes - self.queue[index].bytes
            self.queue[index] = item
            return []
        }
        self.lastActivity = now
        return self.enqueue(item, now: now)
    }

    /// The socket's write buffer went above its high-water mark (false) or drained below its
    /// low-water mark (true). Becoming writable flushes everything queued.
    public mutating func writabilityChanged(_ writable: Bool, now: Instant) -> [RPCWebSocketAction] {
        self.writable = writable
        guard writable, self.state == .open else { return [] }
        var actions: [RPCWebSocketAction] = []
        if let payload = self.pendingPong {
            actions.append(.send(.pong(payload)))
            self.pendingPong = nil
        }
        actions += self.queue.map { .send(.text($0.text)) }
        self.queue.removeAll()
        self.queuedBytes = 0
        return actions
    }

    private mutating func enqueue(_ item: Outbound, now: Instant) -> [RPCWebSocketAction] {
        if self.writable && self.queue.isEmpty { return [.send(.text(item.text))] }
        let tooMany = self.queue.count >= self.configuration.maxQueuedMessages
        let tooBig = self.queuedBytes + item.bytes > self.configuration.maxQueuedBytes
        // A single message larger than the byte bound still goes out when nothing is queued.
        if !self.queue.isEmpty && (tooMany || tooBig) {
            return self.startClose(RPCWebSocketCloseCode.policyViolation, "client too slow", now: now)
        }
        self.queue.append(item)
        self.queuedBytes += item.bytes
        return []
    }

    // MARK: Time and closing

    /// Time passed: sends pings, drops a peer that stopped answering, closes an idle
    /// connection, and gives up on a close handshake the peer did not finish.
    public mutating func tick(now: Instant) -> [RPCWebSocketAction] {
        switch self.state {
        case .closed:
            return []
        case .closing:
            guard let deadline = self.closeDeadline, now >= deadline else { return [] }
            self.state = .closed
            return [.closeConnection]
        case .open:
            if let idle = self.idleDeadline, now >= idle {
                return self.startClose(RPCWebSocketCloseCode.normal, "idle timeout", now: now)
            }
            guard now >= self.nextPingAt else { return [] }
            // While we stopped reading, the peer's pong may sit unread: not its fault.
            if self.awaitingPong && !self.readingPaused {
                self.missedPongs += 1
                if self.missedPongs >= self.configuration.maxMissedPongs {
                    self.finish(code: RPCWebSocketCloseCode.abnormal)
                    return [.closeConnection]
                }
            }
            self.awaitingPong = true
            self.pingCounter += 1
            self.nextPingAt = now + self.configuration.pingInterval
            let c = self.pingCounter
            return [.send(.ping((0..<8).reversed().map { UInt8(truncatingIfNeeded: c >> (8 * UInt64($0))) }))]
        }
    }

    /// The login session behind this socket was revoked or expired: close with 4401.
    public mutating func sessionRevoked(now: Instant) -> [RPCWebSocketAction] {
        self.startClose(RPCWebSocketCloseCode.sessionRevoked, "session revoked", now: now)
    }

    /// Starts the close handshake (for example 1001 at shutdown). Nothing is sent after it.
    public mutating func close(code: UInt16, reason: String, now: Instant) -> [RPCWebSocketAction] {
        precondition(
            (1000...1003).contains(code) || (1007...1014).contains(code) || (3000...4999).contains(code),
            "not a close code that may be sent"
        )
        return self.startClose(code, reason, now: now)
    }

    /// The socket closed under us (peer vanished, write error): nothing more to do.
    public mutating func connectionClosed() {
        guard self.state != .closed else { return }
        self.finish(code: self.closeCode ?? RPCWebSocketCloseCode.abnormal)
    }

    private mutating func startClose(_ code: UInt16, _ reason: String, now: Instant) -> [RPCWebSocketAction] {
        guard self.state == .open else { return [] }
        self.dropQueues()
        self.state = .closing
        self.closeCode = code
        self.closeDeadline = now + self.configuration.closeTimeout
        return [.send(.close(code: code, reason: reason))]
    }

    private mutating func finish(code: UInt16) {
        if self.closeCode == nil || self.state == .open { self.closeCode = code }
        self.state = .closed
        self.dropQueues()
    }

    private mutating func dropQueues() {
        self.queue.removeAll()
        self.queuedBytes = 0
        self.backlog.removeAll()
        self.pendingPong = nil
        self.inFlight.removeAll()
    }
}
