#include "tests/support/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "gateway/unique_fd.h"

namespace ssegw::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kPassBuffer = 256 * 1024;  // per direction: bounded, TCP pushes back beyond it
constexpr size_t kMinSlowBuffer = 512;

using Fd = UniqueFd;

// Closing with a zero linger makes the kernel send RST instead of FIN.
void abort_connection(Fd& fd) {
  if (!fd) return;
  linger hard{1, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  fd.reset();
}

void set_nonblocking(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

sockaddr_in loopback_address(const std::string& host, uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
    throw std::runtime_error("fault proxy: not an IPv4 address: " + host);
  return addr;
}

Fd listen_on(uint16_t port) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr = loopback_address("127.0.0.1", port);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd.get(), 512) != 0) {
    return Fd();
  }
  set_nonblocking(fd.get());
  return fd;
}

uint16_t bound_port(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

// One direction of a proxied connection: bytes read from one side, not yet written to the other.
struct Direction {
  std::string pending;
  bool eof = false;   // the reading side sent FIN
  bool shut = false;  // FIN passed on to the writing side
  double tokens = 0;  // bytes the slow mode still allows
};

struct Pair {
  Fd client;
  Fd target;
  bool connected = false;  // the connection to the target completed
  Direction up;            // client -> target
  Direction down;          // target -> client
  bool done = false;
};

}  // namespace

const char* to_string(FaultProxy::Mode mode) {
  switch (mode) {
    case FaultProxy::Mode::kPass:
      return "pass";
    case FaultProxy::Mode::kStall:
      return "stall";
    case FaultProxy::Mode::kSlow:
      return "slow";
    case FaultProxy::Mode::kReset:
      return "reset";
    case FaultProxy::Mode::kRefuse:
      return "refuse";
  }
  return "?";
}

class FaultProxy::Loop {
 public:
  Loop(FaultProxy& owner, Fd listener) : owner_(owner), listener_(std::move(listener)) {}
  void run();

 private:
  void on_mode(Mode mode);
  void accept_all();
  void refill(double seconds);
  size_t buffer_limit() const;
  void poll_once();
  short client_events(const Pair& p) const;
  short target_events(const Pair& p) const;
  void serve(Pair& p, short client_revents, short target_revents);
  bool read_into(int fd, Direction& d, Pair& p);
  bool write_from(int fd, Direction& d, std::atomic<uint64_t>& counter, Pair& p);
  void abort(Pair& p);

  FaultProxy& owner_;
  Fd listener_;
  std::vector<std::unique_ptr<Pair>> pairs_;
  Mode mode_ = Mode::kPass;
  Clock::time_point last_refill_ = Clock::now();
};

void FaultProxy::Loop::run() {
  while (!owner_.stop_.load()) {
    const Mode wanted = owner_.mode_.load();
    if (wanted != mode_) on_mode(wanted);
    const auto now = Clock::now();
    refill(std::chrono::duration<double>(now - last_refill_).count());
    last_refill_ = now;
    poll_once();
    std::erase_if(pairs_, [](const std::unique_ptr<Pair>& p) { return p->done; });
    owner_.open_ = pairs_.size();
  }
}

void FaultProxy::Loop::on_mode(Mode mode) {
  if (mode == Mode::kReset) {
    for (auto& p : pairs_) abort(*p);
  }
  if (mode == Mode::kRefuse) {
    // Connections the kernel already completed are open ones: take them before closing.
    accept_all();
    listener_.reset();
  }
  if (mode != Mode::kRefuse && !listener_) listener_ = listen_on(owner_.port_);
  for (auto& p : pairs_) p->up.tokens = p->down.tokens = 0;
  mode_ = mode;
}

void FaultProxy::Loop::refill(double seconds) {
  if (mode_ != Mode::kSlow) return;
  const double rate = static_cast<double>(owner_.bytes_per_second_.load());
  // A quarter second of burst at most keeps the throttle smooth rather than bursty.
  const double cap = std::max(rate / 4, 1.0);
  for (auto& p : pairs_) {
    p->up.tokens = std::min(cap, p->up.tokens + rate * seconds);
    p->down.tokens = std::min(cap, p->down.tokens + rate * seconds);
  }
}

size_t FaultProxy::Loop::buffer_limit() const {
  if (mode_ != Mode::kSlow) return kPassBuffer;
  return std::max(owner_.bytes_per_second_.load(), kMinSlowBuffer);
}

void FaultProxy::Loop::accept_all() {
  while (listener_) {
    Fd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!client) return;
    ++owner_.accepted_;
    if (mode_ == Mode::kReset) {
      ++owner_.resets_;  // counted first: a test may see the RST before this thread goes on
      abort_connection(client);
      continue;
    }
    auto p = std::make_unique<Pair>();
    p->client = std::move(client);
    p->target = Fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sockaddr_in addr = loopback_address(owner_.target_host_, owner_.target_port_);
    const int r = ::connect(p->target.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    if (r != 0 && errno != EINPROGRESS) {
      abort(*p);  // the target refused: so does the proxy, with a reset
      continue;
    }
    p->connected = r == 0;
    pairs_.push_back(std::move(p));
  }
}

short FaultProxy::Loop::client_events(const Pair& p) const {
  short events = 0;
  if (!p.up.eof && p.up.pending.size() < buffer_limit()) events |= POLLIN;
  if (!p.down.pending.empty() && (mode_ != Mode::kSlow || p.down.tokens >= 1)) events |= POLLOUT;
  return events;
}

short FaultProxy::Loop::target_events(const Pair& p) const {
  if (!p.connected) return POLLOUT;
  short events = 0;
  if (!p.down.eof && p.down.pending.size() < buffer_limit()) events |= POLLIN;
  if (!p.up.pending.empty() && (mode_ != Mode::kSlow || p.up.tokens >= 1)) events |= POLLOUT;
  return events;
}

void FaultProxy::Loop::poll_once() {
  std::vector<pollfd> fds;
  fds.push_back({owner_.wake_read_, POLLIN, 0});
  if (listener_) fds.push_back({listener_.get(), POLLIN, 0});
  const size_t first_pair = fds.size();
  // A stalled connection is left out of the poll set altogether, so that its hang-ups and
  // errors wait too (polling for no events would still report them and spin).
  const bool stalled = mode_ == Mode::kStall;
  if (!stalled) {
    for (const auto& p : pairs_) {
      fds.push_back({p->client.get(), client_events(*p), 0});
      fds.push_back({p->target.get(), target_events(*p), 0});
    }
  }
  const int timeout_ms = mode_ == Mode::kSlow ? 10 : 100;
  if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) return;
  if (fds[0].revents & POLLIN) {
    char drain[64];
    while (::read(owner_.wake_read_, drain, sizeof drain) > 0) {
    }
  }
  // Pairs accepted in this turn have no slot in fds, so only the older ones are served.
  const size_t polled = stalled ? 0 : pairs_.size();
  for (size_t i = 0; i < polled; ++i)
    serve(*pairs_[i], fds[first_pair + 2 * i].revents, fds[first_pair + 2 * i + 1].revents);
  if (listener_ && (fds[1].revents & POLLIN)) accept_all();
}

void FaultProxy::Loop::serve(Pair& p, short client_revents, short target_revents) {
  if (p.done) return;
  if (!p.connected && target_revents) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(p.target.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return abort(p);
    p.connected = true;
    return;
  }
  if ((client_revents | target_revents) & POLLERR) return abort(p);
  const short readable = POLLIN | POLLHUP;
  if ((client_revents & readable) && !read_into(p.client.get(), p.up, p)) return;
  if (p.connected && (target_revents & readable) && !read_into(p.target.get(), p.down, p)) return;
  if (p.connected && !write_from(p.target.get(), p.up, owner_.bytes_to_target_, p)) return;
  if (!write_from(p.client.get(), p.down, owner_.bytes_to_client_, p)) return;
  if (p.up.shut && p.down.shut) p.done = true;  // both sides said FIN: close quietly
}

// False when the pair was aborted.
bool FaultProxy::Loop::read_into(int fd, Direction& d, Pair& p) {
  if (d.eof) return true;
  const size_t room = buffer_limit() > d.pending.size() ? buffer_limit() - d.pending.size() : 0;
  if (room == 0) return true;
  char buf[64 * 1024];
  const ssize_t n = ::recv(fd, buf, std::min(room, sizeof buf), 0);
  if (n > 0) {
    d.pending.append(buf, static_cast<size_t>(n));
  } else if (n == 0) {
    d.eof = true;
  } else if (errno != EAGAIN && errno != EINTR) {
    abort(p);  // a reset on one side becomes a reset on the other
    return false;
  }
  return true;
}

bool FaultProxy::Loop::write_from(int fd, Direction& d, std::atomic<uint64_t>& counter, Pair& p) {
  if (!d.pending.empty()) {
    size_t allowed = d.pending.size();
    if (mode_ == Mode::kSlow) allowed = std::min(allowed, static_cast<size_t>(d.tokens));
    if (allowed == 0) return true;
    const ssize_t n = ::send(fd, d.pending.data(), allowed, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      abort(p);
      return false;
    }
    if (n > 0) {
      d.pending.erase(0, static_cast<size_t>(n));
      counter += static_cast<uint64_t>(n);
      if (mode_ == Mode::kSlow) d.tokens -= static_cast<double>(n);
    }
  }
  if (d.eof && d.pending.empty() && !d.shut) {
    ::shutdown(fd, SHUT_WR);
    d.shut = true;
  }
  return true;
}

void FaultProxy::Loop::abort(Pair& p) {
  if (p.done) return;
  ++owner_.resets_;
  abort_connection(p.client);
  abort_connection(p.target);
  p.done = true;
}

FaultProxy::FaultProxy(std::string target_host, uint16_t target_port, uint16_t listen_port)
    : target_host_(std::move(target_host)), target_port_(target_port) {
  loopback_address(target_host_, target_port_);  // throws on a bad address, before any thread
  Fd listener = listen_on(listen_port);
  if (!listener)
    throw std::runtime_error("fault proxy: cannot listen on 127.0.0.1:" +
                             std::to_string(listen_port));
  port_ = bound_port(listener.get());
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC) != 0)
    throw std::runtime_error("fault proxy: pipe failed");
  wake_read_ = pipe_fds[0];
  wake_write_ = pipe_fds[1];
  listen_fd_ = listener.release();
  thread_ = std::thread([this] { run(); });
}

FaultProxy::~FaultProxy() {
  stop_ = true;
  const char byte = 's';
  [[maybe_unused]] ssize_t n = ::write(wake_write_, &byte, 1);
  thread_.join();
  ::close(wake_read_);
  ::close(wake_write_);
}

void FaultProxy::set_mode(Mode mode, size_t bytes_per_second) {
  bytes_per_second_ = std::max<size_t>(bytes_per_second, 1);
  mode_ = mode;
  const char byte = 'm';
  [[maybe_unused]] ssize_t n = ::write(wake_write_, &byte, 1);
}

void FaultProxy::run() {
  Loop loop(*this, Fd(std::exchange(listen_fd_, -1)));
  loop.run();
}

}  // namespace ssegw::testing
