/// Cost parameters for argon2id: memory in KiB, passes over it, and lanes.
///
/// The two presets are chosen for their inputs; see README-params.md for the measurements.
public struct Argon2Parameters: Sendable, Equatable, CustomStringConvertible {
    public var memoryKiB: UInt32
    public var iterations: UInt32
    public var parallelism: UInt32

    public init(memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32) {
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.parallelism = parallelism
    }

    /// Device MPS (CIRA) passwords: machine-generated, about 99 bits of entropy, and verified on
    /// every reconnect. Cheap enough that 10,000 cold verifies fit in about 20 s on 2 cores.
    public static let deviceSecret = Argon2Parameters(memoryKiB: 1024, iterations: 1, parallelism: 1)

    /// Web-user passwords chosen by people: the OWASP minimum, 19 MiB, 2 passes, 1 lane.
    public static let webUser = Argon2Parameters(memoryKiB: 19456, iterations: 2, parallelism: 1)

    /// The range we accept, also for parameters read back from a stored hash, so a tampered row
    /// cannot make a verify allocate gigabytes or spin for minutes.
    public static let maximumMemoryKiB: UInt32 = 262_144
    public static let maximumIterations: UInt32 = 16
    public static let maximumParallelism: UInt32 = 8

    /// True when argon2 accepts these values and they are inside our limits.
    public var isWithinLimits: Bool {
        (1...Self.maximumParallelism).contains(self.parallelism)
            && (1...Self.maximumIterations).contains(self.iterations)
            && self.memoryKiB >= 8 * self.parallelism && self.memoryKiB <= Self.maximumMemoryKiB
    }

    public var description: String {
        "argon2id(m=\(self.memoryKiB) KiB, t=\(self.iterations), p=\(self.parallelism))"
    }
}
