import Foundation

/// One dedicated thread running submitted jobs in order.
///
/// `@unchecked Sendable` proof: `jobs` and `stopped` are only touched with `condition` locked;
/// `thread` is written once in `init`, before the object is shared, and only read afterwards.
final class SerialThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var stopped = false
    private var thread: Thread?

    init(name: String) {
        let thread = Thread { [self] in self.run() }
        thread.name = name
        self.thread = thread
        thread.start()
    }

    var isCurrent: Bool { Thread.current === self.thread }

    /// Queues `job`; false once `stop()` has been called.
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        self.condition.lock()
        defer { self.condition.unlock() }
        guard !self.stopped else { return false }
        self.jobs.append(job)
        self.condition.signal()
        return true
    }

    /// The thread runs what is queued, then exits.
    func stop() {
        self.condition.lock()
        self.stopped = true
        self.condition.signal()
        self.condition.unlock()
    }

    private func run() {
        while true {
            self.condition.lock()
            while self.jobs.isEmpty && !self.stopped { self.condition.wait() }
            // We take the whole batch so the lock is held once per batch, not once per job.
            let batch = self.jobs
            // A fresh array: the batch holds the old storage (a storm's 10,000 jobs' worth) and
            // frees it once run, instead of a copy of that capacity staying for good.
            self.jobs = []
            let finished = batch.isEmpty && self.stopped
            self.condition.unlock()
            if finished { return }
            for job in batch { job() }
        }
    }
}
