// The one header Swift sees of OpenSSL 3. Macro "functions" that Swift cannot call are
// wrapped here as static inline functions with the mps_ prefix.
#ifndef MPS_COPENSSL_SHIM_H
#define MPS_COPENSSL_SHIM_H
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/crypto.h>

#include "shim_tls.h"
#include "shim_crypto.h"
#endif
