import Foundation
import Synchronization
import Testing

@testable import AMT  // Deadline is internal: the client's deadline is tested directly

@Suite struct DeadlineTests {
    /// B26: a call that never answers returns at its deadline, and its work is cancelled.
    @Test func silentOperationTimesOutWithoutWaitingAndIsCancelled() async throws {
        let cancelled = Atomic<Bool>(false)
        let clock = ContinuousClock()
        let start = clock.now
        await #expect(throws: AMTError.timeout) {
            _ = try await Deadline.run(.milliseconds(100)) { () async throws -> Int in
                // Ignores cancellation on purpose for a while, like an uncancellable channel open.
                await withTaskCancellationHandler {
                    try? await Task.sleep(for: .seconds(2))
                } onCancel: {
                    cancelled.store(true, ordering: .relaxed)
                }
                return 1
            }
        }
        #expect(clock.now - start < .seconds(1))
        let wasCancelled = cancelled.load(ordering: .relaxed)
        #expect(wasCancelled)
    }

    @Test func fastOperationReturnsItsValueOrError() async throws {
        let v = try await Deadline.run(.seconds(5)) { 42 }
        #expect(v == 42)
        await #expect(throws: AMTError.notConnected) {
            _ = try await Deadline.run(.seconds(5)) { () async throws -> Int in throw AMTError.notConnected }
        }
    }

    /// B27 in miniature: one stuck call does not delay ten quick ones running beside it.
    @Test func oneStuckCallDoesNotDelayOthers() async throws {
        let clock = ContinuousClock()
        async let stuck: Int? = try? Deadline.run(.milliseconds(800)) { () async throws -> Int in
            try await Task.sleep(for: .seconds(10))
            return 0
        }
        let start = clock.now
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<10 { group.addTask { try await Deadline.run(.seconds(5)) { i } } }
            var sum = 0
            for try await v in group { sum += v }
            #expect(sum == 45)
        }
        #expect(clock.now - start < .milliseconds(500))
        #expect(await stuck == nil)
    }

    @Test func callerCancellationEndsTheWait() async throws {
        let task = Task {
            try await Deadline.run(.seconds(30)) { () async throws -> Int in
                try await Task.sleep(for: .seconds(30))
                return 0
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
    }
}
