import Foundation
@testable import PasswordHash
import Testing

/// Small parameters keep these tests fast; one test uses the real device preset.
let fastParameters = Argon2Parameters(memoryKiB: 64, iterations: 1, parallelism: 1)

@Suite struct PasswordHashTests {
    /// A hash verifies with its own password and not with any other.
    @Test func hashThenVerify() throws {
        let encoded = try PasswordHasher.hash("Corr3ct-Horse", params: fastParameters)
        #expect(encoded.hasPrefix("$argon2id$v=19$m=64,t=1,p=1$"))
        #expect(PasswordHasher.verify("Corr3ct-Horse", encoded: encoded))
        #expect(!PasswordHasher.verify("Corr3ct-horse", encoded: encoded))
        #expect(!PasswordHasher.verify("", encoded: encoded))
    }

    /// Two hashes of one password differ, because every hash gets a fresh salt.
    @Test func saltsDiffer() throws {
        let a = try PasswordHasher.hash("same", params: fastParameters)
        let b = try PasswordHasher.hash("same", params: fastParameters)
        #expect(a != b)
    }

    /// The real device preset round-trips and records its parameters in the hash.
    @Test func devicePresetRoundTrip() throws {
        let encoded = try PasswordHasher.hash("Ab1!Ab1!Ab1!Ab1!", params: .deviceSecret)
        #expect(PasswordHasher.parameters(of: encoded) == .deviceSecret)
        #expect(PasswordHasher.verify("Ab1!Ab1!Ab1!Ab1!", encoded: encoded))
    }

    /// Malformed, foreign or over-expensive stored hashes answer false instead of crashing.
    @Test func malformedHashesAreFalse() throws {
        let good = try PasswordHasher.hash("pw", params: fastParameters)
        let inputs = [
            "", "$", "$argon2id$", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
            good.replacingOccurrences(of: "m=64", with: "m=99999999"),
            good.replacingOccurrences(of: "t=1", with: "t=4000"),
            good.replacingOccurrences(of: "m=64", with: "m=-1"),
            good.replacingOccurrences(of: "m=64,", with: "m=64,m=64,"),
            String(good.dropLast(4)), good + "$extra", String(repeating: "$", count: 100_000),
        ]
        for input in inputs { #expect(!PasswordHasher.verify("pw", encoded: input)) }
        #expect(
            PasswordHasher.parameters(of: good.replacingOccurrences(of: "m=64", with: "m=99999999"))?
                .isWithinLimits == false
        )
    }

    /// Parameters outside argon2's or our limits are refused before any work.
    @Test func outOfRangeParametersThrow() {
        let bad = Argon2Parameters(memoryKiB: 4, iterations: 1, parallelism: 1)
        #expect(throws: PasswordHashError.self) { try PasswordHasher.hash("x", params: bad) }
        #expect(throws: PasswordHashError.self) {
            try PasswordHasher.hash(String(repeating: "x", count: 5000), params: fastParameters)
        }
    }

    /// The pool hashes and verifies off the caller's thread, many jobs at once.
    @Test func poolRunsConcurrentJobs() async throws {
        let pool = HashingPool(threads: 2)
        let encoded = try await pool.hash("pool-Pass1!", params: fastParameters)
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask {
                    await pool.verify(index % 2 == 0 ? "pool-Pass1!" : "wrong", encoded: encoded)
                }
            }
            var all: [Bool] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results.filter { $0 }.count == 10)
    }

    /// A pool thread keeps argon2's memory block between verifications, and frees it once it
    /// has been idle for `idleAfter` (a quiet server holds no argon2 memory).
    @Test func idleThreadFreesItsArgon2Block() async throws {
        let encoded = try PasswordHasher.hash("idle-Pass1!", params: .deviceSecret)
        let pool = HashingPool(threads: 1, idleAfter: .milliseconds(300))
        let held = await pool.perform {
            (PasswordHasher.verify("idle-Pass1!", encoded: encoded), PasswordHasher.threadMemoryBytes)
        }
        #expect(held?.0 == true)
        #expect(held?.1 == Int(Argon2Parameters.deviceSecret.memoryKiB) * 1024)
        var freed = false
        for _ in 0..<50 where !freed {
            try await Task.sleep(for: .milliseconds(400))
            freed = await pool.perform { PasswordHasher.threadMemoryBytes } == 0
        }
        #expect(freed)
        // The next verification takes a block again and still answers correctly.
        #expect(await pool.verify("idle-Pass1!", encoded: encoded))
        #expect(await pool.verify("wrong", encoded: encoded) == false)
    }

    /// Timing for README-params.md. Run with MPS_ARGON2_BENCH=1 (off by default: it takes seconds).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["MPS_ARGON2_BENCH"] != nil))
    func benchmarkParameters() async throws {
        let candidates: [Argon2Parameters] = [
            .init(memoryKiB: 1024, iterations: 1, parallelism: 1),
            .init(memoryKiB: 2048, iterations: 1, parallelism: 1),
            .init(memoryKiB: 4096, iterations: 1, parallelism: 1),
            .init(memoryKiB: 2048, iterations: 2, parallelism: 1),
            .init(memoryKiB: 8192, iterations: 1, parallelism: 1),
            .deviceSecret, .webUser,
        ]
        for params in candidates {
            let encoded = try PasswordHasher.hash("Ab1!Ab1!Ab1!Ab1!", params: params)
            let count = params == .webUser ? 20 : 200
            let start = ContinuousClock.now
            for _ in 0..<count { _ = PasswordHasher.verify("Ab1!Ab1!Ab1!Ab1!", encoded: encoded) }
            let single = (ContinuousClock.now - start) / count
            let pool = HashingPool(threads: 2)
            let poolStart = ContinuousClock.now
            await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<count {
                    group.addTask { await pool.verify("Ab1!Ab1!Ab1!Ab1!", encoded: encoded) }
                }
                for await _ in group {}
            }
            let pooled = (ContinuousClock.now - poolStart) / count
            print("BENCH \(params): \(single) per verify on one thread; \(pooled) per verify, pool of 2")
        }
    }
}
