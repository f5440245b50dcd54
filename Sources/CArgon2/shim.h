#ifndef MPS_CARGON2_SHIM_H
#define MPS_CARGON2_SHIM_H
#include <argon2.h>
#endif
