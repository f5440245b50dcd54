#ifndef MPS_CARGON2_SHIM_H
#define MPS_CARGON2_SHIM_H
#include <argon2.h>
#include <stdint.h>
#include <stdlib.h>

// Verification with a per-thread memory block that is reused from one verify to the next, so
// that a burst of device logins (a reconnect storm) does not map, fault in and unmap megabytes
// of fresh memory for every password. libargon2 wipes the block before releasing it. Blocks
// above 8 MiB (web-user passwords) are allocated and freed each time. An idle thread gives its
// block back (mps_argon2_release_thread_block), so a quiet server does not hold it.
struct mps_argon2_cache { uint8_t *block; size_t size; };

static struct mps_argon2_cache *mps_argon2_thread_cache(void) {
    static __thread struct mps_argon2_cache cache = { NULL, 0 };
    return &cache;
}
#define mps_argon2_block (mps_argon2_thread_cache()->block)
#define mps_argon2_block_size (mps_argon2_thread_cache()->size)

static int mps_argon2_allocate(uint8_t **memory, size_t bytes) {
    if (bytes > ((size_t)8 << 20)) {
        *memory = (uint8_t *)malloc(bytes);
        return *memory ? ARGON2_OK : ARGON2_MEMORY_ALLOCATION_ERROR;
    }
    if (mps_argon2_block_size < bytes) {
        free(mps_argon2_block);
        mps_argon2_block = (uint8_t *)malloc(bytes);
        mps_argon2_block_size = mps_argon2_block ? bytes : 0;
    }
    *memory = mps_argon2_block;
    return mps_argon2_block ? ARGON2_OK : ARGON2_MEMORY_ALLOCATION_ERROR;
}

static void mps_argon2_deallocate(uint8_t *memory, size_t bytes) {
    (void)bytes;
    if (memory != mps_argon2_block) free(memory);
}

/// Frees this thread's reused block (already wiped by libargon2 after its last use).
static inline void mps_argon2_release_thread_block(void) {
    free(mps_argon2_block);
    mps_argon2_block = NULL;
    mps_argon2_block_size = 0;
}

/// The size of this thread's reused block (0 when it holds none).
static inline size_t mps_argon2_thread_block_bytes(void) { return mps_argon2_block_size; }

/// argon2id_verify_ctx with the reusing allocator.
static inline int mps_argon2id_verify_reusing(argon2_context *ctx, const char *hash) {
    ctx->allocate_cbk = mps_argon2_allocate;
    ctx->free_cbk = mps_argon2_deallocate;
    return argon2id_verify_ctx(ctx, hash);
}
#endif
