// The worker's side of TLS: the handshake on the worker loop, and what it decides (ALPN).
#include "clock.h"
#include "log.h"
#include "worker.h"

namespace ssegw {

void Worker::continue_handshake(Connection* c) {
  std::string reason;
  switch (c->transport.handshake(reason)) {
    case HandshakeStatus::kDone:
      finish_handshake(c);
      return;
    case HandshakeStatus::kWantRead:
      if (c->write_armed) {
        event_del(&c->write_ev);
        c->write_armed = false;
      }
      return;
    case HandshakeStatus::kWantWrite:
      if (!c->write_armed) {
        event_add(&c->write_ev, nullptr);
        c->write_armed = true;
        c->blocked_since_ms = mono_ms();
      }
      return;
    case HandshakeStatus::kFailed:
      metrics_.count_handshake_failure(reason);
      log_debug("TLS handshake failed", {{"reason", reason}});
      close_connection(c);
      return;
  }
}

void Worker::finish_handshake(Connection* c) {
  metrics_.tls_handshakes.fetch_add(1, std::memory_order_relaxed);
  if (c->write_armed) {
    event_del(&c->write_ev);
    c->write_armed = false;
  }
  if (c->profile->tls->ktls_requested()) {
    if (c->transport.ktls_send()) {
      c->ktls = true;
      metrics_.ktls_connections.fetch_add(1, std::memory_order_relaxed);
    } else if (!ktls_warned_) {
      ktls_warned_ = true;  // once per worker: it is the kernel's or OpenSSL's lack, not a peer's
      log_warn(
          "tls.ktls is on but the kernel does not encrypt this connection's sends; "
          "is the kernel's tls module loaded (/proc/sys/net/ipv4/tcp_available_ulp)?",
          {{"worker", std::to_string(index_)}});
    }
  }
  c->request_start_ms = mono_ms();
  if (c->profile->http2 && c->transport.alpn() == "h2") {
    start_http2(c);
    return;
  }
  c->mode = Connection::Mode::kRequest;
  count_protocol(c, Connection::Protocol::kHttp1);
  // The handshake's last records, if the socket did not take them all.
  if (c->transport.cipher() != nullptr && !c->transport.cipher()->empty()) flush(c);
  update_reading(c);
  if (c->transport.has_buffered_input()) continue_input_next_turn(c);
}

// Moves the connection between the by-protocol gauges; kUnknown takes it out of them.
void Worker::count_protocol(Connection* c, Connection::Protocol protocol) {
  auto slot = [c]() -> int {
    const bool tls = c->transport.tls();
    if (c->protocol == Connection::Protocol::kHttp2) return tls ? Metrics::kH2Tls : Metrics::kH2c;
    return tls ? Metrics::kHttp1Tls : Metrics::kHttp1Plain;
  };
  if (c->protocol != Connection::Protocol::kUnknown)
    metrics_.connections_by_protocol[slot()].fetch_sub(1, std::memory_order_relaxed);
  c->protocol = protocol;
  if (c->protocol != Connection::Protocol::kUnknown)
    metrics_.connections_by_protocol[slot()].fetch_add(1, std::memory_order_relaxed);
}

}  // namespace ssegw
