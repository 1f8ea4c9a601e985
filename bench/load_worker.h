#pragma once
// One thread of the SSE load client: its own epoll loop, opening its share of the
// subscriptions on schedule and reading every stream without blocking.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/h2_client_session.h"
#include "bench/http_response_reader.h"
#include "bench/latency_histogram.h"
#include "bench/loopback_socket.h"
#include "bench/sse_event_parser.h"
#include "bench/tls_client_socket.h"

namespace ssegw::bench {

struct LoadOptions {
  HttpUrl url;
  uint32_t connections = 1000;
  double connect_rate = 1000;  // new subscriptions per second
  double duration_s = 30;      // bound on the whole run
  double grace_s = 2;          // after the publisher is done, stop once quiet this long
  double grace_max_s = 15;     // .. or this long after it finished, whichever comes first
  int threads = 1;
  int source_first = 2;  // source addresses 127.0.0.<first> ..
  int source_count = 1;  //   .. 127.0.0.<first + count - 1>
  std::vector<std::string> headers;
  std::string ready_file;  // written once every subscription is open (or failed)
  std::string done_file;   // appears when the publisher finished; holds its JSON summary
  std::string label;
  uint64_t first_seq = 1;
  int retries = 10;  // reopen a subscription that failed before streaming, after a pause
  bool tls = false;
  std::string ca_file;  // CA the server's certificate must chain to (empty: system)
  std::string server_name = "localhost";  // SNI and the name checked in the certificate
  bool http2 = false;                   // over TLS: ALPN h2; without TLS: h2c with prior knowledge
  uint32_t streams_per_connection = 0;  // HTTP/2; 0: as many as the server allows
};

// Everything the load threads share: read by all, written with atomics.
struct LoadShared {
  uint64_t start_mono_us = 0;
  std::atomic<uint32_t> resolved{0};  // subscriptions that streamed or failed
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> reads_with_events{0};  // lets the main thread see when streams go quiet
};

struct H2Connection;

struct Subscription {
  int fd = -1;                           // HTTP/1.1 only; HTTP/2 streams share their connection's
  std::unique_ptr<TlsClientSocket> tls;  // HTTP/1.1 over TLS
  H2Connection* h2 = nullptr;            // HTTP/2: the connection carrying this stream
  int32_t stream_id = 0;
  uint32_t global_index = 0;
  int attempts = 0;
  bool streaming = false;  // 200 and headers received
  bool open = false;
  size_t request_sent = 0;
  uint64_t established_us = 0;  // wall clock
  HttpResponseReader reader;
  SseEventParser parser;
  uint64_t first_seq = 0;
  uint64_t max_seq = 0;
  uint64_t unique = 0;
  uint64_t duplicates = 0;
  std::vector<uint64_t> seen;  // bitmap indexed by seq
};

// One HTTP/2 connection of the load client and the subscriptions it carries as streams.
struct H2Connection {
  int fd = -1;
  bool open = false;
  uint32_t polled = 0;                   // the epoll events it is registered for
  std::unique_ptr<TlsClientSocket> tls;  // null for h2c
  std::unique_ptr<H2ClientSession> session;
  std::string output;    // frames the socket has not taken yet
  uint32_t streams = 0;  // subscriptions on it (streaming or waiting for their response)
  std::vector<Subscription*> subs;
};

struct LoadCounters {
  uint64_t connected = 0;
  uint64_t failed = 0;
  uint64_t retried = 0;
  uint64_t dropped = 0;
  uint64_t deliveries = 0;
  uint64_t unparsed = 0;
  uint64_t comments = 0;
  uint64_t body_bytes = 0;
  uint64_t first_event_us = 0;
  uint64_t last_event_us = 0;
  uint64_t last_connect_us = 0;
  LatencyHistogram latency;
  std::vector<uint64_t> per_second;  // deliveries in each second since the start
  std::map<std::string, uint64_t> errors;
  uint64_t h2_connections = 0;
};

class LoadWorker : private H2ClientSession::Listener {
 public:
  LoadWorker(const LoadOptions& options, int id, LoadShared& shared);
  LoadWorker(const LoadWorker&) = delete;
  LoadWorker& operator=(const LoadWorker&) = delete;
  ~LoadWorker();

  void run();
  const LoadCounters& counters() const { return counters_; }
  const std::vector<Subscription>& subscriptions() const { return subs_; }

 private:
  void open_due(uint64_t now_mono);
  void open_one(uint32_t global_index);
  void connect_sub(Subscription& sub);
  void reopen_due(uint64_t now_mono);
  void on_writable(Subscription& sub);
  void on_readable(Subscription& sub);
  void on_event(Subscription& sub, std::string_view data, uint64_t now_wall);
  void consume(Subscription& sub, std::string_view in, uint64_t now_wall);
  void mark_streaming(Subscription& sub, uint64_t now_wall);
  void close_sub(Subscription& sub, const std::string& reason);
  void watch(int fd, uint32_t events, void* ptr);

  // HTTP/1.1 over TLS (load_worker_tls.cpp).
  void on_tls_io(Subscription& sub, uint32_t events);
  void read_tls(Subscription& sub);

  // HTTP/2, over TLS or h2c (load_worker_h2.cpp).
  void attach_h2_stream(Subscription& sub);
  H2Connection* h2_connection_with_room();
  H2Connection* open_h2_connection(uint32_t global_index, std::string& error);
  void on_h2_io(H2Connection& conn, uint32_t events);
  bool read_h2(H2Connection& conn);
  void flush_h2(H2Connection& conn);
  void close_h2(H2Connection& conn, const std::string& reason);
  void on_response(void* stream, int status) override;
  void on_data(void* stream, std::string_view data) override;
  void on_stream_close(void* stream, uint32_t error_code) override;

  const LoadOptions& options_;
  const int id_;
  LoadShared& shared_;
  int epoll_fd_ = -1;
  uint64_t start_wall_us_;  // wall clock at shared_.start_mono_us
  uint32_t next_index_;     // next global subscription index this worker opens
  std::string request_;
  std::vector<Subscription> subs_;
  std::vector<std::pair<uint64_t, Subscription*>> reopen_;  // (monotonic due time, sub)
  std::vector<char> buffer_;
  LoadCounters counters_;
  std::unique_ptr<TlsClientSetup> tls_;  // when options_.tls
  std::vector<std::unique_ptr<H2Connection>> h2_connections_;
  std::vector<std::pair<std::string, std::string>> h2_headers_;  // --header, lower-cased
  std::string authority_;
  uint64_t h2_read_wall_us_ = 0;  // the clock of the read whose frames are being parsed
};

}  // namespace ssegw::bench
