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
                let timer = Task {
                    try? await Task.sleep(for: timeout)
                    if !Task.isCancelled { once.resume(.failure(AMTError.timeout)) }
                }
                // Whoever finishes first: stop the timer, and cancel the work if it lost.
                once.onFinish {
                    timer.cancel()
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
