internal import Synchronization

/// Runs the tunnels' authority lookups (allowlist, credentials) on at most `limit` worker tasks,
/// made by one long-lived task, instead of a `Task` made by the event loop for each lookup.
///
/// Why: a task is allocated by the thread that creates it, with its first allocator slab
/// (about 1 KB). Made on a loop thread, two per connection, they were freed between the
/// connection's long-lived objects and left about a kilobyte of unreturnable holes per idle
/// device in the loop's heap. And a reconnect storm queued thousands of suspended tasks behind
/// argon2. Here the loop only appends a closure to a queue whose storage is kept; a few workers
/// on the cooperative pool take the closures in order, each reusing its own task's memory.
final class LookupRunner: Sendable {
    typealias Job = @Sendable () async -> Void

    private struct State {
        var queue: [Job] = []
        var head = 0
        var workers = 0
        var waiter: CheckedContinuation<Void, Never>?
        var finished = false

        var pending: Int { self.queue.count - self.head }

        /// Whether the runner has something to do: start a worker, or end.
        func needsRunner(limit: Int) -> Bool {
            self.finished || (self.pending > self.workers && self.workers < limit)
        }

        mutating func pop() -> Job? {
            guard self.head < self.queue.count else { return nil }
            let job = self.queue[self.head]
            self.head += 1
            if self.head == self.queue.count {
                // A storm's queue (10,000 logins) does not keep its capacity afterwards.
                self.queue.removeAll(keepingCapacity: self.queue.count <= 256)
                self.head = 0
            } else if self.head >= 1024 {
                self.queue.removeFirst(self.head)
                self.head = 0
            }
            return job
        }
    }

    private let state = Mutex(State())
    private let worker = Mutex<Task<Void, Never>?>(nil)
    /// The most lookups in progress at once (argon2 runs on two threads; the rest wait here as
    /// closures, not as suspended tasks).
    let limit: Int

    init(limit: Int = 32) {
        self.limit = max(1, limit)
        let task = Task { [self] in await self.run() }
        self.worker.withLock { $0 = task }
    }

    /// Queues `job`; callable from any thread, never blocks. After ``finish()`` jobs are
    /// dropped (their connections are being closed).
    func submit(_ job: @escaping Job) {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.finished else { return nil }
            state.queue.append(job)
            guard state.needsRunner(limit: self.limit) else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Stops accepting jobs; the queued and running ones still finish.
    func finish() {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Waits until the runner and its workers have ended (after ``finish()``).
    func ended() async {
        await self.worker.withLock { $0 }?.value
    }

    private func run() async {
        await withDiscardingTaskGroup { group in
            while true {
                let (start, finished) = self.state.withLock { state in
                    let start = max(0, min(state.pending - state.workers, self.limit - state.workers))
                    state.workers += start
                    return (start, state.finished)
                }
                for _ in 0..<start { group.addTask { await self.work() } }
                if finished { return }  // the workers drain the queue; the group waits for them
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let resumeNow = self.state.withLock { state -> Bool in
                        if state.needsRunner(limit: self.limit) { return true }
                        state.waiter = c
                        return false
                    }
                    if resumeNow { c.resume() }
                }
            }
        }
    }

    /// One worker: runs queued jobs until none is left, then ends.
    private func work() async {
        while let job = self.state.withLock({ state -> Job? in
            if let job = state.pop() { return job }
            state.workers -= 1
            return nil
        }) {
            await job()
        }
    }
}
