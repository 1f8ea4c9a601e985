// The load worker's HTTP/2 subscriptions: each is a stream, and a connection carries as many
// as the server allows (or --streams-per-connection), over TLS with ALPN h2 or as h2c.
// The transport (plain socket or TlsClientSocket) moves bytes; H2ClientSession frames them.
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bench/bench_payload.h"
#include "bench/load_worker.h"

namespace ssegw::bench {

namespace {

constexpr size_t kRecordBytes = 16 * 1024;

// Bytes read from the connection's transport; kWantRead when there is nothing more now.
TlsIo transport_read(H2Connection& conn, char* out, size_t cap, size_t& got, std::string& error) {
  if (conn.tls) {
    const TlsIo io = conn.tls->read(out, cap, got);
    if (io == TlsIo::kError) error = "tls read: " + conn.tls->error();
    return io;
  }
  got = 0;
  const ssize_t n = ::read(conn.fd, out, cap);
  if (n > 0) {
    got = static_cast<size_t>(n);
    return TlsIo::kDone;
  }
  if (n == 0) return TlsIo::kClosed;
  if (errno == EAGAIN || errno == EINTR) return TlsIo::kWantRead;
  error = std::string("read: ") + std::strerror(errno);
  return TlsIo::kError;
}

TlsIo transport_write(H2Connection& conn, std::string_view data, size_t& put, std::string& error) {
  if (conn.tls) {
    const TlsIo io = conn.tls->write(data, put);
    if (io == TlsIo::kError) error = "tls write: " + conn.tls->error();
    return io;
  }
  put = 0;
  const ssize_t n = ::write(conn.fd, data.data(), data.size());
  if (n >= 0) {
    put = static_cast<size_t>(n);
    return TlsIo::kDone;
  }
  if (errno == EAGAIN || errno == EINTR) return TlsIo::kWantWrite;
  error = std::string("write: ") + std::strerror(errno);
  return TlsIo::kError;
}

}  // namespace

void LoadWorker::attach_h2_stream(Subscription& sub) {
  ++sub.attempts;
  sub.open = true;
  std::string error;
  H2Connection* conn = h2_connection_with_room();
  if (conn == nullptr) conn = open_h2_connection(sub.global_index, error);
  if (conn == nullptr) return close_sub(sub, error);
  const int32_t id = conn->session->submit_get(authority_, options_.url.target, h2_headers_, &sub);
  if (id < 0) return close_sub(sub, std::string("h2 submit: ") + nghttp2_strerror(id));
  sub.h2 = conn;
  sub.stream_id = id;
  ++conn->streams;
  conn->subs.push_back(&sub);
  if (!conn->tls || conn->tls->established()) flush_h2(*conn);
}

// The newest connection, while it has room for one more stream.
H2Connection* LoadWorker::h2_connection_with_room() {
  if (h2_connections_.empty()) return nullptr;
  H2Connection& conn = *h2_connections_.back();
  if (!conn.open || !conn.session->alive()) return nullptr;
  uint32_t limit = conn.session->stream_limit();
  if (options_.streams_per_connection > 0) limit = std::min(limit, options_.streams_per_connection);
  return conn.streams < limit ? &conn : nullptr;
}

H2Connection* LoadWorker::open_h2_connection(uint32_t global_index, std::string& error) {
  std::string source;
  if (options_.source_count > 0) {
    const int octet =
        options_.source_first + static_cast<int>(global_index) % options_.source_count;
    source = "127.0.0." + std::to_string(octet);
  }
  auto conn = std::make_unique<H2Connection>();
  conn->fd = start_connect(options_.url.host, options_.url.port, source, error);
  if (conn->fd < 0) return nullptr;
  if (tls_) {
    conn->tls = tls_->wrap(conn->fd, error);
    if (!conn->tls) {
      close(conn->fd);
      error = "tls: " + error;
      return nullptr;
    }
  }
  conn->open = true;
  H2ClientSession::Listener& listener =
      *this;  // a private base: converted here, not in make_unique
  conn->session = std::make_unique<H2ClientSession>(listener, options_.tls);
  conn->polled = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
  epoll_event ev{};
  ev.events = conn->polled;
  ev.data.ptr = conn.get();
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, conn->fd, &ev);
  ++counters_.h2_connections;
  h2_connections_.push_back(std::move(conn));
  return h2_connections_.back().get();
}

void LoadWorker::on_h2_io(H2Connection& conn, uint32_t events) {
  if (!conn.open) return;
  const bool handshaking = conn.tls ? !conn.tls->established() : conn.polled & EPOLLOUT;
  if (handshaking && (events & (EPOLLERR | EPOLLHUP))) {
    const int err = connect_result(conn.fd);
    if (err != 0) return close_h2(conn, std::string("connect: ") + std::strerror(err));
  }
  if (conn.tls && !conn.tls->established()) {
    const TlsIo io = conn.tls->handshake();
    if (io == TlsIo::kWantRead || io == TlsIo::kWantWrite) {
      const uint32_t want = io == TlsIo::kWantRead ? EPOLLIN : EPOLLOUT;
      if (conn.polled != (want | EPOLLRDHUP)) {
        conn.polled = want | EPOLLRDHUP;
        watch(conn.fd, conn.polled, &conn);
      }
      return;
    }
    if (io != TlsIo::kDone) return close_h2(conn, "tls handshake: " + conn.tls->error());
    if (conn.tls->alpn() != "h2") {
      return close_h2(conn, "ALPN: server chose '" + std::string(conn.tls->alpn()) + "', not h2");
    }
  }
  if (!read_h2(conn)) return;
  flush_h2(conn);
}

// Reads what the transport holds and hands it to the session, whose callbacks deliver the
// events; false when the connection was closed.
bool LoadWorker::read_h2(H2Connection& conn) {
  std::string error;
  // Bounded: a busy connection gives the loop back after 16 buffers.
  for (int round = 0; round < 16; ++round) {
    size_t filled = 0;
    TlsIo io = TlsIo::kDone;
    while (filled + kRecordBytes <= buffer_.size()) {
      size_t got = 0;
      io = transport_read(conn, buffer_.data() + filled, buffer_.size() - filled, got, error);
      filled += got;
      if (io != TlsIo::kDone || !conn.tls) break;
    }
    if (filled > 0) {
      h2_read_wall_us_ = wall_clock_us();
      counters_.body_bytes += filled;
      const uint64_t deliveries_before = counters_.deliveries;
      if (!conn.session->receive(std::string_view(buffer_.data(), filled), error)) {
        close_h2(conn, error);
        return false;
      }
      if (counters_.deliveries != deliveries_before) {
        shared_.reads_with_events.fetch_add(1, std::memory_order_relaxed);
      }
    }
    if (io == TlsIo::kClosed) {
      close_h2(conn, "connection closed by server");
      return false;
    }
    if (io == TlsIo::kError) {
      close_h2(conn, error);
      return false;
    }
    if (io != TlsIo::kDone) break;
  }
  return true;
}

// Writes what the session has to say; waits for EPOLLOUT while the socket is full.
void LoadWorker::flush_h2(H2Connection& conn) {
  std::string error;
  if (!conn.session->drain_output(conn.output, error)) return close_h2(conn, error);
  size_t written = 0;
  TlsIo io = TlsIo::kDone;
  while (written < conn.output.size()) {
    size_t put = 0;
    io = transport_write(conn, std::string_view(conn.output).substr(written), put, error);
    written += put;
    if (io != TlsIo::kDone) break;
  }
  conn.output.erase(0, written);
  if (io == TlsIo::kError) return close_h2(conn, error);
  const uint32_t want = EPOLLIN | EPOLLRDHUP | (conn.output.empty() ? 0u : EPOLLOUT);
  if (want != conn.polled) {
    conn.polled = want;
    watch(conn.fd, want, &conn);
  }
  if (!conn.session->alive()) close_h2(conn, "connection ended (GOAWAY)");
}

void LoadWorker::close_h2(H2Connection& conn, const std::string& reason) {
  if (!conn.open) return;
  conn.open = false;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, conn.fd, nullptr);
  conn.tls.reset();
  close(conn.fd);
  conn.fd = -1;
  ++counters_.errors["h2 connection: " + reason];
  for (Subscription* sub : conn.subs) {
    if (sub->h2 != &conn) continue;  // already closed, maybe reopened elsewhere
    sub->stream_id = 0;
    close_sub(*sub, reason);
  }
  conn.subs.clear();
  conn.streams = 0;
}

void LoadWorker::on_response(void* stream, int status) {
  Subscription& sub = *static_cast<Subscription*>(stream);
  if (!sub.open || sub.streaming) return;
  if (status != 200) return close_sub(sub, "status " + std::to_string(status));
  mark_streaming(sub, h2_read_wall_us_);
}

void LoadWorker::on_data(void* stream, std::string_view data) {
  Subscription& sub = *static_cast<Subscription*>(stream);
  if (!sub.open || !sub.streaming) return;
  sub.parser.feed(data, [&](std::string_view event) { on_event(sub, event, h2_read_wall_us_); });
}

void LoadWorker::on_stream_close(void* stream, uint32_t error_code) {
  Subscription& sub = *static_cast<Subscription*>(stream);
  if (!sub.open) return;
  sub.stream_id = 0;  // nghttp2 is closing it: nothing to reset
  close_sub(sub, error_code == 0
                     ? std::string("stream ended")
                     : "stream reset: " + std::string(nghttp2_http2_strerror(error_code)));
}

}  // namespace ssegw::bench
