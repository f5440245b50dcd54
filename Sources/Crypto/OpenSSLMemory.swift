internal import COpenSSLMemory

/// Process-wide OpenSSL memory settings.
public enum OpenSSLMemory {
    /// Serves OpenSSL's ~17 KB record buffers from recycled pools and its small objects from
    /// size-class slabs instead of the heap (see COpenSSLMemory's pools.c and small.c for why).
    /// Call once, first thing in `main`, before any TLS or crypto use.
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
    enum Home: Int { case heap = 0, recordPool = 1, pagePool = 2, smallSlabs = 3 }

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
        /// The slot size of a small-object pointer (0 when it is not one).
        static func slotSize(_ pointer: UnsafeMutableRawPointer) -> Int {
            Int(mps_small_test_slot_size(pointer))
        }
    }
}
