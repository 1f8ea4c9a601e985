#include "bench/load_worker.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "bench/bench_payload.h"

namespace ssegw::bench {

namespace {
constexpr uint64_t kMaxTrackedSeq = uint64_t{1} << 26;
constexpr int kMaxEvents = 512;

// "Name: value" as an HTTP/2 header field (names are lower case there).
std::pair<std::string, std::string> split_header(const std::string& line) {
  const size_t colon = line.find(':');
  std::string name = line.substr(0, colon);
  for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  size_t start = colon == std::string::npos ? line.size() : colon + 1;
  while (start < line.size() && line[start] == ' ') ++start;
  return {name, line.substr(start)};
}
}  // namespace

LoadWorker::LoadWorker(const LoadOptions& options, int id, LoadShared& shared)
    : options_(options), id_(id), shared_(shared), next_index_(static_cast<uint32_t>(id)) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  start_wall_us_ = wall_clock_us() - (monotonic_us() - shared.start_mono_us);
  request_ = "GET " + options.url.target + " HTTP/1.1\r\nHost: " + options.url.host + ":" +
             std::to_string(options.url.port) +
             "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n"
             "User-Agent: ssegw-bench\r\n";
  for (const std::string& h : options.headers) request_ += h + "\r\n";
  request_ += "\r\n";
  subs_.reserve(options.connections / static_cast<uint32_t>(options.threads) + 1);
  buffer_.resize(256 * 1024);
  counters_.per_second.assign(static_cast<size_t>(options.duration_s) + 2, 0);
  if (options.tls) {
    const std::vector<std::string> alpn = {options.http2 ? "h2" : "http/1.1"};
    tls_ = std::make_unique<TlsClientSetup>(options.ca_file, options.server_name, alpn);
  }
  // Like the HTTP/1.1 Host header: servers route on it (Caddy by the site address).
  authority_ = options.url.host + ":" + std::to_string(options.url.port);
  for (const std::string& h : options.headers) h2_headers_.push_back(split_header(h));
}

LoadWorker::~LoadWorker() {
  for (Subscription& sub : subs_) {
    sub.tls.reset();
    if (sub.open && sub.fd >= 0) close(sub.fd);
  }
  for (auto& conn : h2_connections_) {
    if (conn->open) close(conn->fd);
  }
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

void LoadWorker::open_due(uint64_t now_mono) {
  const double elapsed_s = static_cast<double>(now_mono - shared_.start_mono_us) / 1e6;
  const double due = elapsed_s * options_.connect_rate;
  while (next_index_ < options_.connections && static_cast<double>(next_index_) <= due) {
    open_one(next_index_);
    next_index_ += static_cast<uint32_t>(options_.threads);
  }
}

void LoadWorker::open_one(uint32_t global_index) {
  Subscription& sub = subs_.emplace_back();
  sub.global_index = global_index;
  connect_sub(sub);
}

void LoadWorker::connect_sub(Subscription& sub) {
  if (options_.http2) return attach_h2_stream(sub);
  std::string source;
  if (options_.source_count > 0) {
    const int octet =
        options_.source_first + static_cast<int>(sub.global_index) % options_.source_count;
    source = "127.0.0." + std::to_string(octet);
  }
  ++sub.attempts;
  std::string error;
  const int fd = start_connect(options_.url.host, options_.url.port, source, error);
  if (fd < 0) {
    sub.open = true;  // so close_sub counts and maybe retries it
    sub.fd = -1;
    return close_sub(sub, error);
  }
  sub.fd = fd;
  sub.open = true;
  if (tls_) {
    sub.tls = tls_->wrap(fd, error);
    if (!sub.tls) return close_sub(sub, "tls: " + error);
  }
  epoll_event ev{};
  ev.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
  ev.data.ptr = &sub;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
}

void LoadWorker::reopen_due(uint64_t now_mono) {
  for (size_t i = 0; i < reopen_.size();) {
    if (reopen_[i].first > now_mono) {
      ++i;
      continue;
    }
    Subscription* sub = reopen_[i].second;
    reopen_[i] = reopen_.back();
    reopen_.pop_back();
    ++counters_.retried;
    connect_sub(*sub);
  }
}

void LoadWorker::close_sub(Subscription& sub, const std::string& reason) {
  if (!sub.open) return;
  sub.tls.reset();
  if (sub.h2) {
    sub.h2->session->cancel(sub.stream_id);
    --sub.h2->streams;
    sub.h2 = nullptr;
  }
  if (sub.fd >= 0) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, sub.fd, nullptr);
    close(sub.fd);
  }
  sub.fd = -1;
  sub.open = false;
  ++counters_.errors[reason];
  if (sub.streaming) {
    ++counters_.dropped;
  } else if (sub.attempts <= options_.retries) {
    // Like a browser's EventSource after a network error: try again after a pause that grows.
    sub.request_sent = 0;
    sub.reader.reset();
    sub.parser = SseEventParser();
    const uint64_t pause_us =
        std::min<uint64_t>(500'000u * static_cast<uint64_t>(sub.attempts), 3'000'000u);
    reopen_.emplace_back(monotonic_us() + pause_us, &sub);
  } else {
    ++counters_.failed;
    shared_.resolved.fetch_add(1, std::memory_order_relaxed);
  }
}

void LoadWorker::on_writable(Subscription& sub) {
  if (sub.request_sent == 0) {
    const int err = connect_result(sub.fd);
    if (err != 0) return close_sub(sub, std::string("connect: ") + std::strerror(err));
  }
  while (sub.request_sent < request_.size()) {
    const ssize_t n =
        write(sub.fd, request_.data() + sub.request_sent, request_.size() - sub.request_sent);
    if (n < 0) {
      if (errno == EAGAIN) return;
      return close_sub(sub, std::string("write: ") + std::strerror(errno));
    }
    sub.request_sent += static_cast<size_t>(n);
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.ptr = &sub;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, sub.fd, &ev);
}

void LoadWorker::on_event(Subscription& sub, std::string_view data, uint64_t now_wall) {
  ++counters_.deliveries;
  PayloadStamp stamp;
  if (!parse_payload(data, stamp)) {
    ++counters_.unparsed;
    return;
  }
  counters_.latency.record(now_wall > stamp.ts_us ? now_wall - stamp.ts_us : 0);
  if (counters_.first_event_us == 0) counters_.first_event_us = now_wall;
  counters_.last_event_us = now_wall;
  // Wall and monotonic clocks advance together over a run this short.
  const uint64_t second = (now_wall - start_wall_us_) / 1000000u;
  if (second < counters_.per_second.size()) ++counters_.per_second[second];
  if (stamp.seq >= kMaxTrackedSeq) return;
  if (sub.first_seq == 0 || stamp.seq < sub.first_seq) sub.first_seq = stamp.seq;
  if (stamp.seq > sub.max_seq) sub.max_seq = stamp.seq;
  const size_t word = static_cast<size_t>(stamp.seq / 64);
  if (word >= sub.seen.size()) sub.seen.resize(word + 1 + word / 2, 0);
  const uint64_t bit = uint64_t{1} << (stamp.seq % 64);
  if (sub.seen[word] & bit) {
    ++sub.duplicates;
  } else {
    sub.seen[word] |= bit;
    ++sub.unique;
  }
}

void LoadWorker::on_readable(Subscription& sub) {
  const ssize_t n = read(sub.fd, buffer_.data(), buffer_.size());
  if (n == 0) return close_sub(sub, sub.streaming ? "closed by server" : "closed before headers");
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    return close_sub(sub, std::string("read: ") + std::strerror(errno));
  }
  consume(sub, std::string_view(buffer_.data(), static_cast<size_t>(n)), wall_clock_us());
}

// One read's bytes of an HTTP/1.1 response (plain or decrypted): head, then SSE events.
void LoadWorker::consume(Subscription& sub, std::string_view in, uint64_t now_wall) {
  counters_.body_bytes += in.size();
  const bool was_streaming = sub.streaming;
  const uint64_t deliveries_before = counters_.deliveries;
  const size_t used = sub.reader.feed(in, [&](std::string_view body) {
    sub.parser.feed(body, [&](std::string_view data) { on_event(sub, data, now_wall); });
  });
  (void)used;
  if (counters_.deliveries != deliveries_before) {
    shared_.reads_with_events.fetch_add(1, std::memory_order_relaxed);
  }
  if (!was_streaming && sub.reader.state() != HttpResponseReader::State::kHeaders) {
    if (sub.reader.state() == HttpResponseReader::State::kError) {
      return close_sub(sub, "bad response: " + sub.reader.error());
    }
    if (sub.reader.status() != 200) {
      return close_sub(sub, "status " + std::to_string(sub.reader.status()));
    }
    mark_streaming(sub, now_wall);
  }
  if (sub.reader.state() == HttpResponseReader::State::kError) {
    return close_sub(sub, "bad stream: " + sub.reader.error());
  }
  if (sub.reader.state() == HttpResponseReader::State::kDone) {
    return close_sub(sub, "stream ended");
  }
}

void LoadWorker::mark_streaming(Subscription& sub, uint64_t now_wall) {
  sub.streaming = true;
  sub.established_us = now_wall;
  ++counters_.connected;
  counters_.last_connect_us = now_wall;
  shared_.resolved.fetch_add(1, std::memory_order_relaxed);
}

void LoadWorker::watch(int fd, uint32_t events, void* ptr) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = ptr;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
}

void LoadWorker::run() {
  std::vector<epoll_event> events(kMaxEvents);
  while (!shared_.stop.load(std::memory_order_relaxed)) {
    const uint64_t now = monotonic_us();
    open_due(now);
    reopen_due(now);
    int timeout_ms = reopen_.empty() ? 50 : 10;
    if (next_index_ < options_.connections) {
      const double due_s = static_cast<double>(next_index_) / options_.connect_rate;
      const auto due_us = shared_.start_mono_us + static_cast<uint64_t>(due_s * 1e6);
      timeout_ms =
          due_us > now ? static_cast<int>(std::min<uint64_t>((due_us - now) / 1000, 50)) : 0;
    }
    const int n = epoll_wait(epoll_fd_, events.data(), kMaxEvents, timeout_ms);
    for (int i = 0; i < n; ++i) {
      void* const ptr = events[static_cast<size_t>(i)].data.ptr;
      const uint32_t ev = events[static_cast<size_t>(i)].events;
      if (options_.http2) {
        on_h2_io(*static_cast<H2Connection*>(ptr), ev);
        continue;
      }
      auto& sub = *static_cast<Subscription*>(ptr);
      if (!sub.open) continue;
      if (sub.tls) {
        on_tls_io(sub, ev);
        continue;
      }
      if ((ev & EPOLLOUT) && sub.request_sent < request_.size()) {
        on_writable(sub);
        if (!sub.open) continue;
      }
      if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        if (sub.request_sent < request_.size() && (ev & (EPOLLHUP | EPOLLERR))) {
          close_sub(sub, std::string("connect: ") + std::strerror(connect_result(sub.fd)));
          continue;
        }
        on_readable(sub);
      }
    }
  }
  for (const Subscription& sub : subs_) counters_.comments += sub.parser.comments();
}

}  // namespace ssegw::bench
