internal import CLinux

/// Process-wide allocator settings for a server that holds many long-lived connections.
public enum MemoryTuning {
    /// OpenSSL allocates 16 KiB record buffers for every handshake and, with buffers released
    /// between reads, for every read and write. Interleaved with the small long-lived objects
    /// of thousands of tunnels they fragment the heap: freed, they cannot be given back. Served
    /// by mmap they never enter the heap. Measured with 4,000 idle devices: 43 KB of RSS per
    /// device without this, 18 KB with it (Benchmarks/README.md).
    public static func preferMmapForLargeBuffers(threshold: Int = 16 * 1024) {
        _ = mps_set_mmap_threshold(Int32(threshold))
    }

    /// Gives free heap pages back to the kernel (after a burst of connections has ended).
    public static func trim() {
        _ = mps_malloc_trim()
    }
}

/// When to give freed heap pages back: once a burst has ended (the sampled number of
/// connections held still for one sample after changing), and every `fallbackSamples` samples
/// in any case. A reconnect storm leaves the heap holes of its last handshakes in flight, which
/// only a trim returns; trimming while the count still moves would mostly find them refilled.
public struct TrimSchedule: Sendable {
    public let fallbackSamples: Int
    private var previous: Int?
    private var trimmedAt: Int?
    private var samplesSinceTrim = 0

    public init(fallbackSamples: Int = 6) {
        self.fallbackSamples = max(1, fallbackSamples)
    }

    /// Records one sample of the connection count; true when the caller should trim now.
    public mutating func sample(_ count: Int) -> Bool {
        defer { self.previous = count }
        self.samplesSinceTrim += 1
        let settled = count == self.previous && count != self.trimmedAt
        guard settled || self.samplesSinceTrim >= self.fallbackSamples else { return false }
        self.trimmedAt = count
        self.samplesSinceTrim = 0
        return true
    }
}
