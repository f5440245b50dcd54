// Redirection: the two byte pipes a relay joins, seen as small protocols.
public import Tunnel

/// The device side of a relay: one tunnel channel. ``TunnelChannel`` conforms; tests use an
/// in-memory pipe.
public protocol RelayChannel: AnyObject, Sendable {
    /// The next bytes from the device, or nil once the channel has closed. Cancelling the
    /// calling task must make it return nil.
    func read() async -> [UInt8]?
    /// Sends bytes to the device, suspending while too much is still queued.
    func writeAndWait(_ bytes: [UInt8]) async
    /// Closes the channel; safe to call more than once.
    func close()
}

extension TunnelChannel: RelayChannel {}

/// The browser side of a relay, implemented by the WebSocket code.
public protocol RelayBrowserSink: AnyObject, Sendable {
    /// Sends bytes as one binary message; suspends while the browser's socket is backed up.
    func send(_ bytes: [UInt8]) async
    /// Closes the WebSocket with `code` (see ``RelayCloseCode``) and a short reason.
    func close(code: UInt16, reason: String)
}

/// Timing of a relay.
public struct RelayConfiguration: Sendable {
    /// The whole server-side redirection handshake must finish within this.
    public var handshakeTimeout: Duration = .seconds(10)
    /// A relay with no bytes either way for this long is closed with 4104.
    public var idleTimeout: Duration = .seconds(15 * 60)
    /// After the channel closes, how long to let the tunnel report its own loss before the
    /// relay decides the device closed only the channel (the tunnel marks its channels closed
    /// a moment before it unregisters).
    public var tunnelLossGrace: Duration = .milliseconds(30)
    /// The APF receive window of the relay's channel: device bytes buffered in the server at
    /// most (credit returns only as the relay reads, so a slow browser slows the device).
    public var channelWindow: UInt32 = 256 * 1024

    public init() {}
}
