// Crypto/X.509 macro wrappers (owned by the Crypto work).
#ifndef MPS_COPENSSL_SHIM_CRYPTO_H
#define MPS_COPENSSL_SHIM_CRYPTO_H
#include <openssl/bio.h>

static inline long mps_BIO_get_mem_data(BIO *bio, char **out) {
    return BIO_get_mem_data(bio, out);
}
#endif
