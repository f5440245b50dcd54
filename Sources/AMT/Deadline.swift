internal import Synchronization

/// Runs an operation with a deadline that does not wait for the operation to notice.
///
/// Unlike a task group (which waits for every child before returning), the caller resumes as
/// soon as the deadline passes; the operation's task is then cancelled and finishes on its
/// own. This is what keeps a silent device from holding its caller (B26).
enum Deadline {
    static func run<T: Sendable>(
        _ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let once = ResumeOnce<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
                once.install(c)
                let work = Task {
                    do {
                        once.resume(.success(try await operation()))
                    } catch {
                        once.resume(.failure(error))
                    }
                }
                let timer = DeadlineTicker.shared.add(.now + timeout) {
                    once.resume(.failure(AMTError.timeout))
                }
                // Whoever finishes first: drop the deadline, and cancel the work if it lost.
                once.onFinish {
                    DeadlineTicker.shared.remove(timer)
                    work.cancel()
                }
            }
        } onCancel: {
            once.resume(.failure(CancellationError()))
        }
    }
}

/// A continuation resumed at most once, from whichever side finishes first.
private final class ResumeOnce<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var early: Result<T, any Error>?
        var done = false
        var finish: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    func install(_ c: CheckedContinuation<T, any Error>) {
        let early = self.state.withLock { s -> Result<T, any Error>? in
            if let e = s.early { return e }
            s.continuation = c
            return nil
        }
        if let early { c.resume(with: early) }
    }

    func onFinish(_ action: @escaping @Sendable () -> Void) {
        let runNow = self.state.withLock { s -> Bool in
            if s.done { return true }
            s.finish = action
            return false
        }
        if runNow { action() }
    }

    /// Returns whether this call was the one that resumed.
    @discardableResult
    func resume(_ result: Result<T, any Error>) -> Bool {
        let (c, finish, won) = self.state.withLock {
            s -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?, Bool) in
            guard !s.done else { return (nil, nil, false) }
            s.done = true
            if s.continuation == nil { s.early = result }
            let c = s.continuation
            s.continuation = nil
            let f = s.finish
            s.finish = nil
            return (c, f, true)
        }
        c?.resume(with: result)
        finish?()
        return won
    }
}

/// Fires registered deadlines from one task that ticks every ``tick`` while any is pending
/// (and ends when none is), instead of one sleeping task per call. A deadline fires at most
/// one tick late.
final class DeadlineTicker: Sendable {
    static let shared = DeadlineTicker()
    static let tick = Duration.milliseconds(50)

    private struct State {
        var pending: [UInt64: (at: ContinuousClock.Instant, fire: @Sendable () -> Void)] = [:]
        var nextID: UInt64 = 0
        var running = false
    }

    private let state = Mutex(State())

    func add(_ at: ContinuousClock.Instant, _ fire: @escaping @Sendable () -> Void) -> UInt64 {
        let (id, start) = self.state.withLock { s -> (UInt64, Bool) in
            s.nextID += 1
            s.pending[s.nextID] = (at, fire)
            defer { s.running = true }
            return (s.nextID, !s.running)
        }
        if start {
            Task.detached { await self.run() }
        }
        return id
    }

    func remove(_ id: UInt64) {
        _ = self.state.withLock { $0.pending.removeValue(forKey: id) }
    }

    private func run() async {
        while true {
            try? await Task.sleep(for: Self.tick)
            let now = ContinuousClock.now
            let (due, more) = self.state.withLock { s -> ([@Sendable () -> Void], Bool) in
                var due: [@Sendable () -> Void] = []
                for (id, entry) in s.pending where entry.at <= now {
                    due.append(entry.fire)
                    s.pending[id] = nil
                }
                if s.pending.isEmpty { s.running = false }
                return (due, s.running)
            }
            for fire in due { fire() }
            if !more { return }
        }
    }
}
