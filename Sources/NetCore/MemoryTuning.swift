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
