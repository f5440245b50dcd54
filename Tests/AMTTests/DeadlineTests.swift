@testable import AMT  // Deadline is internal: the client's deadline is tested directly
import Foundation
import Synchronization
import Testing

/// A gate an operation waits on without honouring cancellation (like a channel open that
/// only ends at its own timeout). Opened by the test, or by a safety timer.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let open = self.state.withLock { s -> Bool in
                if !s.open { s.waiters.append(c) }
                return s.open
            }
            if open { c.resume() }
        }
    }

    func open() {
        let waiters = self.state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.open = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }

    var isOpen: Bool { self.state.withLock { $0.open } }

    /// Opens the gate after `delay` so a broken implementation cannot hang the test run.
    func openEventually(after delay: Duration) {
        Task {
            try? await Task.sleep(for: delay)
            self.open()
        }
    }
}

/// Ordering-based (not wall-clock) checks, so a loaded machine cannot make them flaky.
@Suite struct DeadlineTests {
    /// B26: a call that never answers returns at its deadline, without waiting for the
    /// operation, and the operation is cancelled.
    @Test func silentOperationTimesOutWithoutWaitingAndIsCancelled() async throws {
        let gate = Gate()
        gate.openEventually(after: .seconds(60))
        let cancelled = Mutex(false)
        await #expect(throws: AMTError.timeout) {
            _ = try await Deadline.run(.milliseconds(100)) { () async throws -> Int in
                await withTaskCancellationHandler {
                    await gate.wait()
                } onCancel: {
                    cancelled.withLock { $0 = true }
                }
                return 1
            }
        }
        #expect(!gate.isOpen)  // returned while the operation was still stuck
        #expect(cancelled.withLock { $0 })
        gate.open()
    }

    @Test func fastOperationReturnsItsValueOrError() async throws {
        let v = try await Deadline.run(.seconds(5)) { 42 }
        #expect(v == 42)
        await #expect(throws: AMTError.notConnected) {
            _ = try await Deadline.run(.seconds(5)) { () async throws -> Int in throw AMTError.notConnected }
        }
    }

    /// B27 in miniature: ten quick calls complete while a stuck call beside them still waits.
    @Test func oneStuckCallDoesNotDelayOthers() async throws {
        let gate = Gate()
        gate.openEventually(after: .seconds(60))
        let stuck = Task {
            try await Deadline.run(.seconds(60)) { () async throws -> Int in
                await gate.wait()
                return 0
            }
        }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<10 { group.addTask { try await Deadline.run(.seconds(60)) { i } } }
            var sum = 0
            for try await v in group { sum += v }
            #expect(sum == 45)
        }
        #expect(!gate.isOpen)
        stuck.cancel()
        await #expect(throws: CancellationError.self) { _ = try await stuck.value }
        gate.open()
    }

    @Test func callerCancellationEndsTheWait() async throws {
        let gate = Gate()
        gate.openEventually(after: .seconds(60))
        let task = Task {
            try await Deadline.run(.seconds(60)) { () async throws -> Int in
                await gate.wait()
                return 0
            }
        }
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(!gate.isOpen)
        gate.open()
    }
}
