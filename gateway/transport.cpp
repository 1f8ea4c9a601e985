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

// The write side of a TLS connection: every record OpenSSL writes becomes one owned entry of
// an OutputQueue. Writes never block, so OpenSSL's write buffer is released at once
// (SSL_MODE_RELEASE_BUFFERS) and the worker decides when and how the bytes go out.
int sink_write(BIO* bio, const char* data, int length) {
  static_cast<OutputQueue*>(BIO_get_data(bio))->push_owned(std::string(data, length));
  return length;
}

long sink_ctrl(BIO*, int cmd, long, void*) {
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;  // nothing is held back to flush
}

// Made once per process and never changed: a method table, not state.
const BIO_METHOD* sink_method() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ssegw-cipher");
    BIO_meth_set_write(m, &sink_write);
    BIO_meth_set_ctrl(m, &sink_ctrl);
    return m;
  }();
  return method;
}

// Ciphertext queued ahead of a socket that does not take it is bounded: beyond this the
// plaintext waits in the subscriber's queue, where falling behind is measured.
constexpr size_t kMaxCipherAhead = 64 * 1024;

}  // namespace

void Transport::start_tls(SslPtr ssl, bool ktls) {
  ssl_ = std::move(ssl);
  if (ktls) {
    SSL_set_fd(ssl_.get(), fd_);
  } else {
    cipher_ = std::make_unique<OutputQueue>();
    BIO* sink = BIO_new(sink_method());
    BIO_set_data(sink, cipher_.get());
    BIO_set_init(sink, 1);
    SSL_set_bio(ssl_.get(), BIO_new_socket(fd_, BIO_NOCLOSE), sink);
  }
  SSL_set_accept_state(ssl_.get());
}

bool Transport::send_cipher(bool* blocked) {
  *blocked = false;
  if (!cipher_ || cipher_->empty()) return true;
  size_t written = 0;
  const WriteResult result = cipher_->write_to(fd_, &written);
  *blocked = result == WriteResult::kBlocked;
  return result != WriteResult::kError;
}

HandshakeStatus Transport::handshake(std::string& reason) {
  bool blocked = false;
  if (!send_cipher(&blocked)) {
    reason = "eof";
    return HandshakeStatus::kFailed;
  }
  if (blocked) return HandshakeStatus::kWantWrite;
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_.get());
  const int error = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_.get(), rc);
  if (error != SSL_ERROR_NONE && error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
    reason = handshake_failure_reason(error);
    ERR_clear_error();
    send_cipher(&blocked);  // the alert, if the socket takes it
    return HandshakeStatus::kFailed;
  }
  const bool sent = send_cipher(&blocked);
  if (!sent) {
    reason = "eof";
    return HandshakeStatus::kFailed;
  }
  if (rc == 1) {
    // Records the socket did not take yet go out ahead of the first answer.
    handshake_done_ = true;
    return HandshakeStatus::kDone;
  }
  if (blocked || error == SSL_ERROR_WANT_WRITE) return HandshakeStatus::kWantWrite;
  return HandshakeStatus::kWantRead;
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
  const bool ok = SSL_read_ex(ssl_.get(), buf, cap, got) == 1;
  // A post-handshake message (a TLS 1.3 KeyUpdate) may have made a record to send.
  bool blocked = false;
  send_cipher(&blocked);
  if (ok) return IoStatus::kOk;
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
  bool blocked = false;
  send_cipher(&blocked);
}

bool Transport::has_buffered_input() const {
  return ssl_ && SSL_has_pending(ssl_.get()) == 1;
}

WriteResult Transport::write(OutputQueue& out, size_t* written, std::string& scratch) {
  if (!ssl_) return out.write_to(fd_, written);
  if (cipher_) return write_queued(out, written, scratch);
  return write_tls(out, written, scratch);
}

WriteResult Transport::write_queued(OutputQueue& out, size_t* written, std::string& scratch) {
  *written = 0;
  for (;;) {
    if (!cipher_->empty()) {
      size_t n = 0;
      const WriteResult result = cipher_->write_to(fd_, &n);
      *written += n;
      if (result != WriteResult::kDone) return result;
    }
    if (out.empty()) return WriteResult::kDone;
    if (!encrypt(out, scratch)) return WriteResult::kError;
  }
}

bool Transport::encrypt(OutputQueue& out, std::string& scratch) {
  size_t taken = 0;
  while (!out.empty() && taken < kMaxCipherAhead && cipher_->bytes() < kMaxCipherAhead) {
    const size_t length = out.copy_front(scratch.data(), scratch.size());
    ERR_clear_error();
    size_t n = 0;
    if (SSL_write_ex(ssl_.get(), scratch.data(), length, &n) != 1) {
      ERR_clear_error();
      return false;
    }
    out.consume(n);
    taken += n;
  }
  return true;
}

// A write TLS could not finish (WANT_WRITE) is retried with the same front of the queue:
// nothing is consumed until SSL_write_ex reports it written, and the queue only grows at
// its end, so the retry offers the same bytes (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER lets
// them come from the shared scratch buffer).
WriteResult Transport::write_tls(OutputQueue& out, size_t* written, std::string& scratch) {
  *written = 0;
  while (!out.empty()) {
    const size_t length = out.copy_front(scratch.data(), scratch.size());
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
