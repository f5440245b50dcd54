internal import CLinux
public import Crypto
internal import Glibc
internal import Synchronization

/// A listening TCP socket whose connections are spread over a group's loops.
///
/// One loop of the group (the acceptor) owns the listening descriptor and accepts; each
/// accepted descriptor is handed round-robin to a loop, which creates the `Connection`,
/// calls `onAccept`, and runs the TLS handshake. `@unchecked Sendable`: the lets never change,
/// the counters and the closed flag are `Atomic`, and the remaining vars (`pauseTimer`,
/// `descriptorOpen`) are touched only on the acceptor loop. `onAccept` runs on whichever loop
/// got the connection, so it may run on several loop threads at once: it must be safe for that.
public final class Listener: @unchecked Sendable {
    /// The bound port (the real one when asked for port 0).
    public let port: Int
    let fd: Int32
    let tls: TLSContext?
    let group: EventLoopGroup
    let loop: EventLoop
    let handshakeTimeout: Duration
    let onAccept: (Connection) -> (any ConnectionHandler)?
    private let failures = Atomic<Int>(0)
    private let pauses = Atomic<Int>(0)
    private let closed = Atomic<Bool>(false)

    // Acceptor-loop state.
    private var descriptorOpen = true
    private var pauseTimer: Timer?

    /// Accepts per wakeup before letting the loop serve its connections.
    private static let acceptBudget = 64
    /// How long accepting pauses when the process or system runs out of descriptors/memory.
    static let acceptPause: Duration = .milliseconds(100)

    /// Binds `host:port` (port 0 = ephemeral) with a backlog of 4096 and starts accepting.
    /// `onAccept` is called on the connection's loop before the TLS handshake and returns its
    /// handler (nil = close it). Handshakes never block a loop; one not done within
    /// `handshakeTimeout`, or failing, closes the connection and counts in `handshakeFailures`.
    public static func bind(
        host: String,
        port: Int,
        tls: TLSContext?,
        group: EventLoopGroup,
        handshakeTimeout: Duration = .seconds(30),
        onAccept: @escaping (Connection) -> (any ConnectionHandler)?
    ) throws -> Listener {
        let address = try SocketAddress(host: host, port: port)
        let fd = try Socket.makeTCP(family: address.family)
        let bound: SocketAddress
        do {
            try Socket.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            try systemCall("bind") { address.withSockaddr { Glibc.bind(fd, $0, $1) } }
            try systemCall("listen") { Glibc.listen(fd, 4096) }
            bound = try SocketAddress.local(of: fd)
        } catch {
            closeDescriptor(fd)
            throw error
        }
        let listener = Listener(
            port: bound.port,
            fd: fd,
            tls: tls,
            group: group,
            loop: group.next(),
            handshakeTimeout: handshakeTimeout,
            onAccept: onAccept
        )
        if listener.loop.inEventLoop {
            listener.start()
        } else if !listener.loop.enqueue({ listener.start() }) {
            closeDescriptor(fd)
            throw NetError.eventLoopShutDown
        }
        return listener
    }

    private init(
        port: Int,
        fd: Int32,
        tls: TLSContext?,
        group: EventLoopGroup,
        loop: EventLoop,
        handshakeTimeout: Duration,
        onAccept: @escaping (Connection) -> (any ConnectionHandler)?
    ) {
        self.port = port
        self.fd = fd
        self.tls = tls
        self.group = group
        self.loop = loop
        self.handshakeTimeout = handshakeTimeout
        self.onAccept = onAccept
    }

    /// TLS handshakes that failed or timed out on connections from this listener.
    public var handshakeFailures: Int { self.failures.load(ordering: .relaxed) }

    /// Times accepting paused because descriptors or memory ran out (EMFILE, ENFILE, ...).
    public var acceptPauses: Int { self.pauses.load(ordering: .relaxed) }

    func countHandshakeFailure() { self.failures.add(1, ordering: .relaxed) }

    /// Stops accepting and closes the listening socket; accepted connections stay open. Any
    /// thread; idempotent. Dropping the last reference does not stop a listener (its loop
    /// holds it): call this, or shut the loop down.
    public func close() {
        guard !self.closed.exchange(true, ordering: .relaxed) else { return }
        if self.loop.inEventLoop {
            self.closeNow()
        } else {
            self.loop.execute { self.closeNow() }
        }
    }

    private func start() {
        guard !self.closed.load(ordering: .relaxed) else {
            self.descriptorOpen = false
            closeDescriptor(self.fd)
            return
        }
        do {
            try self.loop.register(self)
        } catch {
            self.descriptorOpen = false
            closeDescriptor(self.fd)
        }
    }

    private func closeNow() {
        guard self.descriptorOpen else { return }
        self.descriptorOpen = false
        self.pauseTimer?.cancel()
        self.pauseTimer = nil
        self.loop.deregister(self)
        closeDescriptor(self.fd)
    }

    private func pauseAccepting() {
        self.pauses.add(1, ordering: .relaxed)
        self.loop.modify(fd: self.fd, data: EventLoop.data(of: self), events: 0)
        self.pauseTimer = self.loop.schedule(after: Self.acceptPause) { [self] in
            self.pauseTimer = nil
            if self.descriptorOpen {
                self.loop.modify(fd: self.fd, data: EventLoop.data(of: self), events: EPOLLIN.rawValue)
            }
        }
    }
}

extension Listener {
    func handleEvents(_ events: UInt32) {
        for _ in 0..<Self.acceptBudget {
            guard self.descriptorOpen, self.pauseTimer == nil else { return }
            var address = SocketAddress()
            address.length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutableBytes(of: &address.storage) { raw in
                mps_accept4_nonblocking(
                    self.fd,
                    raw.baseAddress!.assumingMemoryBound(to: sockaddr.self),
                    &address.length
                )
            }
            if fd < 0 {
                switch mps_errno() {
                case EINTR, ECONNABORTED, EPROTO, EPERM, ENETDOWN, ENOPROTOOPT, EHOSTDOWN,
                    ENONET, EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH:
                    continue  // that connection is gone; the next may be fine
                case EAGAIN, EWOULDBLOCK:
                    return
                default:
                    // EMFILE, ENFILE, ENOBUFS, ENOMEM (or worse): level-triggered epoll would
                    // spin on the waiting connection, so stop accepting for a moment.
                    self.pauseAccepting()
                    return
                }
            }
            Socket.setNoDelay(fd)
            let remote = address.description
            let target = self.group.next()
            if target === self.loop {
                Connection.startAccepted(fd: fd, remoteAddress: remote, listener: self, on: target)
            } else if !target.enqueue({
                Connection.startAccepted(fd: fd, remoteAddress: remote, listener: self, on: target)
            }) {
                closeDescriptor(fd)
            }
        }
    }

    func closeForShutdown() {
        self.closed.store(true, ordering: .relaxed)
        self.pauseTimer = nil
        if self.descriptorOpen {
            self.descriptorOpen = false
            closeDescriptor(self.fd)
        }
    }
}

extension Connection {
    /// On the loop that got the descriptor: register, ask `onAccept` for a handler, then
    /// start the TLS handshake (with its deadline) or go active at once for plain TCP.
    static func startAccepted(fd: Int32, remoteAddress: String, listener: Listener, on loop: EventLoop) {
        var session: TLSSession?
        if let context = listener.tls {
            do {
                session = try TLSSession(context: context, fileDescriptor: fd)
            } catch {
                listener.countHandshakeFailure()
                closeDescriptor(fd)
                return
            }
        }
        let connection = Connection(
            loop: loop,
            fd: fd,
            remoteAddress: remoteAddress,
            state: session == nil ? .active : .handshaking,
            tls: session
        )
        do {
            try loop.register(connection, events: EPOLLIN.rawValue)
        } catch {
            connection.state = .closed
            closeDescriptor(fd)
            return
        }
        guard let handler = listener.onAccept(connection) else {
            connection.handler = nil
            connection.finalize(nil)
            return
        }
        guard connection.state != .closed else { return }
        connection.handler = handler
        if session == nil {
            connection.becomeActive()
            return
        }
        connection.aside = .listener(listener)
        connection.timer = loop.schedule(after: listener.handshakeTimeout) { [unowned connection] in
            connection.deadlinePassed()
        }
        connection.driveHandshake()
    }
}
