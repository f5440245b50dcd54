internal import CArgon2
internal import Foundation

/// The memory block argon2 verification uses, kept per thread from one verify to the next, so
/// that a burst of device logins (a reconnect storm) does not map, fault in and unmap a
/// megabyte of fresh memory for every password. libargon2 wipes the block before it hands it
/// back. Blocks above 8 MiB (web-user passwords) are allocated and freed each time. An idle
/// thread gives its block back (``release()``), so a quiet server holds none.
///
/// The block and its size live in two pthread keys; a thread that exits frees its block.
enum VerifyMemory {
    static let largestReused = 8 << 20

    private static let blockKey = makeKey(destructor: { free($0) })
    private static let sizeKey = makeKey(destructor: nil)

    private static func makeKey(destructor: (@convention(c) (UnsafeMutableRawPointer?) -> Void)?)
        -> pthread_key_t
    {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, destructor) == 0, "pthread_key_create failed")
        return key
    }

    /// This thread's block and its size in bytes (nil, 0 when it holds none).
    private static var current: (UnsafeMutableRawPointer?, Int) {
        (pthread_getspecific(blockKey), Int(bitPattern: pthread_getspecific(sizeKey)))
    }

    private static func setCurrent(_ block: UnsafeMutableRawPointer?, _ size: Int) {
        pthread_setspecific(blockKey, block)
        pthread_setspecific(sizeKey, UnsafeRawPointer(bitPattern: size))
    }

    /// Bytes held by this thread (0: none).
    static var bytes: Int { current.1 }

    /// Frees this thread's block.
    static func release() {
        let (block, _) = current
        free(block)
        setCurrent(nil, 0)
    }

    /// libargon2's allocation callback.
    static let allocate: allocate_fptr = { memory, bytes in
        guard let memory else { return ARGON2_MEMORY_ALLOCATION_ERROR.rawValue }
        if bytes > VerifyMemory.largestReused {
            memory.pointee = malloc(bytes)?.assumingMemoryBound(to: UInt8.self)
            return memory.pointee == nil ? ARGON2_MEMORY_ALLOCATION_ERROR.rawValue : ARGON2_OK.rawValue
        }
        var (block, size) = VerifyMemory.current
        if size < bytes {
            free(block)
            block = malloc(bytes)
            size = block == nil ? 0 : bytes
            VerifyMemory.setCurrent(block, size)
        }
        memory.pointee = block?.assumingMemoryBound(to: UInt8.self)
        return block == nil ? ARGON2_MEMORY_ALLOCATION_ERROR.rawValue : ARGON2_OK.rawValue
    }

    /// libargon2's release callback: keeps this thread's block, frees any other.
    static let deallocate: deallocate_fptr = { memory, _ in
        guard let memory else { return }
        if UnsafeMutableRawPointer(memory) != VerifyMemory.current.0 { free(memory) }
    }
}
