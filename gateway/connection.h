#pragma once
// One client connection, owned by exactly one worker thread: its transport (plain or TLS),
// its protocol (HTTP/1.1 requests and at most one stream, or an HTTP/2 session) and output.
#include <event2/event.h>
#include <event2/event_struct.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "ip_limiter.h"
#include "listener_profile.h"
#include "output_queue.h"
#include "subscription.h"
#include "transport.h"

namespace ssegw {

class Worker;
struct Http2Link;

struct Connection {
  enum class Mode : uint8_t {
    kHandshake,     // TLS handshake under way
    kRequest,       // HTTP/1.1 requests
    kAwaitPublish,  // HTTP/1.1, waiting for a publish acknowledgement
    kStream,        // HTTP/1.1 event stream
    kHttp2,         // an HTTP/2 session: its streams are in h2
    kCloseAfterWrite
  };
  // For the metrics by protocol, once it is known.
  enum class Protocol : uint8_t { kUnknown, kHttp1, kHttp2 };

  explicit Connection(int fd) : transport(fd) {}
  ~Connection();

  int fd() const { return transport.fd(); }
  bool held() const { return mode == Mode::kStream && sub.held; }

  Worker* worker = nullptr;
  uint64_t id = 0;
  size_t all_slot = 0;  // index in the worker's list of every connection
  Mode mode = Mode::kRequest;
  Protocol protocol = Protocol::kUnknown;
  bool dirty = false;                   // has output queued in this batch
  bool write_armed = false;             // waiting for EV_WRITE
  bool reading = false;                 // read_ev is added
  bool input_pending = false;           // parsed requests remain in `in`: continue next loop turn
  bool input_waits_for_output = false;  // requests wait in `in` until answers are written
  bool continue_sent = false;           // "100 Continue" already sent for the request being read
  bool ktls = false;                    // counted in the kTLS gauge
  // The per-IP limits (worker_access.cpp): the socket's peer, this connection's place in its
  // client's count, and whether that client was over a limit (its first request gets 429).
  bool client_admitted = false;
  LimitVerdict limited = LimitVerdict::kAdmitted;
  std::optional<IpAddress> peer;
  IpLease lease;
  event read_ev{};
  event write_ev{};
  Transport transport;
  std::shared_ptr<const ListenerProfile> profile;
  std::string in;  // request bytes not yet parsed; empty once streaming
  OutputQueue out;
  Subscription sub;               // the HTTP/1.1 stream, when it subscribes
  std::unique_ptr<Http2Link> h2;  // when it speaks HTTP/2
  int64_t last_write_ms = 0;
  int64_t blocked_since_ms = 0;  // when the socket last stopped taking bytes (write_armed)
  int64_t request_start_ms = 0;  // when the request being read (or the keep-alive idle) began
};

}  // namespace ssegw
