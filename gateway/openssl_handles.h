#pragma once
// RAII for the OpenSSL crypto handles the key loaders hold, declared once (EVP_PKEY's is in
// jws_signature.h, beside the key type that keeps it; SSL's in tls_context.h).
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include <memory>

namespace ssegw {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free_all(bio); }
};
struct BignumDeleter {
  void operator()(BIGNUM* n) const { BN_free(n); }
};
struct ParamBuilderDeleter {
  void operator()(OSSL_PARAM_BLD* builder) const { OSSL_PARAM_BLD_free(builder); }
};
struct ParamsDeleter {
  void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};
struct EvpPkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct EvpMdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct X509Deleter {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
// What OpenSSL allocates for its callers (PEM_read_bio's name, header and data).
struct OpenSslFree {
  void operator()(void* p) const { OPENSSL_free(p); }
};

using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using BignumPtr = std::unique_ptr<BIGNUM, BignumDeleter>;
using ParamBuilderPtr = std::unique_ptr<OSSL_PARAM_BLD, ParamBuilderDeleter>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, ParamsDeleter>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxDeleter>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

// Errors OpenSSL queues while a key is loaded are this scope's own: they leave with it, so
// the next TLS call on the thread does not read a stale reason as its own. A mark rather
// than ERR_clear_error keeps whatever the caller had queued before.
class OpenSslErrorScope {
 public:
  OpenSslErrorScope() { ERR_set_mark(); }
  ~OpenSslErrorScope() { ERR_pop_to_mark(); }
  OpenSslErrorScope(const OpenSslErrorScope&) = delete;
  OpenSslErrorScope& operator=(const OpenSslErrorScope&) = delete;
};

}  // namespace ssegw
