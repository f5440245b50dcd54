import NetCore
import Synchronization
import Testing

struct Boom: Error, Equatable {}

@Suite struct EventLoopTests {
    @Test func submitReturnsValuesAndRunsOnTheLoop() async throws {
        try await withGroup(threads: 1) { group in
            let loop = group.next()
            #expect(!loop.inEventLoop)
            let value = try await loop.submit { 6 * 7 }
            #expect(value == 42)
            let onLoop = try await loop.submit { loop.inEventLoop }
            #expect(onLoop)
            let text = try await loop.submit { "loop:" + loop.name }
            #expect(text == "loop:netcore-0")
        }
    }

    @Test func submitRethrowsTheBodysError() async throws {
        try await withGroup(threads: 1) { group in
            await #expect(throws: Boom.self) {
                try await group.next().submit { () throws -> Int in throw Boom() }
            }
        }
    }

    @Test func submitAfterShutdownThrows() async throws {
        let loop = try EventLoop(name: "short-lived")
        loop.shutdown()
        await #expect(throws: NetError.eventLoopShutDown) {
            try await loop.submit { 1 }
        }
        loop.shutdown()  // idempotent
    }

    @Test func executeIsFIFOFromAnotherThread() async throws {
        try await withGroup(threads: 1) { group in
            let loop = group.next()
            let seen = Mutex<[Int]>([])
            for index in 0..<500 {
                loop.execute { seen.withLock { $0.append(index) } }
            }
            _ = try await loop.submit { 0 }  // queued after all of them
            #expect(seen.withLock { $0 } == Array(0..<500))
        }
    }

    @Test func tasksQueuedBeforeShutdownStillRun() async throws {
        let loop = try EventLoop(name: "draining")
        let ran = Mutex(0)
        for _ in 0..<100 {
            loop.execute { ran.withLock { $0 += 1 } }
        }
        loop.shutdown()
        #expect(ran.withLock { $0 } == 100)
        loop.execute { ran.withLock { $0 += 1 } }  // dropped after shutdown
        #expect(ran.withLock { $0 } == 100)
    }

    @Test func timersFireInDeadlineOrderAndCancelWorks() async throws {
        try await withGroup(threads: 1) { group in
            let loop = group.next()
            let fired = Mutex<[String]>([])
            // Deadlines are taken when each timer is scheduled, so they are 100 ms apart: the
            // loop thread preempted between two schedule calls (a loaded machine) must not
            // change their order.
            try await loop.submit {
                _ = loop.schedule(after: .milliseconds(300)) { fired.withLock { $0.append("300ms") } }
                _ = loop.schedule(after: .milliseconds(100)) { fired.withLock { $0.append("100ms") } }
                let cancelled = loop.schedule(after: .milliseconds(150)) {
                    fired.withLock { $0.append("x") }
                }
                _ = loop.schedule(after: .milliseconds(200)) { fired.withLock { $0.append("200ms-a") } }
                _ = loop.schedule(after: .milliseconds(200)) { fired.withLock { $0.append("200ms-b") } }
                _ = loop.schedule(after: .zero) { fired.withLock { $0.append("now") } }
                #expect(cancelled.isScheduled)
                cancelled.cancel()
                #expect(!cancelled.isScheduled)
            }
            try await eventually("timers") { fired.withLock { $0.count } == 5 }
            try await Task.sleep(for: .milliseconds(30))
            #expect(fired.withLock { $0 } == ["now", "100ms", "200ms-a", "200ms-b", "300ms"])
        }
    }

    @Test func timerDoesNotFireEarly() async throws {
        try await withGroup(threads: 1) { group in
            let loop = group.next()
            let elapsed = Mutex<Duration?>(nil)
            try await loop.submit {
                let start = loop.now
                _ = loop.schedule(after: .milliseconds(50)) {
                    elapsed.withLock { $0 = loop.now - start }
                }
            }
            try await eventually("timer") { elapsed.withLock { $0 } != nil }
            let value = try #require(elapsed.withLock { $0 })
            #expect(value >= .milliseconds(50))
        }
    }

    @Test func tenThousandTimersHalfCancelled() async throws {
        try await withGroup(threads: 1) { group in
            let loop = group.next()
            let fired = Mutex<(count: Int, odd: Int, early: Int)>((0, 0, 0))
            try await loop.submit {
                var timers: [NetCore.Timer] = []
                for index in 0..<10_000 {
                    let delay = Duration.milliseconds((index * 7919) % 50)
                    let earliest = loop.now + delay
                    timers.append(
                        loop.schedule(after: delay) {
                            let early = loop.now < earliest
                            fired.withLock {
                                $0.count += 1
                                if index % 2 == 1 { $0.odd += 1 }
                                if early { $0.early += 1 }
                            }
                        }
                    )
                }
                for index in stride(from: 1, to: 10_000, by: 2) { timers[index].cancel() }
            }
            try await eventually("timers") { fired.withLock { $0.count } >= 5_000 }
            try await Task.sleep(for: .milliseconds(60))
            let result = fired.withLock { $0 }
            #expect(result.count == 5_000)
            #expect(result.odd == 0)
            #expect(result.early == 0)
        }
    }

    @Test func timerCancelledFromAnotherTimerNeverFires() async throws {
        try await withGroup(threads: 1) { group in
            let loop = group.next()
            let fired = Mutex<[String]>([])
            try await loop.submit {
                let later = LoopBound<NetCore.Timer?>(nil)
                _ = loop.schedule(after: .milliseconds(10)) {
                    fired.withLock { $0.append("first") }
                    later.value?.cancel()
                }
                later.value = loop.schedule(after: .milliseconds(10)) {
                    fired.withLock { $0.append("second") }
                }
            }
            // Both are due at the same instant, so they fire in the same turn: once "first" has
            // run, "second" would have too, had the cancel not worked.
            try await eventually("first timer") { !fired.withLock { $0 }.isEmpty }
            let after = try await group.next().submit { fired.withLock { $0 } }
            #expect(after == ["first"])
        }
    }

    @Test func groupHandsOutLoopsRoundRobin() async throws {
        try await withGroup(threads: 3) { group in
            let names = (0..<6).map { _ in group.next().name }
            #expect(
                names == ["netcore-0", "netcore-1", "netcore-2", "netcore-0", "netcore-1", "netcore-2"]
            )
            #expect(group.loops.count == 3)
        }
    }
}
