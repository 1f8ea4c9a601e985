#pragma once
// The OpenSSL server context of one TLS listener: its certificates (chosen by SNI), protocol
// floor, ALPN (h2 when the listener speaks HTTP/2) and session tickets. Immutable once made;
// a SIGHUP reload makes a new one and new handshakes take it, while established connections
// keep the SSL_CTX they were made with (OpenSSL counts its references).
#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "config.h"

namespace ssegw {

struct SslCtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslDeleter {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;
using SslPtr = std::unique_ptr<SSL, SslDeleter>;

class TlsContext {
 public:
  // Loads and checks every certificate and key; throws ConfigError naming the entry's
  // `where`, the key and OpenSSL's reason.
  static std::shared_ptr<const TlsContext> create(const TlsSettings& settings, bool http2);

  // A new server-side SSL for an accepted socket, not yet bound to it.
  SslPtr new_ssl() const;
  bool ktls_requested() const { return ktls_; }

 private:
  TlsContext() = default;
  SslCtxPtr default_ctx_;           // the first certificate
  std::vector<SslCtxPtr> by_name_;  // the others, switched to by the SNI callback
  bool ktls_ = false;
};

}  // namespace ssegw
