// sse_publish: publishes M events per second of a given size over keep-alive HTTP
// connections, each carrying its sequence number and send timestamp (see bench_payload.h).
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>
#include <sstream>
#include <vector>

#include "bench/bench_payload.h"
#include "bench/http_response_reader.h"
#include "bench/latency_histogram.h"
#include "bench/loopback_socket.h"
#include "bench/publish_request.h"

namespace ssegw::bench {
namespace {

struct PublishOptions {
  PublishTarget target;
  double rate = 100;       // events per second
  uint64_t count = 1000;   // bound on events
  double duration_s = 20;  // bound on the sending time
  size_t size = 100;       // payload bytes
  int connections = 4;
  uint64_t first_seq = 1;
  uint64_t seq_step = 1;  // several publishers interleave their sequences (one per channel)
  std::string out_file;
};

void usage() {
  std::cerr << R"(usage: sse_publish --url http://127.0.0.1:PORT/path [options]
  --mode M         gateway | nchan | pushpin | mercure (default gateway)
  --rate R         events per second (default 100)
  --count N        stop after N events (default 1000)
  --duration S     stop sending after S seconds (default 20)
  --size B         payload bytes (default 100)
  --connections C  keep-alive connections, one request in flight each (default 4)
  --channel NAME   Pushpin channel / Mercure topic (default bench)
  --header "K: V"  extra request header, e.g. a Mercure JWT (repeatable)
  --first-seq N    first sequence number (default 1)
  --seq-step K     sequence numbers go first, first+K, ... (default 1): K publishers on K
                   channels of one multiplexed subscription give it one unbroken sequence
  --out F          also write the JSON summary to F (atomically)
)";
}

bool parse_options(int argc, char** argv, PublishOptions& o) {
  std::string url;
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    if (key == "--help" || key == "-h" || i + 1 >= argc) return false;
    const std::string value = argv[++i];
    if (key == "--url")
      url = value;
    else if (key == "--mode") {
      if (!parse_publish_mode(value, o.target.mode)) return false;
    } else if (key == "--rate")
      o.rate = std::stod(value);
    else if (key == "--count")
      o.count = std::stoull(value);
    else if (key == "--duration")
      o.duration_s = std::stod(value);
    else if (key == "--size")
      o.size = std::stoul(value);
    else if (key == "--connections")
      o.connections = std::max(1, std::stoi(value));
    else if (key == "--channel")
      o.target.channel = value;
    else if (key == "--header")
      o.target.extra_headers += value + "\r\n";
    else if (key == "--first-seq")
      o.first_seq = std::stoull(value);
    else if (key == "--seq-step")
      o.seq_step = std::max<uint64_t>(1, std::stoull(value));
    else if (key == "--out")
      o.out_file = value;
    else {
      std::cerr << "sse_publish: unknown option " << key << "\n";
      return false;
    }
  }
  std::string error;
  if (url.empty() || !parse_http_url(url, o.target.url, error)) {
    std::cerr << "sse_publish: " << (url.empty() ? "--url is required" : error) << "\n";
    return false;
  }
  return o.rate > 0 && o.duration_s > 0;
}

struct PublishConnection {
  int fd = -1;
  bool connected = false;
  bool busy = false;  // a request is in flight
  std::string out;    // unsent request bytes
  size_t out_sent = 0;
  uint64_t seq = 0;
  uint64_t sent_us = 0;
  uint64_t retry_at_us = 0;
  HttpResponseReader reader;
};

class Publisher {
 public:
  explicit Publisher(const PublishOptions& o) : o_(o), conns_(static_cast<size_t>(o.connections)) {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  }
  ~Publisher() {
    for (auto& c : conns_) {
      if (c.fd >= 0) close(c.fd);
    }
    close(epoll_fd_);
  }
  int run();

 private:
  void connect_one(PublishConnection& c, uint64_t now);
  void drop(PublishConnection& c, const std::string& why, uint64_t now);
  void send_next(PublishConnection& c, uint64_t now);
  void flush(PublishConnection& c, uint64_t now);
  void on_readable(PublishConnection& c, uint64_t now);
  void on_event(const epoll_event& event, uint64_t now);
  void watch(PublishConnection& c, uint32_t events, int op);
  std::string summary(uint64_t elapsed_us) const;

  const PublishOptions& o_;
  std::vector<PublishConnection> conns_;
  int epoll_fd_;
  uint64_t start_us_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t sent_ = 0, acked_ = 0, errors_ = 0, last_acked_seq_ = 0, max_lag_us_ = 0;
  LatencyHistogram response_latency_;
  std::map<std::string, uint64_t> error_reasons_;
};

void Publisher::watch(PublishConnection& c, uint32_t events, int op) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = &c;
  epoll_ctl(epoll_fd_, op, c.fd, &ev);
}

void Publisher::connect_one(PublishConnection& c, uint64_t now) {
  std::string error;
  c.fd = start_connect(o_.target.url.host, o_.target.url.port, "", error);
  if (c.fd < 0) {
    ++error_reasons_[error];
    c.retry_at_us = now + 200'000;
    return;
  }
  c.connected = false;
  c.reader.reset();
  watch(c, EPOLLOUT | EPOLLIN, EPOLL_CTL_ADD);
}

void Publisher::drop(PublishConnection& c, const std::string& why, uint64_t now) {
  ++error_reasons_[why];
  if (c.busy) ++errors_;
  c.busy = false;
  c.out.clear();
  if (c.fd >= 0) close(c.fd);  // closing removes it from epoll
  c.fd = -1;
  c.retry_at_us = now + 100'000;
}

void Publisher::send_next(PublishConnection& c, uint64_t now) {
  c.seq = next_seq_;
  next_seq_ += o_.seq_step;
  c.sent_us = wall_clock_us();
  c.out = build_publish_request(o_.target, c.seq, make_payload(c.seq, c.sent_us, o_.size));
  c.out_sent = 0;
  c.busy = true;
  ++sent_;
  flush(c, now);
}

void Publisher::flush(PublishConnection& c, uint64_t now) {
  while (c.out_sent < c.out.size()) {
    const ssize_t n = write(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent);
    if (n < 0) {
      if (errno == EAGAIN) return watch(c, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
      return drop(c, std::string("write: ") + std::strerror(errno), now);
    }
    c.out_sent += static_cast<size_t>(n);
  }
  watch(c, EPOLLIN, EPOLL_CTL_MOD);
}

void Publisher::on_readable(PublishConnection& c, uint64_t now) {
  char buf[16384];
  const ssize_t n = read(c.fd, buf, sizeof buf);
  if (n == 0) {
    if (c.reader.finish_at_eof() && c.busy) {
      // fall through below as a complete response
    } else {
      return drop(c, "closed by server", now);
    }
  } else if (n < 0) {
    if (errno == EAGAIN) return;
    return drop(c, std::string("read: ") + std::strerror(errno), now);
  } else {
    c.reader.feed(std::string_view(buf, static_cast<size_t>(n)), [](std::string_view) {});
  }
  if (c.reader.state() == HttpResponseReader::State::kError) {
    return drop(c, "bad response: " + c.reader.error(), now);
  }
  if (c.reader.state() != HttpResponseReader::State::kDone) return;
  if (!c.busy) return drop(c, "unexpected response", now);
  response_latency_.record(wall_clock_us() - c.sent_us);
  if (c.reader.status() >= 200 && c.reader.status() < 300) {
    ++acked_;
    last_acked_seq_ = std::max(last_acked_seq_, c.seq);
  } else {
    ++errors_;
    ++error_reasons_["status " + std::to_string(c.reader.status())];
  }
  c.busy = false;
  const bool keep = c.reader.keep_alive() && n != 0;
  c.reader.reset();
  if (!keep) {
    close(c.fd);
    c.fd = -1;
    c.retry_at_us = 0;
  }
}

void Publisher::on_event(const epoll_event& event, uint64_t now) {
  auto& c = *static_cast<PublishConnection*>(event.data.ptr);
  if (c.fd < 0) return;
  if (!c.connected && (event.events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
    const int err = connect_result(c.fd);
    if (err != 0) return drop(c, std::string("connect: ") + std::strerror(err), now);
    c.connected = true;
    return watch(c, EPOLLIN, EPOLL_CTL_MOD);
  }
  if ((event.events & EPOLLOUT) && c.busy) flush(c, now);
  if (c.fd >= 0 && (event.events & (EPOLLIN | EPOLLHUP | EPOLLERR))) on_readable(c, now);
}

int Publisher::run() {
  start_us_ = monotonic_us();
  next_seq_ = o_.first_seq;
  const uint64_t send_end = start_us_ + static_cast<uint64_t>(o_.duration_s * 1e6);
  const uint64_t hard_end = send_end + 5'000'000;  // time allowed for the last responses
  std::vector<epoll_event> events(64);
  for (uint64_t now = monotonic_us(); now < hard_end; now = monotonic_us()) {
    const bool sending = sent_ < o_.count && now < send_end;
    bool in_flight = false;
    for (auto& c : conns_) in_flight = in_flight || c.busy;
    if (!sending && !in_flight) break;
    for (auto& c : conns_) {
      if (c.fd < 0 && sending && now >= c.retry_at_us) connect_one(c, now);
    }
    const uint64_t due_us =
        start_us_ + static_cast<uint64_t>(static_cast<double>(sent_) * 1e6 / o_.rate);
    bool sent_one = false;
    if (sending && now >= due_us) {
      for (auto& c : conns_) {
        if (c.fd >= 0 && c.connected && !c.busy) {
          max_lag_us_ = std::max(max_lag_us_, now - due_us);
          send_next(c, now);
          sent_one = true;
          break;
        }
      }
    }
    int timeout_ms = 20;
    if (sending && due_us > now)
      timeout_ms = static_cast<int>(std::min<uint64_t>((due_us - now) / 1000, 20));
    // Behind schedule: go round again at once, unless every connection is busy, in which case
    // only a response (or a reconnect timer) can let the next event go.
    if (sending && due_us <= now && sent_one) timeout_ms = 0;
    if (sending && due_us <= now && !sent_one) timeout_ms = 5;
    const int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), timeout_ms);
    now = monotonic_us();
    for (int i = 0; i < n; ++i) on_event(events[static_cast<size_t>(i)], now);
  }
  const std::string json = summary(monotonic_us() - start_us_);
  std::cout << json << std::endl;
  if (!o_.out_file.empty()) write_file_atomically(o_.out_file, json + "\n");
  std::cerr << "sse_publish: sent " << sent_ << ", acknowledged " << acked_ << ", errors "
            << errors_ << ", max send lag " << max_lag_us_ << " us\n";
  return errors_ == 0 ? 0 : 1;
}

std::string Publisher::summary(uint64_t elapsed_us) const {
  std::ostringstream json;
  json << "{\"tool\":\"sse_publish\",\"cpu_s\":" << process_cpu_seconds() << ",\"sent\":" << sent_
       << ",\"acknowledged\":" << acked_ << ",\"errors\":" << errors_
       << ",\"first_seq\":" << o_.first_seq << ",\"last_seq\":" << last_acked_seq_
       << ",\"rate_target\":" << o_.rate << ",\"rate_achieved\":"
       << (elapsed_us ? static_cast<double>(acked_) * 1e6 / static_cast<double>(elapsed_us) : 0)
       << ",\"max_send_lag_us\":" << max_lag_us_
       << ",\"response_latency_us\":" << response_latency_.percentiles_json() << ",\"errors_by\":{";
  bool first = true;
  for (const auto& [k, v] : error_reasons_) {
    json << (first ? "" : ",") << "\"" << k << "\":" << v;
    first = false;
  }
  json << "}}";
  return json.str();
}

}  // namespace

int run(int argc, char** argv) {
  PublishOptions options;
  if (!parse_options(argc, argv, options)) {
    usage();
    return 2;
  }
  Publisher publisher(options);
  return publisher.run();
}

}  // namespace ssegw::bench

int main(int argc, char** argv) {
  return ssegw::bench::run(argc, argv);
}
