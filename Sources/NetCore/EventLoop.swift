internal import CLinux
internal import Dispatch
internal import Glibc
internal import Synchronization

/// One thread running epoll: it owns connections, listening sockets, timers and a task queue.
///
/// `@unchecked Sendable` because only three members are touched from other threads: `name`
/// and the descriptors (immutable lets), and `tasks`, a `Mutex`. `execute` and `submit` are
/// the only ways in from another thread; they push onto `tasks` and write the eventfd.
/// Everything else (`connections`, `timers`, `readBuffer`, ...) is confined to the loop's
/// own thread; public members that need it check `inEventLoop` with a precondition. After
/// `shutdown()` the thread has stopped, every registered descriptor is closed and `execute`
/// drops tasks (`submit` throws `NetError.eventLoopShutDown`).
public final class EventLoop: @unchecked Sendable {
    public let name: String
    let epollFD: Int32
    let wakeFD: Int32
    let threadID = Atomic<UInt>(0)
    let finished = DispatchGroup()

    struct TaskQueue {
        var tasks: [@Sendable () -> Void] = []
        /// A remote `execute` has written the eventfd since the loop last went to sleep.
        var wakePending = false
        var stopRequested = false
        var closed = false
    }
    let tasks = Mutex(TaskQueue())

    // Loop-confined state.
    /// Registered connections: a doubly linked list through the connections themselves
    /// (strong `next`, unowned(unsafe) `previous`), which owns them while registered. Their
    /// epoll data is the object's address, so no per-descriptor table is needed.
    var connections: Connection?
    var listeners: [Listener] = []
    /// Objects deregistered this turn: kept alive until the batch of events that may still
    /// carry their address has been dispatched (such events find them closed and stop).
    var retired: [AnyObject] = []
    var timers = DeadlineHeap<Timer>()
    /// Connections whose handler asked for a deadline (``Connection/setDeadline(_:)``).
    var deadlines = DeadlineHeap<Connection>()
    var timerSequence: UInt64 = 0
    /// Connections whose TLS session may hold decrypted bytes no socket event will announce.
    var readAgain: [Connection] = []
    /// The one read buffer of this loop, shared by all its connections (never per connection).
    let readBuffer: UnsafeMutableRawBufferPointer
    static let readBufferSize = 64 * 1024
    static let maxEvents: Int32 = 256

    /// Starts a loop thread named `name` (epoll + eventfd).
    public init(name: String) throws {
        Self.ignoreSIGPIPE
        self.name = name
        self.epollFD = try systemCall("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        do {
            self.wakeFD = try systemCall("eventfd") { mps_eventfd_nonblocking() }
        } catch {
            closeDescriptor(self.epollFD)
            throw error
        }
        self.readBuffer = .allocate(byteCount: Self.readBufferSize, alignment: 16)
        var event = epoll_event()
        mps_epoll_event_set(&event, EPOLLIN.rawValue, Self.wakeData)
        _ = epoll_ctl(self.epollFD, EPOLL_CTL_ADD, self.wakeFD, &event)

        self.finished.enter()
        let started = DispatchSemaphore(value: 0)
        let box = Unmanaged.passRetained(ThreadStart(loop: self, started: started))
        var thread = pthread_t()
        let rc = pthread_create(
            &thread,
            nil,
            { raw in
                let start = Unmanaged<ThreadStart>.fromOpaque(raw!).takeRetainedValue()
                start.loop.threadMain(started: start.started)
                return nil
            },
            box.toOpaque()
        )
        if rc != 0 {
            box.release()
            closeDescriptor(self.wakeFD)
            closeDescriptor(self.epollFD)
            self.readBuffer.deallocate()
            throw NetError(function: "pthread_create", errno: rc)
        }
        started.wait()
    }

    deinit { self.readBuffer.deallocate() }

    private final class ThreadStart {
        let loop: EventLoop
        let started: DispatchSemaphore
        init(loop: EventLoop, started: DispatchSemaphore) {
            self.loop = loop
            self.started = started
        }
    }

    /// SIGPIPE would kill the process when a peer resets mid-write (OpenSSL writes with
    /// write(2), not send(MSG_NOSIGNAL)); ignore it once per process.
    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// True on this loop's own thread.
    public var inEventLoop: Bool { pthread_self() == self.threadID.load(ordering: .relaxed) }

    /// The loop's clock.
    public var now: ContinuousClock.Instant { ContinuousClock.now }

    /// Runs `task` on the loop thread, after the tasks queued before it (FIFO). Any thread.
    /// Dropped silently once the loop has shut down.
    public func execute(_ task: @escaping @Sendable () -> Void) {
        _ = self.enqueue(task)
    }

    /// Queues `task`; false (task not queued) when the loop has shut down.
    func enqueue(_ task: @escaping @Sendable () -> Void) -> Bool {
        let local = self.inEventLoop
        let (accepted, wake) = self.tasks.withLock { queue -> (Bool, Bool) in
            if queue.closed { return (false, false) }
            queue.tasks.append(task)
            if local || queue.wakePending { return (true, false) }
            queue.wakePending = true
            return (true, true)
        }
        if wake { self.wake() }
        return accepted
    }

    /// Runs `body` on the loop and returns its result (or error) to an async caller.
    public func submit<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let queued = self.enqueue {
                do {
                    continuation.resume(returning: try body())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            if !queued { continuation.resume(throwing: NetError.eventLoopShutDown) }
        }
    }

    /// Calls `body` once after `delay` on the loop thread. Loop thread only.
    public func schedule(after delay: Duration, _ body: @escaping () -> Void) -> Timer {
        precondition(self.inEventLoop, "EventLoop.schedule called off the loop thread")
        self.timerSequence &+= 1
        let timer = Timer(
            loop: self,
            deadline: self.now + delay,
            sequence: self.timerSequence,
            body: body
        )
        self.timers.insert(timer)
        return timer
    }

    /// Closes every connection and listener of this loop, runs the tasks already queued,
    /// and stops the thread. Waits for the thread to finish unless called on it (then the loop
    /// stops after the current turn). Idempotent. Avoid shutting down loop B from loop A's
    /// thread while B might shut down A: each would wait for the other.
    public func shutdown() {
        let wake = self.tasks.withLock { queue -> Bool in
            if queue.stopRequested || queue.closed { return false }
            queue.stopRequested = true
            return true
        }
        if self.inEventLoop { return }
        if wake { self.wake() }
        self.finished.wait()
    }

    private func wake() {
        var one: UInt64 = 1
        // Never blocks (non-blocking eventfd); retry the theoretical EINTR so no wake is lost.
        while Glibc.write(self.wakeFD, &one, 8) < 0 && mps_errno() == EINTR {}
    }

    // MARK: - Registration (loop thread)

    /// The epoll data of the eventfd. Objects use their address (never 0); listeners set bit 0.
    static let wakeData: UInt64 = 0

    static func data(of connection: Connection) -> UInt64 {
        UInt64(UInt(bitPattern: Unmanaged.passUnretained(connection).toOpaque()))
    }

    static func data(of listener: Listener) -> UInt64 {
        UInt64(UInt(bitPattern: Unmanaged.passUnretained(listener).toOpaque())) | 1
    }

    private func add(fd: Int32, events: UInt32, data: UInt64) throws(NetError) {
        precondition(self.inEventLoop)
        var event = epoll_event()
        mps_epoll_event_set(&event, events, data)
        try systemCall("epoll_ctl") { epoll_ctl(self.epollFD, EPOLL_CTL_ADD, fd, &event) }
    }

    /// Adds the connection's descriptor to the epoll set and the loop's list.
    func register(_ connection: Connection, events: UInt32) throws(NetError) {
        try self.add(fd: connection.fd, events: events, data: Self.data(of: connection))
        connection.registeredEvents = events
        connection.flags.insert(.registered)
        connection.next = self.connections
        self.connections?.previous = connection
        self.connections = connection
    }

    func register(_ listener: Listener) throws(NetError) {
        try self.add(fd: listener.fd, events: EPOLLIN.rawValue, data: Self.data(of: listener))
        self.listeners.append(listener)
    }

    func modify(fd: Int32, data: UInt64, events: UInt32) {
        var event = epoll_event()
        mps_epoll_event_set(&event, events, data)
        // Fails only for a descriptor we already closed, which never stays registered.
        _ = epoll_ctl(self.epollFD, EPOLL_CTL_MOD, fd, &event)
    }

    /// Removes the connection from the epoll set and the list (call before closing its fd).
    func deregister(_ connection: Connection) {
        guard connection.flags.contains(.registered) else { return }
        connection.flags.remove(.registered)
        _ = epoll_ctl(self.epollFD, EPOLL_CTL_DEL, connection.fd, nil)
        if let next = connection.next { next.previous = connection.previous }
        if let previous = connection.previous {
            previous.next = connection.next
        } else {
            self.connections = connection.next
        }
        connection.next = nil
        connection.previous = nil
        self.retired.append(connection)
    }

    func deregister(_ listener: Listener) {
        guard let index = self.listeners.firstIndex(where: { $0 === listener }) else { return }
        self.listeners.remove(at: index)
        _ = epoll_ctl(self.epollFD, EPOLL_CTL_DEL, listener.fd, nil)
        self.retired.append(listener)
    }

    /// A connection whose TLS session still holds decrypted bytes: read it again next turn.
    func scheduleReadAgain(_ connection: Connection) {
        self.readAgain.append(connection)
    }
}
