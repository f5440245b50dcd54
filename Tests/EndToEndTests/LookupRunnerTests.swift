import Synchronization
import Testing

@testable import Tunnel

/// The runner of the tunnels' authority lookups: jobs run concurrently (a slow credential check
/// must not hold back an allowlist check) but never more than its limit at once, and after
/// `finish()` the queued ones still complete while new ones are dropped.
@Suite struct LookupRunnerTests {
    @Test func jobsRunConcurrentlyAndFinishDrains() async throws {
        let runner = LookupRunner()
        let done = Mutex<[Int]>([])
        let (stream, gate) = AsyncStream<Void>.makeStream()
        // The first job waits for the second: it completes only if both run at once.
        runner.submit {
            for await _ in stream { break }
            done.withLock { $0.append(1) }
        }
        runner.submit {
            gate.yield()
            done.withLock { $0.append(2) }
        }
        for i in 3..<50 { runner.submit { done.withLock { $0.append(i) } } }
        runner.finish()
        runner.submit { done.withLock { $0.append(99) } }
        await runner.ended()
        let ran = done.withLock { $0 }
        #expect(Set(ran) == Set(1..<50))
        #expect(ran.count == 49)
    }

    @Test func noMoreThanTheLimitRunAtOnce() async throws {
        let runner = LookupRunner(limit: 4)
        struct Counts { var running = 0, most = 0, done = 0 }
        let counts = Mutex(Counts())
        for _ in 0..<100 {
            runner.submit {
                counts.withLock { $0.running += 1; $0.most = max($0.most, $0.running) }
                try? await Task.sleep(for: .milliseconds(2))
                counts.withLock { $0.running -= 1; $0.done += 1 }
            }
        }
        runner.finish()
        await runner.ended()
        let final = counts.withLock { $0 }
        #expect(final.done == 100)
        #expect(final.most <= 4)
        #expect(final.most >= 2)  // they did overlap
    }
}
