// Shared between pools.c and small.c; not part of the module's interface.
#ifndef MPS_OPENSSL_MEMORY_INTERNAL_H
#define MPS_OPENSSL_MEMORY_INTERNAL_H
#include <stddef.h>

/// Requests of 1 to MPS_SMALL_MAX bytes go to the small-object slabs.
#define MPS_SMALL_MAX ((size_t)1023)

int mps_small_reserve(void);
void mps_small_release_reservation(void);
int mps_small_owns(const void *p);
void *mps_small_malloc(size_t n);
void mps_small_free(void *p);
size_t mps_small_slot_size(const void *p);
void mps_small_trim(void);
#endif
