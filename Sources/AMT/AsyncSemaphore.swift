internal import Synchronization

/// Limits how many callers run at once; waiters are served in order. A cancelled waiter leaves
/// the queue at once with `CancellationError`.
final class AsyncSemaphore: Sendable {
    private struct State {
        var available: Int
        var nextID: UInt64 = 0
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    }

    private let state: Mutex<State>

    init(_ count: Int) { self.state = Mutex(State(available: count)) }

    func wait() async throws {
        let id = self.state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let result = self.state.withLock { s -> Result<Void, any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if s.available > 0 {
                        s.available -= 1
                        return .success(())
                    }
                    s.waiters.append((id, c))
                    return nil
                }
                if let result { c.resume(with: result) }
            }
        } onCancel: {
            let waiter = self.state.withLock { s -> CheckedContinuation<Void, any Error>? in
                guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    func signal() {
        let next = self.state.withLock { s -> CheckedContinuation<Void, any Error>? in
            if s.waiters.isEmpty {
                s.available += 1
                return nil
            }
            return s.waiters.removeFirst().continuation
        }
        next?.resume()
    }
}
