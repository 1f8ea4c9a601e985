#include "bench/floor/loopback_pairs.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "bench/loopback_socket.h"

namespace ssegw::bench {

namespace {

// Connects this many at a time: the receiver's accept queue (somaxconn, 4,096 by default)
// never overflows, and an overflow would cost a 1 s SYN retransmission.
constexpr size_t kConnectBatch = 256;
// Connections per listening port. Finding a free source port for one more connection to the
// same address and port grows slow as they fill up (the kernel probes port after port: 25 s
// for 19,500 to one port here); to several listening ports, one source port serves each.
constexpr uint32_t kConnectionsPerListener = 1000;

UniqueFd listen_loopback(uint16_t& port, std::string& error) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    error = std::string("socket: ") + std::strerror(errno);
    return fd;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(fd.get(), 4096) != 0 ||
      getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    error = std::string("listen on 127.0.0.1: ") + std::strerror(errno);
    fd.reset();
    return fd;
  }
  port = ntohs(addr.sin_port);
  return fd;
}

// Waits until every socket from index `from` on has connected; false with `error` set if one
// failed or the deadline passed.
bool await_connected(const std::vector<UniqueFd>& senders, size_t from, uint64_t deadline_us,
                     std::string& error) {
  std::vector<pollfd> waiting;
  for (size_t i = from; i < senders.size(); ++i) waiting.push_back({senders[i].get(), POLLOUT, 0});
  while (!waiting.empty()) {
    const uint64_t now = monotonic_us();
    if (now >= deadline_us) {
      error = "connections did not complete in time";
      return false;
    }
    const int timeout_ms = static_cast<int>(std::min<uint64_t>((deadline_us - now) / 1000, 1000));
    if (poll(waiting.data(), waiting.size(), std::max(timeout_ms, 1)) < 0 && errno != EINTR) {
      error = std::string("poll: ") + std::strerror(errno);
      return false;
    }
    for (size_t i = 0; i < waiting.size();) {
      if (waiting[i].revents == 0) {
        ++i;
        continue;
      }
      if (const int err = connect_result(waiting[i].fd); err != 0) {
        error = std::string("connect: ") + std::strerror(err);
        return false;
      }
      waiting[i] = waiting.back();
      waiting.pop_back();
    }
  }
  return true;
}

}  // namespace

LoopbackPairs::~LoopbackPairs() {
  const linger reset{1, 0};
  for (const UniqueFd& s : senders)
    setsockopt(s.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  senders.clear();
  receiver.stop();
}

bool open_loopback_pairs(uint32_t connections, double timeout_s, double receiver_lifetime_s,
                         LoopbackPairs& pairs, std::string& error) {
  std::vector<UniqueFd> listeners;
  std::vector<uint16_t> ports;
  while (listeners.size() * kConnectionsPerListener < connections) {
    uint16_t port = 0;
    UniqueFd listener = listen_loopback(port, error);
    if (!listener) return false;
    listeners.push_back(std::move(listener));
    ports.push_back(port);
  }
  if (!pairs.receiver.start(listeners, connections, receiver_lifetime_s, error)) return false;
  listeners.clear();  // the child holds its own copies

  const uint64_t deadline_us = monotonic_us() + static_cast<uint64_t>(timeout_s * 1e6);
  pairs.senders.reserve(connections);
  while (pairs.senders.size() < connections) {
    const size_t from = pairs.senders.size();
    const size_t batch = std::min<size_t>(kConnectBatch, connections - from);
    for (size_t i = 0; i < batch; ++i) {
      // start_connect sets TCP_NODELAY: every frame leaves as its own segment, as a sparse
      // event does from the gateway (with Nagle, back-to-back rounds would coalesce).
      const int fd = start_connect("127.0.0.1", ports[(from + i) % ports.size()], "", error);
      if (fd < 0) return false;
      pairs.senders.emplace_back(fd);
    }
    if (!await_connected(pairs.senders, from, deadline_us, error)) return false;
  }
  const uint64_t now = monotonic_us();
  const double left_s = now < deadline_us ? static_cast<double>(deadline_us - now) / 1e6 : 0.0;
  return pairs.receiver.wait_accepted(std::max(left_s, 0.5), error);
}

}  // namespace ssegw::bench
