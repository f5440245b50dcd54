// Pools for OpenSSL's buffers (owned by the TLS work), and the router that hands each of
// OpenSSL's requests to a pool, the small-object slabs (small.c) or malloc.
//
// With SSL_MODE_RELEASE_BUFFERS every TLS read, write and handshake allocates and frees ~17 KB
// buffers. From the heap they fragment it around the small long-lived objects of thousands of
// idle tunnels (freed but unreturnable memory: 43 KB of RSS per idle device instead of 17);
// from mmap they cost a syscall, page faults and a TLB shootdown each. Instead they come from
// reserved regions of equal blocks that are recycled:
// - 20 KiB blocks for requests of 16-20 KiB and for buffers grown by realloc from 4 KiB (the
//   handshake's ~8 KB message buffer, whose last steps stayed behind as 8 KB heap holes);
// - 4 KiB blocks (one page) for requests of 1-4 KiB: the handshake's temporaries of that size
//   (ClientHello extensions, transcript buffers) left about one hole per connection between
//   the long-lived session objects. No OpenSSL object of that size outlives a handshake here
//   (measured with heaptrack: the idle session's pieces are all below 1 KiB or above 7 KiB).
// Requests below 1 KiB go to the slabs of small.c; everything else goes to malloc. Free blocks
// beyond a small warm set give their pages back when the server trims (mps_pools_trim); the
// regions are reserved address space until touched.
//
// This is a C file, not a header of the COpenSSL module: a static in a header is emitted once
// per Swift compilation unit that uses it, so state kept there can exist twice.
#include "mps_openssl_memory.h"
#include "internal.h"
#include <openssl/crypto.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MPS_POOL_BLOCK ((size_t)20 * 1024)
#define MPS_POOL_MIN ((size_t)16 * 1024)
#define MPS_POOL_BLOCKS 8192
#define MPS_PAGE_BLOCK ((size_t)4 * 1024)
#define MPS_PAGE_MIN ((size_t)1024)
#define MPS_PAGE_BLOCKS 32768

struct mps_pool {
    uint8_t *base;
    size_t block;
    uint32_t capacity;
    // Free blocks beyond this many give their pages back at a trim; these stay warm.
    uint32_t warm;
    uint32_t *free_list;
    uint32_t free_count;
    // The bottom `cold_count` entries of the free list have had their pages returned (the
    // list is a stack: its bottom entries stay the same blocks until the list shrinks).
    uint32_t cold_count;
    uint32_t next_fresh;
    pthread_mutex_t lock;
};

// The pools of the process.
// Warm sets: 4 × 20 KiB and 8 × 4 KiB (at 1,024 the warm set alone came to 20 MiB, 2 KB per
// device of a 10,000-device fleet; at 64 and 256 still 2.3 MiB). Blocks beyond them cost only
// fresh page faults when next taken after a trim, which happens at most every 10 s.
static struct mps_pool *mps_pool_large(void) {
    static uint32_t list[MPS_POOL_BLOCKS];
    static struct mps_pool pool = {
        NULL, MPS_POOL_BLOCK, MPS_POOL_BLOCKS, 4, list, 0, 0, 0, PTHREAD_MUTEX_INITIALIZER };
    return &pool;
}
static struct mps_pool *mps_pool_page(void) {
    static uint32_t list[MPS_PAGE_BLOCKS];
    static struct mps_pool pool = {
        NULL, MPS_PAGE_BLOCK, MPS_PAGE_BLOCKS, 8, list, 0, 0, 0, PTHREAD_MUTEX_INITIALIZER };
    return &pool;
}

static inline int mps_pool_owns(struct mps_pool *pool, const void *p) {
    return pool->base != NULL && (const uint8_t *)p >= pool->base
        && (const uint8_t *)p < pool->base + pool->block * pool->capacity;
}

static void *mps_pool_take(struct mps_pool *pool) {
    void *block = NULL;
    pthread_mutex_lock(&pool->lock);
    if (pool->free_count > 0) {
        block = pool->base + pool->block * pool->free_list[--pool->free_count];
        if (pool->cold_count > pool->free_count) pool->cold_count = pool->free_count;
    } else if (pool->next_fresh < pool->capacity) {
        block = pool->base + pool->block * pool->next_fresh++;
    }
    pthread_mutex_unlock(&pool->lock);
    return block;
}

static void mps_pool_give(struct mps_pool *pool, void *p) {
    uint32_t index = (uint32_t)(((uint8_t *)p - pool->base) / pool->block);
    pthread_mutex_lock(&pool->lock);
    pool->free_list[pool->free_count++] = index;
    pthread_mutex_unlock(&pool->lock);
}

// Returns the pages of the free blocks beyond the warm set (a reconnect storm must not leave
// its peak of in-flight buffers resident). Not done on every free: under steady traffic that
// was a madvise, a TLB shootdown and fresh page faults per TLS read (a fifth of the server's
// CPU). Holds the lock throughout: a listed block may be taken and filled at any moment, and
// a late MADV_DONTNEED would zero its bytes (TLS records of zeros on the wire).
static void mps_pool_trim(struct mps_pool *pool) {
    if (pool->base == NULL) return;
    pthread_mutex_lock(&pool->lock);
    if (pool->free_count > pool->warm) {
        uint32_t end = pool->free_count - pool->warm;
        for (uint32_t i = pool->cold_count; i < end; i++) {
            madvise(pool->base + pool->block * pool->free_list[i], pool->block, MADV_DONTNEED);
        }
        if (end > pool->cold_count) pool->cold_count = end;
    }
    pthread_mutex_unlock(&pool->lock);
}

void mps_pools_trim(void) {
    mps_pool_trim(mps_pool_large());
    mps_pool_trim(mps_pool_page());
    mps_small_trim();
}

/// The pool that serves a fresh request of `n` bytes, or NULL for the slabs or the heap.
static inline struct mps_pool *mps_pool_for(size_t n) {
    if (n >= MPS_POOL_MIN && n <= MPS_POOL_BLOCK) return mps_pool_large();
    if (n >= MPS_PAGE_MIN && n <= MPS_PAGE_BLOCK) return mps_pool_page();
    return NULL;
}

/// The pool that owns `p`, or NULL when it came from the slabs or the heap.
static inline struct mps_pool *mps_pool_owner(const void *p) {
    if (mps_pool_owns(mps_pool_large(), p)) return mps_pool_large();
    if (mps_pool_owns(mps_pool_page(), p)) return mps_pool_page();
    return NULL;
}

static void *mps_pool_malloc(size_t n, const char *file, int line) {
    (void)file; (void)line;
    if (n <= MPS_SMALL_MAX) {
        void *slot = mps_small_malloc(n);
        if (slot != NULL) return slot;
        return malloc(n);
    }
    struct mps_pool *pool = mps_pool_for(n);
    if (pool != NULL) {
        void *block = mps_pool_take(pool);
        if (block != NULL) return block;
    }
    return malloc(n);
}

static void mps_pool_free_fn(void *p, const char *file, int line) {
    (void)file; (void)line;
    if (p == NULL) return;
    if (mps_small_owns(p)) {
        mps_small_free(p);
        return;
    }
    struct mps_pool *owner = mps_pool_owner(p);
    if (owner != NULL) mps_pool_give(owner, p); else free(p);
}

// Buffers that OpenSSL grows by realloc move into the 20 KiB pool once they reach this size.
#define MPS_POOL_GROW_MIN ((size_t)4 * 1024)

static inline int mps_grows_into_record_pool(size_t n) {
    return n >= MPS_POOL_GROW_MIN && n <= MPS_POOL_BLOCK;
}

/// A fresh place for a buffer that realloc grows: 4-20 KiB from the record pool, the rest as
/// a fresh request.
static void *mps_pool_malloc_grown(size_t n, const char *file, int line) {
    if (mps_grows_into_record_pool(n)) {
        void *block = mps_pool_take(mps_pool_large());
        if (block != NULL) return block;
    }
    return mps_pool_malloc(n, file, line);
}

static void *mps_pool_realloc(void *p, size_t n, const char *file, int line) {
    if (p == NULL) return mps_pool_malloc_grown(n, file, line);
    if (n == 0) {
        // realloc(p, 0) frees; OpenSSL's CRYPTO_realloc handles 0 itself, but be exact.
        mps_pool_free_fn(p, file, line);
        return NULL;
    }
    int small = mps_small_owns(p);
    struct mps_pool *owner = small ? NULL : mps_pool_owner(p);
    size_t old = small ? mps_small_slot_size(p)
        : owner != NULL ? owner->block : malloc_usable_size(p);
    if ((small || owner != NULL) && n <= old) return p;
    if (!small && owner == NULL && n > MPS_SMALL_MAX && mps_pool_for(n) == NULL
        && !mps_grows_into_record_pool(n)) {
        return realloc(p, n);  // heap to heap
    }
    // Moving: out of the slabs or a pool, or from the heap into a pool or the slabs.
    // Never more than the old size is read.
    void *moved = mps_pool_malloc_grown(n, file, line);
    if (moved == NULL) return NULL;
    memcpy(moved, p, old < n ? old : n);
    mps_pool_free_fn(p, file, line);
    return moved;
}

static int mps_pool_reserve(struct mps_pool *pool) {
    if (pool->base != NULL) return 1;
    size_t size = pool->block * pool->capacity;
    void *region = mmap(NULL, size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (region == MAP_FAILED) return 0;
    pool->base = (uint8_t *)region;
    return 1;
}

static void mps_pool_release_reservation(struct mps_pool *pool) {
    if (pool->base == NULL) return;
    munmap(pool->base, pool->block * pool->capacity);
    pool->base = NULL;
}

int mps_pool_reserve_both(void) {
    return mps_pool_reserve(mps_pool_large()) && mps_pool_reserve(mps_pool_page())
        && mps_small_reserve();
}

void *mps_pool_test_malloc(size_t n) { return mps_pool_malloc(n, "", 0); }
void *mps_pool_test_realloc(void *p, size_t n) { return mps_pool_realloc(p, n, "", 0); }
void mps_pool_test_free(void *p) { mps_pool_free_fn(p, "", 0); }

int mps_pool_test_owner(const void *p) {
    if (mps_small_owns(p)) return 3;
    struct mps_pool *owner = mps_pool_owner(p);
    return owner == NULL ? 0 : (owner == mps_pool_large() ? 1 : 2);
}

size_t mps_small_test_slot_size(const void *p) { return mps_small_slot_size(p); }

int mps_install_openssl_pool(void) {
    if (!mps_pool_reserve_both()
        || CRYPTO_set_mem_functions(mps_pool_malloc, mps_pool_realloc, mps_pool_free_fn) != 1) {
        mps_pool_release_reservation(mps_pool_large());
        mps_pool_release_reservation(mps_pool_page());
        mps_small_release_reservation();
        return 0;
    }
    return 1;
}
