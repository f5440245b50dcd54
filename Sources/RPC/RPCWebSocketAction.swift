// SPDX-License-Identifier: Apache-2.0

public import HTTP

/// One instruction from ``RPCWebSocketSession`` to its I/O layer, carried out in order.
public enum RPCWebSocketAction: Sendable, Equatable {
    /// Run `body` through `RPCDispatcher.handle(body:context:)`, then report the bytes (or
    /// nil) with ``RPCWebSocketSession/dispatchCompleted(_:response:now:)``.
    case dispatch(RPCWebSocketSession.DispatchID, [UInt8])
    /// Encode with `WebSocketFrameEncoder(role: .server)` and write.
    case send(WebSocketMessage)
    /// Stop reading from the socket: requests are arriving faster than they complete.
    case pauseReading
    case resumeReading
    /// Close the socket once what was written has been flushed. The session is closed; the
    /// I/O layer should cancel any dispatch still running (its result would be dropped).
    case closeConnection
}

/// WebSocket close codes this server sends (RFC 6455 §7.4.1 plus one application code).
///
/// | code | meaning here |
/// |------|--------------|
/// | 1000 | normal: the peer closed, or the connection was idle for too long |
/// | 1001 | going away: the server is shutting down |
/// | 1002 | protocol error in the peer's frames |
/// | 1003 | a binary message (JSON-RPC travels in text messages only) |
/// | 1007 | invalid UTF-8 in a text message |
/// | 1008 | policy: the client reads too slowly, or sends too many requests at once |
/// | 1009 | a message larger than the configured maximum |
/// | 4401 | the login session behind this socket was revoked or expired; log in again |
///
/// 1006 is never sent: it is recorded as ``RPCWebSocketSession/closeCode`` when the session
/// drops the connection without a handshake (missed pongs).
public enum RPCWebSocketCloseCode {
    public static let normal: UInt16 = 1000
    public static let goingAway: UInt16 = 1001
    public static let unsupportedData: UInt16 = 1003
    public static let policyViolation: UInt16 = 1008
    public static let messageTooBig: UInt16 = 1009
    public static let abnormal: UInt16 = 1006
    public static let sessionRevoked: UInt16 = 4401
}

/// The limits and timers of one JSON-RPC WebSocket connection.
public struct RPCWebSocketConfiguration: Sendable, Equatable {
    /// A ping is sent this often; any inbound frame counts as an answer.
    public var pingInterval: Duration
    /// The connection is dropped when this many pings in a row went unanswered.
    public var maxMissedPongs: Int
    /// Closed (1000) after this long with no request, response or notification; nil: never.
    public var idleTimeout: Duration?
    /// How long to wait for the peer's close frame after sending ours.
    public var closeTimeout: Duration
    /// Larger text messages close the connection with 1009. Give the same value to the
    /// `WebSocketFrameDecoder` so it refuses them before buffering.
    public var maxMessageSize: Int
    /// Requests dispatched at the same time; later ones wait in a backlog, reading paused.
    public var maxInFlight: Int
    /// Requests allowed to wait; one more closes the connection with 1008.
    public var maxBacklog: Int
    /// Outbound messages held while the socket is not writable; more closes with 1008.
    public var maxQueuedMessages: Int
    /// Outbound bytes held while the socket is not writable; more closes with 1008.
    public var maxQueuedBytes: Int

    public init(
        pingInterval: Duration = .seconds(30),
        maxMissedPongs: Int = 2,
        idleTimeout: Duration? = .seconds(15 * 60),
        closeTimeout: Duration = .seconds(5),
        maxMessageSize: Int = 1 << 20,
        maxInFlight: Int = 8,
        maxBacklog: Int = 32,
        maxQueuedMessages: Int = 256,
        maxQueuedBytes: Int = 4 << 20
    ) {
        precondition(maxMissedPongs > 0 && maxMessageSize > 0 && maxInFlight > 0 && maxBacklog >= 0)
        precondition(maxQueuedMessages > 0 && maxQueuedBytes > 0)
        self.pingInterval = pingInterval
        self.maxMissedPongs = maxMissedPongs
        self.idleTimeout = idleTimeout
        self.closeTimeout = closeTimeout
        self.maxMessageSize = maxMessageSize
        self.maxInFlight = maxInFlight
        self.maxBacklog = maxBacklog
        self.maxQueuedMessages = maxQueuedMessages
        self.maxQueuedBytes = maxQueuedBytes
    }
}
