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
}
