internal import Foundation
internal import Synchronization

/// Hands status events to the authority strictly in order, in batches, from one task, so that a
/// quick connect/disconnect can never land in the database the wrong way round, and a burst of
/// 10,000 reconnects becomes a few transactions rather than 10,000.
final class StatusRecorder: Sendable {
    private struct State {
        var queue: [TunnelStatusEvent] = []
        var waiter: CheckedContinuation<Void, Never>?
        var finished = false
    }

    private let state = Mutex(State())
    private let authority: any TunnelAuthority
    private let worker = Mutex<Task<Void, Never>?>(nil)

    init(authority: any TunnelAuthority) {
        self.authority = authority
        let task = Task { [self] in await self.run() }
        self.worker.withLock { $0 = task }
    }

    /// Appends an event; callable from any thread, never blocks.
    func record(_ event: TunnelStatusEvent) {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.queue.append(event)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Stops accepting events and waits until everything queued has been written.
    func drain() async {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
        await self.worker.withLock { $0 }?.value
    }

    private func run() async {
        while true {
            let (batch, finished) = self.state.withLock { state in
                let batch = state.queue
                // The batch holds the old storage; a storm's queue does not stay allocated.
                state.queue = []
                return (batch, state.finished)
            }
            if !batch.isEmpty {
                await self.authority.record(batch)
                continue
            }
            if finished { return }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = self.state.withLock { state -> Bool in
                    if !state.queue.isEmpty || state.finished { return true }
                    state.waiter = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        }
    }
}
