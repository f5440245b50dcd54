#ifndef MPS_CARGON2_SHIM_H
#define MPS_CARGON2_SHIM_H
#include <argon2.h>
#include <stdint.h>
#include <stdlib.h>

// No state lives here: a function-local static in this header is emitted once per Swift
// compilation unit that uses it (the release build had two copies of a thread-local block
// cache, so freeing one never freed the block the other held). The per-thread argon2 block
// is kept by PasswordHash/VerifyMemory.swift instead.
#endif
