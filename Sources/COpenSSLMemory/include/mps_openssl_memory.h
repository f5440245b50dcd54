// OpenSSL's memory functions (owned by the TLS work): recycled pools for its buffers and a
// size-class allocator for its small objects. See pools.c and small.c for why.
#ifndef MPS_OPENSSL_MEMORY_H
#define MPS_OPENSSL_MEMORY_H
#include <stddef.h>

/// Installs the allocators. Must run before OpenSSL allocates anything; returns 1 on success.
int mps_install_openssl_pool(void);

/// Gives back the pages of free blocks and slabs beyond the warm sets. Any thread, any time.
void mps_pools_trim(void);

// Entry points for tests of the allocation paths (without handing them to OpenSSL).
int mps_pool_reserve_both(void);
void *mps_pool_test_malloc(size_t n);
void *mps_pool_test_realloc(void *p, size_t n);
void mps_pool_test_free(void *p);
/// 0: the heap, 1: the 20 KiB pool, 2: the 4 KiB pool, 3: the small-object slabs.
int mps_pool_test_owner(const void *p);
/// The slot size of a small-object pointer (0 when `p` is not one).
size_t mps_small_test_slot_size(const void *p);
#endif
