// SPDX-License-Identifier: Apache-2.0

#if canImport(Glibc)
import Glibc
#endif

/// Polls `condition` every `interval` until it holds (true) or `budget` is spent (false; the
/// condition is checked once more at the end).
///
/// The budget counts the time the waiting task was running, not the time it was kept off the
/// CPU: when the test process is starved (Swift Testing runs every test of a target at once on a
/// task pool as wide as the machine has cores, so CPU-bound tests beside this one, or a busy
/// machine, can hold the pool for seconds), a sleep of `interval` that comes back late spends at
/// most `interval` plus `PollBudget.maxLateness`, because whatever the test waits for was held
/// up just the same. The time taken by `condition` itself is counted in full. A condition that
/// never holds still fails: after at most `budget / interval` polls.
public func pollUntil(
    for budget: Duration, every interval: Duration,
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    var spent = PollBudget(budget)
    while !spent.isSpent {
        if try await condition() { return true }
        spent.sleep(starting: ContinuousClock.now)
        try? await Task.sleep(for: interval)
        spent.woke(at: ContinuousClock.now, interval: interval)
    }
    return try await condition()
}

/// The accounting of ``pollUntil(for:every:_:)``: time spent, with each sleep's lateness capped.
public struct PollBudget: Sendable {
    /// How late one sleep may come back and still count in full. Beyond this the task (and the
    /// pool it runs on) was starved, and the excess is the machine's time, not the product's.
    public static let maxLateness = Duration.milliseconds(100)

    public let total: Duration
    public private(set) var spent: Duration = .zero
    private var awake: ContinuousClock.Instant
    private var asleep: ContinuousClock.Instant?

    public init(_ total: Duration, now: ContinuousClock.Instant = .now) {
        self.total = total
        self.awake = now
    }

    public var isSpent: Bool { self.spent >= self.total }

    /// The task goes to sleep: the time since it woke (the condition's) is counted in full.
    public mutating func sleep(starting now: ContinuousClock.Instant) {
        self.spent += now - self.awake
        self.asleep = now
    }

    /// The task is back from a sleep of `interval`: at most `interval + maxLateness` counts,
    /// and at least `interval` (a sleep cut short by cancellation still uses up a poll).
    public mutating func woke(at now: ContinuousClock.Instant, interval: Duration) {
        let slept = self.asleep.map { now - $0 } ?? .zero
        self.spent += max(interval, min(slept, interval + Self.maxLateness))
        self.asleep = nil
        self.awake = now
    }
}

/// Runs `body` and returns its wall time less the time the task pool was stalled meanwhile, as
/// seen by a canary task that sleeps `tick` at a time beside it: each of its sleeps that comes
/// back more than `tolerance` late adds the excess to the stall. For upper bounds ("closed
/// within 1 s") whose point is how long the product takes, not how long a loaded machine kept
/// the test process off the CPU. A product that is slow while the pool runs freely is still
/// measured in full; a stall the product did not feel only makes the bound more lenient.
public func measureExcludingStalls<T>(
    tick: Duration = .milliseconds(5), tolerance: Duration = .milliseconds(20),
    _ body: () async throws -> T
) async rethrows -> (value: T, duration: Duration) {
    let canary = Task {
        var stalled = Duration.zero
        while !Task.isCancelled {
            let before = ContinuousClock.now
            try? await Task.sleep(for: tick)
            let late = ContinuousClock.now - before - tick
            if late > tolerance { stalled += late - tolerance }
        }
        return stalled
    }
    defer { canary.cancel() }  // also when `body` throws
    let started = ContinuousClock.now
    let value = try await body()
    let elapsed = ContinuousClock.now - started
    canary.cancel()
    let stalled = await canary.value
    return (value, max(.zero, elapsed - stalled))
}

/// Runs synchronous `body` and returns the CPU time its thread spent on it: for upper bounds on
/// how much work something is ("milliseconds, not seconds"), which wall time cannot give on a
/// machine where the thread may be preempted by other processes for as long as it likes.
public func measureThreadCPUTime<T>(_ body: () throws -> T) rethrows -> (value: T, duration: Duration) {
    func now() -> Duration {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return .seconds(ts.tv_sec) + .nanoseconds(ts.tv_nsec)
    }
    let start = now()
    let value = try body()
    return (value, now() - start)
}
