import Foundation

/// A few dedicated threads that run argon2 jobs, with async entry points.
///
/// argon2 blocks a thread for the whole hash, so it must not run on an event loop or the Swift
/// cooperative pool. The thread count bounds both CPU use and memory (each running hash holds
/// its `memoryKiB`). Jobs beyond `maximumPending` are refused rather than queued without limit.
public final class HashingPool: Sendable {
    private let workers: WorkerThreads
    public let threadCount: Int

    /// - Parameter idleAfter: a thread that has been idle this long frees the memory block it
    ///   keeps for argon2 between verifications (1 MiB per thread with the device parameters).
    public init(threads: Int = 2, maximumPending: Int = 20_000, idleAfter: Duration = .seconds(2)) {
        precondition(threads >= 1, "a hashing pool needs at least one thread")
        self.threadCount = threads
        self.workers = WorkerThreads(
            name: "mps.argon2", count: threads, maximumPending: maximumPending,
            idleAfter: idleAfter, onIdle: { PasswordHasher.releaseThreadMemory() })
    }

    /// Runs `body` on a pool thread (tests look at a thread's state with it).
    func perform<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T? {
        await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            if !self.workers.submit({ continuation.resume(returning: body()) }) {
                continuation.resume(returning: nil)
            }
        }
    }

    deinit { self.workers.stop() }

    /// Hashes `password` on a pool thread.
    /// - Throws: `PasswordHashError` if hashing fails or the pool is overloaded.
    public func hash(_ password: String, params: Argon2Parameters) async throws -> String {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, any Error>) in
            let accepted = self.workers.submit {
                continuation.resume(with: Result { try PasswordHasher.hash(password, params: params) })
            }
            if !accepted { continuation.resume(throwing: PasswordHashError("hashing pool is overloaded")) }
        }
    }

    /// Verifies on a pool thread. An overloaded pool answers false.
    public func verify(_ password: String, encoded: String) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let accepted = self.workers.submit {
                continuation.resume(returning: PasswordHasher.verify(password, encoded: encoded))
            }
            if !accepted { continuation.resume(returning: false) }
        }
    }
}

/// N threads sharing one FIFO queue of jobs. A thread that ran a job and then waited
/// `idleAfter` for the next calls `onIdle` (the argon2 threads free their reused block), once.
///
/// `@unchecked Sendable` proof: `jobs` and `stopped` are read and written only while holding
/// `condition`'s lock; the threads are created once in `init` and never touched afterwards. Jobs
/// are `@Sendable` closures, so running them on any of the threads is safe.
final class WorkerThreads: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var head = 0
    private var stopped = false
    private let maximumPending: Int
    /// Seconds a thread waits for a job before `onIdle`.
    private let idleSeconds: TimeInterval
    private let onIdle: @Sendable () -> Void

    init(
        name: String, count: Int, maximumPending: Int, idleAfter: Duration = .seconds(2),
        onIdle: @escaping @Sendable () -> Void = {}
    ) {
        self.maximumPending = maximumPending
        let parts = idleAfter.components
        self.idleSeconds = TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
        self.onIdle = onIdle
        for index in 0..<count {
            let thread = Thread { [self] in self.run() }
            thread.name = "\(name).\(index)"
            thread.start()
        }
    }

    /// Queues `job`; false when the pool is stopped or full.
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        self.condition.lock()
        defer { self.condition.unlock() }
        guard !self.stopped, self.jobs.count - self.head < self.maximumPending else { return false }
        self.jobs.append(job)
        self.condition.signal()
        return true
    }

    /// Lets the threads finish the queued jobs and exit.
    func stop() {
        self.condition.lock()
        self.stopped = true
        self.condition.broadcast()
        self.condition.unlock()
    }

    private enum Next {
        case job(@Sendable () -> Void)
        case idle
        case stopped
    }

    private func run() {
        var ranSinceIdle = false
        while true {
            switch self.next(waitingAtMost: ranSinceIdle ? self.idleSeconds : nil) {
            case .job(let job):
                job()
                ranSinceIdle = true
            case .idle:
                self.onIdle()
                ranSinceIdle = false
            case .stopped:
                if ranSinceIdle { self.onIdle() }
                return
            }
        }
    }

    /// The next job; `.idle` when `limit` passed without one (nil: wait as long as it takes).
    private func next(waitingAtMost limit: TimeInterval?) -> Next {
        self.condition.lock()
        defer { self.condition.unlock() }
        let deadline = limit.map { Date().addingTimeInterval($0) }
        while self.head == self.jobs.count && !self.stopped {
            if let deadline {
                if !self.condition.wait(until: deadline) && self.head == self.jobs.count && !self.stopped {
                    return .idle
                }
            } else {
                self.condition.wait()
            }
        }
        guard self.head < self.jobs.count else { return .stopped }
        let job = self.jobs[self.head]
        self.head += 1
        if self.head == self.jobs.count {
            // A storm's queue (10,000 logins) does not keep its capacity afterwards.
            self.jobs.removeAll(keepingCapacity: self.jobs.count <= 64)
            self.head = 0
        } else if self.head >= 1024 {
            self.jobs.removeFirst(self.head)
            self.head = 0
        }
        return .job(job)
    }
}
