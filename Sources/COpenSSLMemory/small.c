// Small objects of OpenSSL (1 to 1023 bytes) in size-class slabs.
//
// An idle TLS session holds about 31 small heap objects (session, cipher contexts, lists,
// locks). From glibc each costs an 8-byte header and a rounding to 16 bytes with a 32-byte
// minimum, about 12 bytes per object over its request; here a slot has no header and its class
// is the request rounded up to 8 bytes (16 above 256). And a handshake's temporaries of one
// size reuse the slots the previous handshake freed in their own class, instead of leaving
// holes between the long-lived objects of other sizes.
//
// Layout: one reserved region of 16 KiB slabs (address space only until touched). A side
// table gives each slab its class, its count of used slots, its free-slot list (the next free
// slot's index is kept in the first 4 bytes of a free slot) and its links in its class's list
// of slabs with free slots. Empty slabs go back to a shared stack; beyond a small warm set their
// pages are returned at a trim. Each class has its own lock; the shared stack has one.
#include "internal.h"
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#define SLAB_SIZE ((size_t)16 * 1024)
#define SLAB_COUNT ((uint32_t)32768)  // 512 MiB of address space
#define CLASS_COUNT 80               // 8..256 by 8, then 272..1024 by 16
#define WARM_SLABS 8
#define NONE UINT32_MAX

struct slab {
    uint32_t next, prev;   // links in the class's list of slabs with free slots
    uint32_t free_head;    // first free slot, NONE when only fresh slots remain
    uint16_t used;         // slots handed out
    uint16_t fresh;        // slots never handed out start here
    uint8_t cls;
    uint8_t listed;        // in its class's list
};

struct size_class {
    pthread_mutex_t lock;
    uint32_t partial;      // first slab with a free slot, NONE if none
};

static uint8_t *region;
static struct slab slabs[SLAB_COUNT];
static struct size_class classes[CLASS_COUNT];
static pthread_mutex_t stack_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t stack[SLAB_COUNT];  // empty slabs, top at stack_count - 1
static uint32_t stack_count;
static uint32_t cold_count;         // the bottom entries of the stack have no pages
static uint32_t next_untouched;     // slabs from here on were never used

static inline unsigned class_of(size_t n) {
    if (n <= 256) return n == 0 ? 0 : (unsigned)((n + 7) / 8 - 1);
    return 32 + (unsigned)((n - 256 + 15) / 16) - 1;
}

static inline size_t class_size(unsigned c) {
    return c < 32 ? (size_t)(c + 1) * 8 : 256 + (size_t)(c - 31) * 16;
}

static inline uint16_t class_capacity(unsigned c) { return (uint16_t)(SLAB_SIZE / class_size(c)); }

static inline uint8_t *slab_base(uint32_t s) { return region + (size_t)s * SLAB_SIZE; }

int mps_small_reserve(void) {
    if (region != NULL) return 1;
    void *r = mmap(NULL, SLAB_SIZE * SLAB_COUNT, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED) return 0;
    for (unsigned c = 0; c < CLASS_COUNT; c++) {
        pthread_mutex_init(&classes[c].lock, NULL);
        classes[c].partial = NONE;
    }
    region = (uint8_t *)r;
    return 1;
}

void mps_small_release_reservation(void) {
    if (region == NULL) return;
    munmap(region, SLAB_SIZE * SLAB_COUNT);
    region = NULL;
}

int mps_small_owns(const void *p) {
    return region != NULL && (const uint8_t *)p >= region
        && (const uint8_t *)p < region + SLAB_SIZE * SLAB_COUNT;
}

/// An empty slab for class `c`, or NONE when the region is used up.
static uint32_t take_slab(unsigned c) {
    uint32_t s = NONE;
    pthread_mutex_lock(&stack_lock);
    if (stack_count > 0) {
        s = stack[--stack_count];
        if (cold_count > stack_count) cold_count = stack_count;
    } else if (next_untouched < SLAB_COUNT) {
        s = next_untouched++;
    }
    pthread_mutex_unlock(&stack_lock);
    if (s == NONE) return NONE;
    struct slab *slab = &slabs[s];
    slab->next = slab->prev = NONE;
    slab->free_head = NONE;
    slab->used = 0;
    slab->fresh = 0;
    slab->cls = (uint8_t)c;
    slab->listed = 0;
    return s;
}

static void give_slab(uint32_t s) {
    pthread_mutex_lock(&stack_lock);
    stack[stack_count++] = s;
    pthread_mutex_unlock(&stack_lock);
}

// The class's lock is held for these two.
static void list_push(struct size_class *k, uint32_t s) {
    struct slab *slab = &slabs[s];
    slab->prev = NONE;
    slab->next = k->partial;
    if (k->partial != NONE) slabs[k->partial].prev = s;
    k->partial = s;
    slab->listed = 1;
}

static void list_remove(struct size_class *k, uint32_t s) {
    struct slab *slab = &slabs[s];
    if (slab->prev != NONE) slabs[slab->prev].next = slab->next; else k->partial = slab->next;
    if (slab->next != NONE) slabs[slab->next].prev = slab->prev;
    slab->next = slab->prev = NONE;
    slab->listed = 0;
}

void *mps_small_malloc(size_t n) {
    if (region == NULL || n > MPS_SMALL_MAX) return NULL;
    unsigned c = class_of(n);
    struct size_class *k = &classes[c];
    size_t size = class_size(c);
    pthread_mutex_lock(&k->lock);
    uint32_t s = k->partial;
    if (s == NONE) {
        s = take_slab(c);
        if (s == NONE) {
            pthread_mutex_unlock(&k->lock);
            return NULL;
        }
        list_push(k, s);
    }
    struct slab *slab = &slabs[s];
    uint8_t *p;
    if (slab->free_head != NONE) {
        p = slab_base(s) + (size_t)slab->free_head * size;
        uint32_t next;
        memcpy(&next, p, sizeof next);
        slab->free_head = next;
    } else {
        p = slab_base(s) + (size_t)slab->fresh * size;
        slab->fresh++;
    }
    slab->used++;
    if (slab->used == class_capacity(c)) list_remove(k, s);
    pthread_mutex_unlock(&k->lock);
    return p;
}

void mps_small_free(void *ptr) {
    uint8_t *p = (uint8_t *)ptr;
    uint32_t s = (uint32_t)((size_t)(p - region) / SLAB_SIZE);
    // The class of a slab with a live slot cannot change, so it is read before locking.
    unsigned c = slabs[s].cls;
    struct size_class *k = &classes[c];
    uint32_t index = (uint32_t)((size_t)(p - slab_base(s)) / class_size(c));
    pthread_mutex_lock(&k->lock);
    struct slab *slab = &slabs[s];
    memcpy(p, &slab->free_head, sizeof slab->free_head);
    slab->free_head = index;
    slab->used--;
    int give = 0;
    if (slab->used == 0) {
        if (slab->listed) list_remove(k, s);
        give = 1;
    } else if (!slab->listed) {
        list_push(k, s);
    }
    pthread_mutex_unlock(&k->lock);
    if (give) give_slab(s);
}

size_t mps_small_slot_size(const void *p) {
    if (!mps_small_owns(p)) return 0;
    uint32_t s = (uint32_t)((size_t)((const uint8_t *)p - region) / SLAB_SIZE);
    return class_size(slabs[s].cls);
}

// Returns the pages of empty slabs beyond the warm set. Holds the stack's lock throughout, so
// no slab can be taken (and filled) while its pages are being dropped.
void mps_small_trim(void) {
    if (region == NULL) return;
    pthread_mutex_lock(&stack_lock);
    if (stack_count > WARM_SLABS) {
        uint32_t end = stack_count - WARM_SLABS;
        for (uint32_t i = cold_count; i < end; i++) {
            madvise(slab_base(stack[i]), SLAB_SIZE, MADV_DONTNEED);
        }
        if (end > cold_count) cold_count = end;
    }
    pthread_mutex_unlock(&stack_lock);
}
