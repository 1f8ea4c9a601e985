#pragma once
// The load client's TLS transport: one OpenSSL client session over a non-blocking socket that
// the caller's epoll loop owns. Handshake, read and write never block; each says what the
// socket must become (readable or writable) before it is worth calling again.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bridges/sse/tls_client_context.h"

namespace ssegw::bench {

enum class TlsIo { kDone, kWantRead, kWantWrite, kClosed, kError };

class TlsClientSocket {
 public:
  // `ssl` is a client session already set up for the peer's name; `fd` stays the caller's.
  TlsClientSocket(sse::SslPtr ssl, int fd);

  // Drives SSL_connect; kDone once the handshake (and the certificate check) is over.
  TlsIo handshake();
  // At most `cap` plaintext bytes into `out`; `got` is how many arrived.
  TlsIo read(char* out, size_t cap, size_t& got);
  // Writes as much of `data` as the socket takes; `put` is how much.
  TlsIo write(std::string_view data, size_t& put);

  bool established() const { return established_; }
  // The protocol the server chose by ALPN ("h2", "http/1.1"), empty when none.
  std::string_view alpn() const;
  const std::string& error() const { return error_; }

 private:
  TlsIo classify(int ret);

  sse::SslPtr ssl_;
  bool established_ = false;
  std::string error_;
};

// The client context of one load process: the CA it trusts, the name it expects (sent as SNI
// and checked against the certificate) and the ALPN list it offers.
class TlsClientSetup {
 public:
  // Throws std::runtime_error when the CA file cannot be loaded (at startup only).
  TlsClientSetup(const std::string& ca_file, std::string server_name,
                 const std::vector<std::string>& alpn);

  // A TLS session over `fd`, or null with `error` set.
  std::unique_ptr<TlsClientSocket> wrap(int fd, std::string& error) const;

 private:
  sse::TlsClientContext context_;
  std::string server_name_;
  std::string alpn_wire_;  // length-prefixed protocol names, as SSL_set_alpn_protos takes them
};

}  // namespace ssegw::bench
