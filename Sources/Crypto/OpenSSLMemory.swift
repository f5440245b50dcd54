internal import COpenSSL

/// Process-wide OpenSSL memory settings.
public enum OpenSSLMemory {
    /// Serves OpenSSL's ~17 KB record buffers from a recycled pool instead of the heap (see
    /// shim_memory.h for why). Call once, first thing in `main`, before any TLS or crypto use.
    /// Returns false when OpenSSL had already allocated (then nothing changes).
    @discardableResult
    public static func usePooledRecordBuffers() -> Bool {
        mps_install_openssl_pool() == 1
    }

    /// Gives back the pages of pooled blocks that are free beyond the warm sets (after a burst
    /// of connections, with the heap trim). Safe at any time from any thread.
    public static func returnIdlePages() {
        mps_pools_trim()
    }

    /// Where an allocation of OpenSSL's would live.
    enum Home: Int { case heap = 0, recordPool = 1, pagePool = 2 }

    /// The pools' allocation paths, called directly (for tests; OpenSSL is not involved).
    enum Paths {
        static func reserve() -> Bool { mps_pool_reserve_both() == 1 }
        static func allocate(_ count: Int) -> UnsafeMutableRawPointer? {
            mps_pool_test_malloc(count)
        }
        static func reallocate(
            _ pointer: UnsafeMutableRawPointer?, _ count: Int
        ) -> UnsafeMutableRawPointer? {
            mps_pool_test_realloc(pointer, count)
        }
        static func free(_ pointer: UnsafeMutableRawPointer?) { mps_pool_test_free(pointer) }
        static func trim() { mps_pools_trim() }
        static func home(_ pointer: UnsafeMutableRawPointer) -> Home {
            Home(rawValue: Int(mps_pool_test_owner(pointer))) ?? .heap
        }
    }
}
