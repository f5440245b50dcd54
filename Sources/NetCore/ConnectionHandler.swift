/// Receives a connection's events. Callbacks always run on `connection.loop`'s thread, one at
/// a time. The connection holds its handler strongly; a handler should hold its connection
/// weakly or unowned. A handler may call any `Connection` method from inside a callback,
/// including `close()` and `abort()`: the `connectionClosed` they cause is delivered after
/// the current callback returns, never from inside it.
public protocol ConnectionHandler: AnyObject {
    /// TCP connected and, for TLS, the handshake finished. Writes made before this are sent now.
    func connectionActive(_ connection: Connection)
    /// Bytes from the peer. Not called once `close()`/`abort()` was called.
    func connectionRead(_ connection: Connection, _ bytes: [UInt8])
    /// The same bytes, lent only for the duration of the call (the loop reuses the memory).
    /// The default copies them into an array for `connectionRead(_:_:)`; a handler that
    /// copies them into its own buffer anyway implements this to skip that allocation.
    func connectionRead(_ connection: Connection, lent bytes: UnsafeRawBufferPointer)
    /// The pending write bytes fell below the low-water mark after having reached the
    /// high-water mark (`isWritable` is true again).
    func connectionWritable(_ connection: Connection)
    /// Exactly once, and always the last call. `error` is nil for an orderly end (peer closed,
    /// or our own `close()` flushed everything); otherwise a `NetError` or `CryptoError`.
    func connectionClosed(_ connection: Connection, error: (any Error)?)
    /// The deadline set with ``Connection/setDeadline(_:)`` passed (it is cleared first).
    func connectionDeadlinePassed(_ connection: Connection)
}

extension ConnectionHandler {
    public func connectionRead(_ connection: Connection, lent bytes: UnsafeRawBufferPointer) {
        self.connectionRead(connection, [UInt8](bytes))
    }

    public func connectionWritable(_ connection: Connection) {}

    public func connectionDeadlinePassed(_ connection: Connection) {}
}
