// The load worker's HTTP/1.1 subscriptions over TLS: the same request and response reading
// as the plain ones, with the handshake first and every byte through OpenSSL.
#include <sys/epoll.h>

#include <cstring>

#include "bench/bench_payload.h"
#include "bench/load_worker.h"

namespace ssegw::bench {

namespace {
// Room kept free in the read buffer: one TLS record's plaintext.
constexpr size_t kRecordBytes = 16 * 1024;
}  // namespace

void LoadWorker::on_tls_io(Subscription& sub, uint32_t events) {
  if (!sub.tls->established()) {
    if (events & (EPOLLERR | EPOLLHUP)) {
      const int err = connect_result(sub.fd);
      if (err != 0) return close_sub(sub, std::string("connect: ") + std::strerror(err));
    }
    switch (sub.tls->handshake()) {
      case TlsIo::kDone:
        break;
      case TlsIo::kWantRead:
        return watch(sub.fd, EPOLLIN | EPOLLRDHUP, &sub);
      case TlsIo::kWantWrite:
        return watch(sub.fd, EPOLLOUT | EPOLLRDHUP, &sub);
      case TlsIo::kClosed:
        return close_sub(sub, "tls: closed during the handshake");
      case TlsIo::kError:
        return close_sub(sub, "tls handshake: " + sub.tls->error());
    }
  }
  while (sub.request_sent < request_.size()) {
    size_t put = 0;
    const TlsIo io = sub.tls->write(std::string_view(request_).substr(sub.request_sent), put);
    sub.request_sent += put;
    if (io == TlsIo::kWantWrite) return watch(sub.fd, EPOLLOUT | EPOLLIN | EPOLLRDHUP, &sub);
    if (io == TlsIo::kWantRead) break;  // renegotiation-like: wait for input, then retry
    if (io != TlsIo::kDone) return close_sub(sub, "tls write: " + sub.tls->error());
    if (sub.request_sent == request_.size()) watch(sub.fd, EPOLLIN | EPOLLRDHUP, &sub);
  }
  read_tls(sub);
}

// Decrypts what the socket holds, several records into one buffer, then parses it once.
// Level-triggered epoll sees only the socket, so OpenSSL must not keep plaintext back: the
// buffer always has room for a whole record, which SSL_read then returns in full.
void LoadWorker::read_tls(Subscription& sub) {
  size_t filled = 0;
  TlsIo io = TlsIo::kDone;
  while (filled + kRecordBytes <= buffer_.size()) {
    size_t got = 0;
    io = sub.tls->read(buffer_.data() + filled, buffer_.size() - filled, got);
    filled += got;
    if (io != TlsIo::kDone) break;
  }
  if (filled > 0) consume(sub, std::string_view(buffer_.data(), filled), wall_clock_us());
  if (!sub.open) return;
  if (io == TlsIo::kClosed) {
    return close_sub(sub, sub.streaming ? "closed by server" : "closed before headers");
  }
  if (io == TlsIo::kError) return close_sub(sub, "tls read: " + sub.tls->error());
}

}  // namespace ssegw::bench
