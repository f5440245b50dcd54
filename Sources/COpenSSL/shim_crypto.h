// Crypto/X.509 macro wrappers (owned by the Crypto work).
#ifndef MPS_COPENSSL_SHIM_CRYPTO_H
#define MPS_COPENSSL_SHIM_CRYPTO_H
#include <openssl/bio.h>

static inline long mps_BIO_get_mem_data(BIO *bio, char **out) {
    return BIO_get_mem_data(bio, out);
}

/* ---- X.509 (owned by the certs work) -------------------------------------------- */
#include <openssl/x509v3.h>

static inline void mps_OPENSSL_free(void *p) { OPENSSL_free(p); }

/* The subjectAltName extension of `x`, decoded; NULL if absent or malformed. */
static inline GENERAL_NAMES *mps_X509_get_subject_alt_names(const X509 *x) {
    return (GENERAL_NAMES *)X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
}
static inline int mps_GENERAL_NAMES_count(const GENERAL_NAMES *names) {
    return sk_GENERAL_NAME_num(names);
}
/* Type (GEN_DNS, GEN_IPADD, ...) of entry `i`; for DNS and IP entries also its raw bytes. */
static inline int mps_GENERAL_NAMES_entry(
    const GENERAL_NAMES *names, int i, const unsigned char **data, int *length) {
    const GENERAL_NAME *name = sk_GENERAL_NAME_value(names, i);
    const ASN1_STRING *value = NULL;
    *data = NULL;
    *length = 0;
    if (name == NULL) return -1;
    if (name->type == GEN_DNS) value = name->d.dNSName;
    if (name->type == GEN_IPADD) value = name->d.iPAddress;
    if (value != NULL) {
        *data = ASN1_STRING_get0_data(value);
        *length = ASN1_STRING_length(value);
    }
    return name->type;
}
/* Appends a DNS (IA5String) or IP (octet string) entry; 1 on success, 0 on failure. */
static inline int mps_GENERAL_NAMES_append(
    GENERAL_NAMES *names, int type, const unsigned char *data, int length) {
    GENERAL_NAME *name = GENERAL_NAME_new();
    ASN1_STRING *value = (type == GEN_DNS) ? ASN1_IA5STRING_new() : ASN1_OCTET_STRING_new();
    if (name == NULL || value == NULL || ASN1_STRING_set(value, data, length) != 1) {
        GENERAL_NAME_free(name);
        ASN1_STRING_free(value);
        return 0;
    }
    GENERAL_NAME_set0_value(name, type, value);
    if (sk_GENERAL_NAME_push(names, name) <= 0) {
        GENERAL_NAME_free(name);
        return 0;
    }
    return 1;
}
/* ---- end X.509 ------------------------------------------------------------------- */
#endif
