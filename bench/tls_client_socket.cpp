#include "bench/tls_client_socket.h"

#include <openssl/err.h>

#include <cerrno>
#include <cstring>
#include <limits>

namespace ssegw::bench {

TlsClientSocket::TlsClientSocket(sse::SslPtr ssl, int fd) : ssl_(std::move(ssl)) {
  SSL_set_fd(ssl_.get(), fd);
  SSL_set_connect_state(ssl_.get());
  // The h2 output buffer may grow between a WANT_WRITE and the retry.
  SSL_set_mode(ssl_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

TlsIo TlsClientSocket::classify(int ret) {
  const int code = SSL_get_error(ssl_.get(), ret);
  switch (code) {
    case SSL_ERROR_WANT_READ:
      return TlsIo::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return TlsIo::kWantWrite;
    case SSL_ERROR_ZERO_RETURN:
      return TlsIo::kClosed;
    case SSL_ERROR_SYSCALL:
      // A peer that closes without close_notify looks like this with errno 0.
      if (ERR_peek_error() == 0 && errno == 0) return TlsIo::kClosed;
      error_ = errno ? std::strerror(errno) : sse::openssl_errors();
      ERR_clear_error();
      return TlsIo::kError;
    default:
      error_ = sse::openssl_errors();
      if (SSL_get_verify_result(ssl_.get()) != X509_V_OK) {
        error_ += std::string(" (") +
                  X509_verify_cert_error_string(SSL_get_verify_result(ssl_.get())) + ")";
      }
      return TlsIo::kError;
  }
}

TlsIo TlsClientSocket::handshake() {
  if (established_) return TlsIo::kDone;
  errno = 0;
  const int ret = SSL_do_handshake(ssl_.get());
  if (ret == 1) {
    established_ = true;
    return TlsIo::kDone;
  }
  return classify(ret);
}

TlsIo TlsClientSocket::read(char* out, size_t cap, size_t& got) {
  got = 0;
  errno = 0;
  const int want = static_cast<int>(std::min<size_t>(cap, std::numeric_limits<int>::max()));
  const int ret = SSL_read(ssl_.get(), out, want);
  if (ret > 0) {
    got = static_cast<size_t>(ret);
    return TlsIo::kDone;
  }
  return classify(ret);
}

TlsIo TlsClientSocket::write(std::string_view data, size_t& put) {
  put = 0;
  if (data.empty()) return TlsIo::kDone;
  errno = 0;
  const int want = static_cast<int>(std::min<size_t>(data.size(), std::numeric_limits<int>::max()));
  const int ret = SSL_write(ssl_.get(), data.data(), want);
  if (ret > 0) {
    put = static_cast<size_t>(ret);
    return TlsIo::kDone;
  }
  return classify(ret);
}

std::string_view TlsClientSocket::alpn() const {
  const unsigned char* name = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl_.get(), &name, &len);
  return name ? std::string_view(reinterpret_cast<const char*>(name), len) : std::string_view();
}

TlsClientSetup::TlsClientSetup(const std::string& ca_file, std::string server_name,
                               const std::vector<std::string>& alpn)
    : context_(ca_file), server_name_(std::move(server_name)) {
  for (const std::string& protocol : alpn) {
    alpn_wire_.push_back(static_cast<char>(protocol.size()));
    alpn_wire_ += protocol;
  }
}

std::unique_ptr<TlsClientSocket> TlsClientSetup::wrap(int fd, std::string& error) const {
  sse::SslPtr ssl = context_.new_session(server_name_, error);
  if (!ssl) return nullptr;
  if (!alpn_wire_.empty() &&
      SSL_set_alpn_protos(ssl.get(), reinterpret_cast<const unsigned char*>(alpn_wire_.data()),
                          static_cast<unsigned int>(alpn_wire_.size())) != 0) {
    error = "cannot set ALPN: " + sse::openssl_errors();
    return nullptr;
  }
  return std::make_unique<TlsClientSocket>(std::move(ssl), fd);
}

}  // namespace ssegw::bench
