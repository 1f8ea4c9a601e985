#pragma once
// The OpenSSL server context of one TLS listener: its certificates (chosen by SNI), protocol
// floor, ALPN (h2 when the listener speaks HTTP/2) and session tickets. Immutable once made;
// a SIGHUP reload makes a new one and new handshakes take it, while established connections
// keep the SSL_CTX they were made with (OpenSSL counts its references).
#include <openssl/ssl.h>

#include <cstddef>
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

// Why one certificate entry did not load, so the config loader can point at the exact key.
struct TlsLoadError {
  size_t certificate = 0;  // index into TlsSettings::certificates
  std::string key;         // "cert_file" or "key_file"
  std::string reason;      // the path, what was wrong and OpenSSL's words
};

class TlsContext {
 public:
  // Loads and checks every certificate and key; throws ConfigError naming the entry's
  // `where`, the key and OpenSSL's reason.
  static std::shared_ptr<const TlsContext> create(const TlsSettings& settings, bool http2);
  // The same with the failure as a value: null and `error` filled in.
  static std::shared_ptr<const TlsContext> load(const TlsSettings& settings, bool http2,
                                                TlsLoadError& error);

  // A new server-side SSL for an accepted socket, not yet bound to it; null when OpenSSL is
  // out of memory.
  SslPtr new_ssl() const;
  bool ktls_requested() const { return ktls_; }

 private:
  TlsContext() = default;
  // The first certificate's context. The others hang off it (ex_data) for the SNI callback,
  // so they live as long as any SSL made from it, whatever happens to this object.
  SslCtxPtr default_ctx_;
  bool ktls_ = false;
};

}  // namespace ssegw
