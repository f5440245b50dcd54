// TLS macro wrappers (owned by the NetCore/TLS work).
#ifndef MPS_COPENSSL_SHIM_TLS_H
#define MPS_COPENSSL_SHIM_TLS_H
#include <openssl/ssl.h>

static inline long mps_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}
static inline long mps_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}
#endif
