internal import CLinux
internal import Crypto
internal import Glibc
internal import Synchronization

/// Process-wide connection ids.
private let connectionIDs = Atomic<UInt64>(0)

/// One TCP (optionally TLS) connection, owned by one event loop.
///
/// Loop-confined and not Sendable: create, use and drop it on `loop`'s thread only (from a
/// handler callback, a timer, or a task passed to `loop.execute`). Its Swift state is kept
/// small for 10,000+ idle connections: no read buffer of its own (the loop lends one),
/// a write queue that exists only while bytes are pending, one optional timer while a
/// handshake or a flushing close is under way, and no threads or Dispatch sources.
public final class Connection {
    public let loop: EventLoop
    /// Unique per process.
    public let id: UInt64
    /// "127.0.0.1:53422" or "[::1]:53422".
    public let remoteAddress: String
    /// The connection holds its handler strongly; handlers hold the connection weakly.
    public var handler: (any ConnectionHandler)?

    /// In order: a connection only ever moves forward through these.
    enum State: UInt8, Comparable {
        case connecting, handshaking, active
        /// `close()` was called: flushing pending bytes, then close_notify.
        case closing
        /// Our FIN is sent and the handler was told; discarding input until the peer's FIN
        /// (at most `lingerTime`) so unread input never turns our close into a reset.
        case lingering
        case closed

        static func < (a: State, b: State) -> Bool { a.rawValue < b.rawValue }
    }

    /// How long a closed connection waits for the peer's FIN while discarding its input.
    static let lingerTime: Duration = .seconds(2)

    /// The handler has been (or is about to be) told the connection closed.
    var handlerIsDone: Bool { self.state == .lingering || self.state == .closed }

    struct Flags: OptionSet {
        let rawValue: UInt8
        static let readingEnabled = Flags(rawValue: 1 << 0)
        /// The handshake or close_notify waits for the socket to become writable.
        static let stepWantsWrite = Flags(rawValue: 1 << 1)
        /// A TLS read waits for writability (the session must send before it can read).
        static let readWantsWrite = Flags(rawValue: 1 << 2)
        /// A TLS write waits for readability.
        static let writeWantsRead = Flags(rawValue: 1 << 3)
        /// Pending bytes reached the high-water mark: announce when they drop below low water.
        static let owesWritable = Flags(rawValue: 1 << 4)
        /// Closed inside a callback: deliver connectionClosed when the callback returns.
        static let closeDeliveryPending = Flags(rawValue: 1 << 5)
        static let registered = Flags(rawValue: 1 << 6)
    }

    // Stored state, pointers first and small fields last so the object stays within one
    // 144-byte malloc chunk (measured per idle connection; see Docs-netcore.md).

    /// Links of the loop's list of registered connections (see `EventLoop.connections`).
    var next: Connection?
    unowned(unsafe) var previous: Connection?
    var tls: TLSSession?
    /// Handshake/connect deadline, then the flush deadline, then the linger deadline. Always
    /// cancelled before the connection is released, so its closure captures `self` unowned
    /// (a weak capture would give every connection a side table for life).
    var timer: Timer?
    /// The handler's deadline (``setDeadline(_:)``); while set, this connection is in its
    /// loop's deadline heap at `heapIndex`.
    public internal(set) var deadline: ContinuousClock.Instant?
    var heapIndex = -1
    /// The accepting listener during the handshake, later a close error awaiting delivery.
    var aside: Aside = .none
    /// Bytes accepted by `write` and not yet handed to the kernel (or to TLS); nil when none.
    var queue: WriteQueue?
    var fd: Int32
    var registeredEvents: UInt32 = 0
    private var highWater: UInt32 = 256 * 1024
    private var lowWater: UInt32 = 64 * 1024
    var state: State
    var flags: Flags = [.readingEnabled]
    var callbackDepth: UInt8 = 0

    /// State needed at two different times, never together.
    enum Aside {
        case none
        /// Counts a failed handshake; dropped once the handshake ends.
        case listener(Listener)
        /// The error of a close that happened inside a callback, delivered when it returns.
        case closeError(any Error)
    }

    /// Bytes accepted by `write` and not yet handed to the kernel (or to TLS).
    public var pendingWriteBytes: Int { self.queue?.count ?? 0 }

    /// `isWritable` turns false at this many pending bytes (default 256 KiB, at most 4 GiB).
    public var writeHighWaterMark: Int {
        get { Int(self.highWater) }
        set { self.highWater = UInt32(clamping: newValue) }
    }
    /// After the high-water mark, `connectionWritable` fires once pending drops below this
    /// (default 64 KiB).
    public var writeLowWaterMark: Int {
        get { Int(self.lowWater) }
        set { self.lowWater = UInt32(clamping: newValue) }
    }

    init(loop: EventLoop, fd: Int32, remoteAddress: String, state: State, tls: TLSSession?) {
        self.loop = loop
        self.id = connectionIDs.add(1, ordering: .relaxed).newValue
        self.remoteAddress = remoteAddress
        self.fd = fd
        self.state = state
        self.tls = tls
    }

    deinit {
        // Only a connection that never got registered can end here unclosed.
        if self.state != .closed { closeDescriptor(self.fd) }
    }

    /// Queues `bytes` and sends what the socket takes now. Never blocks. No-op after `close()`.
    public func write(_ bytes: [UInt8]) {
        precondition(self.loop.inEventLoop, "Connection.write called off its event loop")
        guard !bytes.isEmpty else { return }
        switch self.state {
        case .closing, .lingering, .closed:
            return
        case .connecting, .handshaking:
            self.enqueue(bytes, from: 0)
        case .active:
            var written = 0
            if self.pendingWriteBytes == 0 {
                guard let count = self.writeDirect(bytes) else { return }
                written = count
            }
            if written < bytes.count { self.enqueue(bytes, from: written) }
        }
        if self.pendingWriteBytes >= self.writeHighWaterMark { self.flags.insert(.owesWritable) }
        self.updateInterest()
    }

    /// True while fewer than `writeHighWaterMark` bytes are pending.
    public var isWritable: Bool { self.pendingWriteBytes < self.writeHighWaterMark }

    /// Backpressure: stop (false) or resume (true) reading from the socket.
    public func setReadingEnabled(_ enabled: Bool) {
        precondition(self.loop.inEventLoop, "Connection.setReadingEnabled called off its event loop")
        guard self.state < .closing, enabled != self.flags.contains(.readingEnabled) else { return }
        if enabled {
            self.flags.insert(.readingEnabled)
            // Decrypted bytes may already wait inside the TLS session: no event would say so.
            if self.tls != nil && self.state == .active { self.loop.scheduleReadAgain(self) }
        } else {
            self.flags.remove(.readingEnabled)
        }
        self.updateInterest()
    }

    /// Stops reading, sends the pending bytes (then TLS close_notify) and closes. The handler
    /// gets `connectionClosed(nil)` once done, or an error if the flush fails or takes over
    /// 30 seconds. No reads are delivered after this call.
    public func close() {
        precondition(self.loop.inEventLoop, "Connection.close called off its event loop")
        switch self.state {
        case .closing, .lingering, .closed:
            return
        case .connecting, .handshaking:
            self.finalize(nil)
        case .active:
            self.beginClosing()
        }
    }

    /// Closes now and drops pending writes; the handler gets `connectionClosed(nil)`.
    public func abort() {
        precondition(self.loop.inEventLoop, "Connection.abort called off its event loop")
        self.finalize(nil)
    }

    /// True once `close()`/`abort()` was called or the connection ended.
    public var isClosed: Bool { self.state >= .closing }

    /// "TLSv1.2", "TLSv1.3", ... after the handshake; nil for plain TCP and once closed.
    public var tlsVersion: String? { self.tls?.protocolVersion }

    /// The negotiated TLS cipher suite (OpenSSL's name); nil for plain TCP and once closed.
    public var tlsCipherSuite: String? { self.tls?.cipherSuite }

    /// SHA-256 of the peer's TLS certificate (DER), when it sent one; nil once closed.
    public var tlsPeerCertificateSHA256: [UInt8]? { self.tls?.peerCertificateSHA256 }

    /// How many certificates the TLS peer sent (leaf and chain); 0 for none or plain TCP.
    public var tlsPeerCertificateCount: Int { self.tls?.peerCertificateCount ?? 0 }

    // MARK: - Lifecycle

    func beginClosing() {
        self.state = .closing
        self.flags.remove(.readingEnabled)
        if self.pendingWriteBytes == 0 {
            self.finishClosing()
            return
        }
        self.timer?.cancel()
        self.timer = self.loop.schedule(after: .seconds(30)) { [unowned self] in
            self.finalize(NetError.closeTimeout)
        }
        self.updateInterest()
    }

    /// Pending bytes are out: send close_notify (retrying on writability), then linger.
    func finishClosing() {
        if let tls = self.tls, tls.shutdown() == .wantWrite {
            self.flags.insert(.stepWantsWrite)
            self.updateInterest()
            return
        }
        self.startLingering()
    }

    /// Half-closes (our FIN follows the last byte), tells the handler, then discards input
    /// until the peer's FIN. Closing a socket with unread input makes the kernel send a reset,
    /// which can destroy the bytes we just sent before the peer reads them.
    private func startLingering() {
        _ = Glibc.shutdown(self.fd, Int32(SHUT_WR))
        self.state = .lingering
        self.tls = nil
        self.flags = self.flags.intersection([.registered, .closeDeliveryPending])
        self.timer?.cancel()
        self.timer = self.loop.schedule(after: Self.lingerTime) { [unowned self] in self.finalize(nil) }
        self.updateInterest()
        self.announceClosed(nil)
        self.discardInput()
    }

    /// The one exit: deregister, close the descriptor, free TLS and the queue, then tell the
    /// handler (after the current callback if we are inside one).
    func finalize(_ error: (any Error)?) {
        guard self.state != .closed else { return }
        self.state = .closed
        self.timer?.cancel()
        self.timer = nil
        self.setDeadline(nil)
        if case .listener = self.aside { self.aside = .none }
        self.loop.deregister(self)
        closeDescriptor(self.fd)
        self.fd = -1
        self.tls = nil
        self.announceClosed(error)
    }

    /// Drops the write queue and tells the handler (after the current callback if inside one).
    private func announceClosed(_ error: (any Error)?) {
        self.queue = nil
        if self.callbackDepth > 0 {
            if !self.flags.contains(.closeDeliveryPending) && self.handler != nil {
                self.flags.insert(.closeDeliveryPending)
                self.aside = error.map { .closeError($0) } ?? .none
            }
        } else {
            self.deliverClosed(error)
        }
    }

    private func deliverClosed(_ error: (any Error)?) {
        let handler = self.handler
        self.handler = nil
        handler?.connectionClosed(self, error: error)
    }

    /// Runs a handler callback; a close requested inside it is delivered when it returns.
    func callHandler(_ body: (any ConnectionHandler) -> Void) {
        guard !self.handlerIsDone, let handler = self.handler else { return }
        self.callbackDepth += 1
        body(handler)
        self.callbackDepth -= 1
        if self.callbackDepth == 0 && self.flags.contains(.closeDeliveryPending) {
            self.flags.remove(.closeDeliveryPending)
            var error: (any Error)?
            if case .closeError(let deferred) = self.aside { error = deferred }
            self.aside = .none
            self.deliverClosed(error)
        }
    }

    /// Handshake (or TCP connect for plain clients) done: tell the handler, send what was
    /// queued meanwhile, and read anything TLS already decrypted.
    func becomeActive() {
        self.timer?.cancel()
        self.timer = nil
        self.aside = .none
        self.flags.remove(.stepWantsWrite)
        self.state = .active
        self.callHandler { $0.connectionActive(self) }
        if self.state == .active || self.state == .closing { self.flush() }
        if self.state == .closing && self.pendingWriteBytes == 0 {
            self.finishClosing()
            return
        }
        self.notifyWritableIfNeeded()
        if self.state == .active && self.tls != nil { self.readable() }
        self.updateInterest()
    }

    func handshakeFailed(_ error: any Error) {
        if case .listener(let listener) = self.aside {
            listener.countHandshakeFailure()
            self.aside = .none
        }
        self.finalize(error)
    }

    /// Recomputes the epoll interest from the state and changes it only when it differs.
    func updateInterest() {
        guard self.state != .closed, self.flags.contains(.registered) else { return }
        let input = EPOLLIN.rawValue
        let output = EPOLLOUT.rawValue
        var events: UInt32 = 0
        switch self.state {
        case .connecting:
            events = output
        case .handshaking:
            events = self.flags.contains(.stepWantsWrite) ? output : input
        case .active, .closing:
            let reading = self.state == .active && self.flags.contains(.readingEnabled)
            if reading || self.flags.contains(.writeWantsRead) { events |= input }
            let writing = self.pendingWriteBytes > 0 && !self.flags.contains(.writeWantsRead)
            if writing || self.flags.contains(.readWantsWrite) || self.flags.contains(.stepWantsWrite) {
                events |= output
            }
        case .lingering:
            events = input
        case .closed:
            return
        }
        if events != self.registeredEvents {
            self.registeredEvents = events
            self.loop.modify(fd: self.fd, data: EventLoop.data(of: self), events: events)
        }
    }
}
