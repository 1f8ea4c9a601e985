#pragma once
// One thread of the SSE load client: its own epoll loop, opening its share of the
// subscriptions on schedule and reading every stream without blocking.
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bench/http_response_reader.h"
#include "bench/latency_histogram.h"
#include "bench/loopback_socket.h"
#include "bench/sse_event_parser.h"

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
};

// Everything the load threads share: read by all, written with atomics.
struct LoadShared {
  uint64_t start_mono_us = 0;
  std::atomic<uint32_t> resolved{0};  // subscriptions that streamed or failed
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> reads_with_events{0};  // lets the main thread see when streams go quiet
};

struct Subscription {
  int fd = -1;
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
};

class LoadWorker {
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
  void close_sub(Subscription& sub, const std::string& reason);

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
};

}  // namespace ssegw::bench
