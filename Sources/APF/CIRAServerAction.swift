// APF: what the MPS-side session asks its I/O layer to do, and how it is configured.

/// Identifies a channel by the id the session's own side chose (the MPS id on the server,
/// the device id in ``CIRADeviceSession``).
public struct ChannelID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public static func < (a: ChannelID, b: ChannelID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "#\(self.rawValue)" }
}

/// One instruction from ``CIRAServerSession`` to the I/O layer, to be carried out in order.
///
/// `.close` is the last action of a connection; it is preceded by `.send(.disconnect(...))`
/// except when the device itself sent DISCONNECT. `.channelClosed` comes exactly once for every
/// channel returned by `openChannel`, however it ends. Descriptions redact the password.
public enum CIRAServerAction: Equatable, Sendable {
    /// Encode and write this message.
    case send(APFMessage)
    /// Look `uuid` up in the device registry / allowlist, then call `allowlistChecked`.
    case checkAllowlist(uuid: String)
    /// Check the MPS credentials for `uuid`, then call `credentialsChecked`.
    case verifyCredentials(uuid: String, username: String, password: String)
    /// Register this connection as the tunnel for `uuid` (replacing any older one) now;
    /// the USERAUTH_SUCCESS follows as the next action.
    case authenticated(uuid: String)
    /// The device sent a keep-alive: update its last-seen time.
    case keepAliveSeen
    /// The device confirmed the channel; queued data is being flushed.
    case channelOpened(ChannelID)
    /// The device refused the channel (reason), or did not answer in time (nil).
    case channelOpenFailed(ChannelID, reason: APFChannelOpenFailureReason?)
    /// Bytes the device sent on a channel.
    case channelData(ChannelID, [UInt8])
    /// Everything queued on the channel has been sent; more may be written.
    case channelWritable(ChannelID)
    /// The channel is gone (emitted once per channel).
    case channelClosed(ChannelID)
    /// Close the socket.
    case close(reason: String)
}

extension CIRAServerAction: CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public var description: String {
        switch self {
        case .send(let message): "send \(message)"
        case .checkAllowlist(let uuid): "checkAllowlist(\(uuid))"
        case .verifyCredentials(let uuid, let username, _):
            "verifyCredentials(\(uuid), user: \(username), password: <redacted>)"
        case .authenticated(let uuid): "authenticated(\(uuid))"
        case .keepAliveSeen: "keepAliveSeen"
        case .channelOpened(let id): "channelOpened(\(id))"
        case .channelOpenFailed(let id, let reason):
            "channelOpenFailed(\(id), reason: \(reason.map { "\($0)" } ?? "timeout"))"
        case .channelData(let id, let bytes): "channelData(\(id), \(bytes.count) bytes)"
        case .channelWritable(let id): "channelWritable(\(id))"
        case .channelClosed(let id): "channelClosed(\(id))"
        case .close(let reason): "close(\(reason))"
        }
    }

    public var debugDescription: String { self.description }
    public var customMirror: Mirror { Mirror(self, children: ["summary": self.description]) }
}

/// Why `openChannel` or `send` refused.
public enum CIRAChannelError: Error, Equatable, Sendable {
    /// The tunnel is not (or no longer) authenticated.
    case notConnected
    /// The device has not forwarded this port.
    case portNotForwarded(UInt32)
    /// The per-tunnel channel cap is reached, or channel ids are exhausted.
    case tooManyChannels
    /// The channel is unknown or already closed.
    case channelClosed
    /// The channel's send queue would exceed its bound; wait for `.channelWritable`.
    case queueFull
}

/// Settings shared, unchanged, by many sessions.
public final class SharedCIRAServerConfiguration: Sendable {
    public let value: CIRAServerConfiguration
    public init(_ value: CIRAServerConfiguration) { self.value = value }
}

/// Tunables of ``CIRAServerSession``; the defaults follow spec §5–6.
public struct CIRAServerConfiguration: Sendable {
    /// Interval asked for in KEEPALIVE_OPTIONS_REQUEST, in seconds.
    public var keepAliveInterval: UInt32 = 30
    /// Configured idle timeout. The effective one is
    /// `max(idleTimeout, 3 × device interval) + idleMargin`, so it never equals a plausible
    /// device interval (field fault B01).
    public var idleTimeout: Duration = .seconds(90)
    public var idleMargin: Duration = .seconds(15)
    /// Longest device keep-alive interval believed when computing the idle timeout.
    public var maxKeepAliveInterval: UInt32 = 600
    /// From session start to USERAUTH_SUCCESS.
    public var handshakeTimeout: Duration = .seconds(30)
    /// Send the keep-alive options this long after the last forward reply if 5900 never comes.
    public var keepAliveOptionsFallback: Duration = .seconds(2)
    /// The connection is dropped at this many failed USERAUTH attempts.
    public var maxAuthFailures = 3
    /// Concurrent channels per tunnel (WS-MAN uses up to 3; the relay needs more).
    public var maxChannels = 8
    /// Forwarded ports remembered per tunnel; further forwards get REQUEST_FAILURE.
    public var maxForwardedPorts = 32
    /// Window we advertise in CHANNEL_OPEN.
    public var receiveWindow: UInt32 = 32768
    /// Bound on bytes queued per channel before `send` throws `.queueFull`.
    public var maxQueuedBytesPerChannel = 1 << 20
    /// How long the device may take to answer a CHANNEL_OPEN.
    public var channelOpenTimeout: Duration = .seconds(15)
    /// Messages held while a lookup is pending before the peer is deemed abusive.
    public var maxDeferredMessages = 16

    public init() {}
}
