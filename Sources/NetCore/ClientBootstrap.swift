internal import CLinux
public import Crypto
internal import Glibc

/// Outgoing connections.
public enum ClientBootstrap {
    /// Starts a non-blocking connect to a numeric `host` (IPv4, IPv6 or "localhost") and, when
    /// `tls` is given, the TLS client handshake with SNI `serverName` (also the name checked
    /// when the context verifies peers). Loop thread only. The outcome arrives through the
    /// handler: `connectionActive`, or `connectionClosed(error)`, never from inside this call.
    /// Connect plus handshake must finish within `timeout` (`NetError.connectTimeout` /
    /// `.handshakeTimeout` otherwise).
    @discardableResult
    public static func connect(
        host: String,
        port: Int,
        tls: TLSContext?,
        serverName: String?,
        on loop: EventLoop,
        handler: any ConnectionHandler,
        timeout: Duration = .seconds(30)
    ) -> Connection {
        precondition(loop.inEventLoop, "ClientBootstrap.connect called off the loop thread")
        var fd: Int32 = -1
        var remote = "\(host):\(port)"
        do {
            let address = try SocketAddress(host: host, port: port)
            remote = address.description
            fd = try Socket.makeTCP(family: address.family)
            Socket.setNoDelay(fd)
            let session = try tls.map {
                try TLSSession(context: $0, fileDescriptor: fd, serverName: serverName)
            }
            let result = address.withSockaddr { pointer, length in Glibc.connect(fd, pointer, length) }
            if result != 0 {
                let code = mps_errno()
                // EINTR: the connect goes on asynchronously, exactly like EINPROGRESS.
                if code != EINPROGRESS && code != EINTR {
                    throw NetError(function: "connect", errno: code)
                }
            }
            let connection = Connection(
                loop: loop,
                fd: fd,
                remoteAddress: remote,
                state: .connecting,
                tls: session
            )
            connection.handler = handler
            try loop.register(connection, events: EPOLLOUT.rawValue)
            connection.timer = loop.schedule(after: timeout) { [unowned connection] in
                connection.deadlinePassed()
            }
            return connection
        } catch {
            // Report on the next turn so the caller holds the connection before it closes. A
            // task (not a timer): queued tasks still run if the loop shuts down meanwhile.
            let connection = Connection(
                loop: loop,
                fd: fd,
                remoteAddress: remote,
                state: .connecting,
                tls: nil
            )
            connection.handler = handler
            let confined = LoopConfined(connection)
            loop.execute { confined.value.finalize(error) }
            return connection
        }
    }
}

/// Carries a loop-confined value through `EventLoop.execute` to the same loop's thread.
/// `@unchecked Sendable` is sound only because the value is created on that loop and the
/// task runs on that loop: the value never is touched by two threads.
struct LoopConfined<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
