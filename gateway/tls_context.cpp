// Interim: the first certificate only, ALPN, no SNI; replaced by the full version.
#include "tls_context.h"

#include <openssl/err.h>

#include <cstring>
#include <string_view>

#include "config_error.h"

namespace ssegw {
namespace {
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned int inlen, void* arg) {
  const bool http2 = arg != nullptr;
  for (const char* want : {"h2", "http/1.1"}) {
    if (!http2 && std::string_view(want) == "h2") continue;
    const size_t wl = std::strlen(want);
    for (unsigned int i = 0; i < inlen;) {
      const unsigned int l = in[i];
      if (i + 1 + l > inlen) break;
      if (l == wl && std::memcmp(in + i + 1, want, wl) == 0) {
        *out = in + i + 1;
        *outlen = static_cast<unsigned char>(l);
        return SSL_TLSEXT_ERR_OK;
      }
      i += 1 + l;
    }
  }
  return SSL_TLSEXT_ERR_NOACK;
}
}  // namespace

std::shared_ptr<const TlsContext> TlsContext::create(const TlsSettings& settings, bool http2) {
  std::shared_ptr<TlsContext> out(new TlsContext());
  out->ktls_ = settings.ktls;
  out->default_ctx_.reset(SSL_CTX_new(TLS_server_method()));
  SSL_CTX* ctx = out->default_ctx_.get();
  const TlsCertificate& cert = settings.certificates.at(0);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, cert.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    ERR_clear_error();
    throw ConfigError(cert.where + ": " + buf);
  }
  SSL_CTX_set_min_proto_version(ctx, settings.min_version);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | (settings.ktls ? SSL_OP_ENABLE_KTLS : 0));
  SSL_CTX_set_alpn_select_cb(ctx, &select_alpn, http2 ? ctx : nullptr);
  return out;
}

SslPtr TlsContext::new_ssl() const {
  return SslPtr(SSL_new(default_ctx_.get()));
}

}  // namespace ssegw
