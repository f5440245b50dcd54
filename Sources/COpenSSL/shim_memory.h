// A pool for OpenSSL's record buffers (owned by the TLS work).
//
// With SSL_MODE_RELEASE_BUFFERS every TLS read, write and handshake allocates and frees ~17 KB
// buffers. From the heap they fragment it around the small long-lived objects of thousands of
// idle tunnels (freed but unreturnable memory: 43 KB of RSS per idle device instead of 17);
// from mmap they cost a syscall, page faults and a TLB shootdown each. Instead, allocations of
// 16-20 KiB (and buffers grown by realloc from 4 KiB, below) come from one reserved region of
// equal blocks that are recycled; everything else goes to malloc. A block that was freed keeps
// its pages (bounded by a small warm set), and the region is only reserved address space until
// touched.
#ifndef MPS_COPENSSL_SHIM_MEMORY_H
#define MPS_COPENSSL_SHIM_MEMORY_H
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

struct mps_pool {
    uint8_t *base;
    uint32_t free_list[MPS_POOL_BLOCKS];
    uint32_t free_count;
    uint32_t next_fresh;
    pthread_mutex_t lock;
};

// The one pool of the process, as a function-local static so that the definition is emitted
// wherever this header's functions are (file-scope statics in headers are not, from Swift).
static struct mps_pool *mps_pool_state(void) {
    static struct mps_pool pool = { NULL, {0}, 0, 0, PTHREAD_MUTEX_INITIALIZER };
    return &pool;
}
#define mps_pool_base (mps_pool_state()->base)
#define mps_pool_free_count (mps_pool_state()->free_count)
#define mps_pool_next_fresh (mps_pool_state()->next_fresh)
#define mps_pool_lock (mps_pool_state()->lock)
#define mps_pool_free (mps_pool_state()->free_list)

static inline int mps_pool_owns(const void *p) {
    return mps_pool_base != NULL && (const uint8_t *)p >= mps_pool_base
        && (const uint8_t *)p < mps_pool_base + MPS_POOL_BLOCK * MPS_POOL_BLOCKS;
}

static void *mps_pool_take(void) {
    void *block = NULL;
    pthread_mutex_lock(&mps_pool_lock);
    if (mps_pool_free_count > 0) {
        block = mps_pool_base + MPS_POOL_BLOCK * mps_pool_free[--mps_pool_free_count];
    } else if (mps_pool_next_fresh < MPS_POOL_BLOCKS) {
        block = mps_pool_base + MPS_POOL_BLOCK * mps_pool_next_fresh++;
    }
    pthread_mutex_unlock(&mps_pool_lock);
    return block;
}

// Free blocks beyond this many give their pages back (a reconnect storm must not leave its
// peak of in-flight buffers resident); the ones below it stay warm for the next handshakes.
// 64 blocks (1.3 MiB) cover the buffers a loop has in use at once outside a storm; at 1,024
// the warm set alone came to 20 MiB, 2 KB per device of a 10,000-device fleet.
#define MPS_POOL_WARM 64

static void mps_pool_give(void *p) {
    uint32_t index = (uint32_t)(((uint8_t *)p - mps_pool_base) / MPS_POOL_BLOCK);
    pthread_mutex_lock(&mps_pool_lock);
    int cold = mps_pool_free_count >= MPS_POOL_WARM;
    mps_pool_free[mps_pool_free_count++] = index;
    pthread_mutex_unlock(&mps_pool_lock);
    if (cold) madvise(p, MPS_POOL_BLOCK, MADV_DONTNEED);
}

static void *mps_pool_malloc(size_t n, const char *file, int line) {
    (void)file; (void)line;
    if (n >= MPS_POOL_MIN && n <= MPS_POOL_BLOCK) {
        void *block = mps_pool_take();
        if (block != NULL) return block;
    }
    return malloc(n);
}

static void mps_pool_free_fn(void *p, const char *file, int line) {
    (void)file; (void)line;
    if (p == NULL) return;
    if (mps_pool_owns(p)) mps_pool_give(p); else free(p);
}

// Buffers that OpenSSL grows by realloc (the handshake's message buffer, a BUF_MEM of ~8 KB
// while the server's flight is built, freed when the handshake ends) move into the pool once
// they reach this size. From the heap, the last steps of every handshake in flight during a
// connection storm stayed behind as 8 KB holes between long-lived session objects: 13 MB of
// 44 MB per loop's heap with 4,000 devices. A pool block gives its pages back instead.
#define MPS_POOL_GROW_MIN ((size_t)4 * 1024)

static void *mps_pool_realloc(void *p, size_t n, const char *file, int line) {
    if (!mps_pool_owns(p)) {
        if (n >= MPS_POOL_GROW_MIN && n <= MPS_POOL_BLOCK) {
            void *block = mps_pool_take();
            if (block != NULL) {
                if (p != NULL) {
                    size_t old = malloc_usable_size(p);
                    memcpy(block, p, old < n ? old : n);
                    free(p);
                }
                return block;
            }
        }
        return p == NULL ? mps_pool_malloc(n, file, line) : realloc(p, n);
    }
    if (n <= MPS_POOL_BLOCK) return p;
    void *bigger = malloc(n);
    if (bigger == NULL) return NULL;
    memcpy(bigger, p, MPS_POOL_BLOCK);
    mps_pool_give(p);
    return bigger;
}

/// Installs the pool. Must run before OpenSSL allocates anything; returns 1 on success.
static inline int mps_install_openssl_pool(void) {
    void *region = mmap(NULL, MPS_POOL_BLOCK * MPS_POOL_BLOCKS, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (region == MAP_FAILED) return 0;
    mps_pool_base = (uint8_t *)region;
    if (CRYPTO_set_mem_functions(mps_pool_malloc, mps_pool_realloc, mps_pool_free_fn) != 1) {
        munmap(region, MPS_POOL_BLOCK * MPS_POOL_BLOCKS);
        mps_pool_base = NULL;
        return 0;
    }
    return 1;
}
#endif
