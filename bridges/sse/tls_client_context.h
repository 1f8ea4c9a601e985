#pragma once
// The OpenSSL client side of an https upstream: one SSL_CTX per source that verifies the
// peer against the system CAs (or a configured CA file), and per-connection sessions with
// SNI and hostname (or IP address) verification.
#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace ssegw::sse {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using SslPtr = std::unique_ptr<SSL, SslFree>;

class TlsClientContext {
 public:
  // Empty ca_file: the system's default trust store. Throws std::runtime_error with the
  // OpenSSL reason when the context or the CA file cannot be loaded (at startup only).
  explicit TlsClientContext(const std::string& ca_file);

  // A session for one connection to `host`; null (with `error`) on failure.
  SslPtr new_session(const std::string& host, std::string& error) const;

 private:
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx_;
};

// The most recent OpenSSL error queue entries as text (and clears the queue).
std::string openssl_errors();

}  // namespace ssegw::sse
