#include "transport.h"

#include <errno.h>
#include <openssl/err.h>
#include <sys/socket.h>

#include <cstring>

namespace ssegw {
namespace {

std::string handshake_failure_reason(int ssl_error) {
  if (ssl_error == SSL_ERROR_ZERO_RETURN || ssl_error == SSL_ERROR_SYSCALL) return "eof";
  const unsigned long err = ERR_peek_error();
  if (ERR_GET_LIB(err) == ERR_LIB_SSL) {
    switch (ERR_GET_REASON(err)) {
      case SSL_R_HTTP_REQUEST:
      case SSL_R_HTTPS_PROXY_REQUEST:
        return "http_request";
      case SSL_R_UNSUPPORTED_PROTOCOL:
      case SSL_R_WRONG_VERSION_NUMBER:
        return "version";
      case SSL_R_NO_SHARED_CIPHER:
        return "no_shared_cipher";
      default:
        break;
    }
  }
  return "protocol";
}

}  // namespace

void Transport::start_tls(SslPtr ssl) {
  ssl_ = std::move(ssl);
  SSL_set_fd(ssl_.get(), fd_);
  SSL_set_accept_state(ssl_.get());
}

HandshakeStatus Transport::handshake(std::string& reason) {
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_.get());
  if (rc == 1) {
    handshake_done_ = true;
    return HandshakeStatus::kDone;
  }
  const int error = SSL_get_error(ssl_.get(), rc);
  if (error == SSL_ERROR_WANT_READ) return HandshakeStatus::kWantRead;
  if (error == SSL_ERROR_WANT_WRITE) return HandshakeStatus::kWantWrite;
  reason = handshake_failure_reason(error);
  ERR_clear_error();
  return HandshakeStatus::kFailed;
}

std::string Transport::alpn() const {
  if (!ssl_) return "";
  const unsigned char* name = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl_.get(), &name, &length);
  return std::string(reinterpret_cast<const char*>(name), name ? length : 0);
}

bool Transport::ktls_send() const {
  return ssl_ && BIO_get_ktls_send(SSL_get_wbio(ssl_.get())) == 1;
}

IoStatus Transport::read(char* buf, size_t cap, size_t* got) {
  *got = 0;
  if (!ssl_) {
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, cap, 0);
      if (n > 0) {
        *got = static_cast<size_t>(n);
        return IoStatus::kOk;
      }
      if (n == 0) return IoStatus::kClosed;
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? IoStatus::kBlocked : IoStatus::kError;
    }
  }
  ERR_clear_error();
  if (SSL_read_ex(ssl_.get(), buf, cap, got) == 1) return IoStatus::kOk;
  const int error = SSL_get_error(ssl_.get(), 0);
  ERR_clear_error();
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return IoStatus::kBlocked;
  return error == SSL_ERROR_ZERO_RETURN ? IoStatus::kClosed : IoStatus::kError;
}

void Transport::close_notify() {
  if (!ssl_ || !handshake_done_) return;
  ERR_clear_error();
  SSL_shutdown(ssl_.get());
  ERR_clear_error();
}

bool Transport::has_buffered_input() const {
  return ssl_ && SSL_has_pending(ssl_.get()) == 1;
}

WriteResult Transport::write(OutputQueue& out, size_t* written, std::string& scratch) {
  if (!ssl_) return out.write_to(fd_, written);
  return write_tls(out, written, scratch);
}

// A write TLS could not finish (WANT_WRITE) is retried with the same front of the queue:
// nothing is consumed until SSL_write_ex reports it written, and the queue only grows at
// its end, so the retry offers the same bytes (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER lets
// them come from the shared scratch buffer).
WriteResult Transport::write_tls(OutputQueue& out, size_t* written, std::string& scratch) {
  *written = 0;
  while (!out.empty()) {
    iovec iov[OutputQueue::kMaxIov];
    size_t offered = 0;
    const size_t count = out.gather(iov, OutputQueue::kMaxIov, &offered);
    size_t length = 0;
    for (size_t i = 0; i < count && length < scratch.size(); ++i) {
      const size_t take = std::min(iov[i].iov_len, scratch.size() - length);
      std::memcpy(scratch.data() + length, iov[i].iov_base, take);
      length += take;
    }
    ERR_clear_error();
    size_t n = 0;
    if (SSL_write_ex(ssl_.get(), scratch.data(), length, &n) != 1) {
      const int error = SSL_get_error(ssl_.get(), 0);
      ERR_clear_error();
      if (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ)
        return WriteResult::kBlocked;
      return WriteResult::kError;
    }
    out.consume(n);
    *written += n;
  }
  return WriteResult::kDone;
}

}  // namespace ssegw
