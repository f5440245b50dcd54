// TLS macro wrappers (owned by the NetCore/TLS work). OpenSSL 3 spells many SSL_CTX and SSL
// controls as macros over SSL_CTX_ctrl/SSL_ctrl, and its option bits as casts Swift cannot
// import; each gets a static inline function with the mps_ prefix here.
#ifndef MPS_COPENSSL_SHIM_TLS_H
#define MPS_COPENSSL_SHIM_TLS_H
#include <openssl/ssl.h>
#include <openssl/x509.h>

static inline long mps_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}
static inline long mps_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_max_proto_version(ctx, version);
}
static inline long mps_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}
static inline long mps_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}
/// Adds one intermediate/root to the certificates sent after the server's own. Kept once in
/// the context: a chain set with SSL_CTX_add1_chain_cert is copied into every SSL (a stack of
/// two allocations per connection). Takes its own reference to `cert`.
static inline long mps_SSL_CTX_add_extra_chain_cert_ref(SSL_CTX *ctx, X509 *cert) {
    if (X509_up_ref(cert) != 1) return 0;
    long ok = SSL_CTX_add_extra_chain_cert(ctx, cert);
    if (ok != 1) X509_free(cert);
    return ok;
}
static inline long mps_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

// Option bits (uint64_t casts in OpenSSL 3).
static inline uint64_t mps_SSL_OP_NO_TICKET(void) { return SSL_OP_NO_TICKET; }
static inline uint64_t mps_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }
static inline uint64_t mps_SSL_OP_NO_COMPRESSION(void) { return SSL_OP_NO_COMPRESSION; }
static inline uint64_t mps_SSL_OP_CIPHER_SERVER_PREFERENCE(void) {
    return SSL_OP_CIPHER_SERVER_PREFERENCE;
}
static inline uint64_t mps_SSL_OP_IGNORE_UNEXPECTED_EOF(void) {
    return SSL_OP_IGNORE_UNEXPECTED_EOF;
}
#endif
