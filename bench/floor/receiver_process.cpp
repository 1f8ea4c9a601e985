#include "bench/floor/receiver_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "bench/loopback_socket.h"

namespace ssegw::bench {

namespace {

constexpr int kMaxEvents = 1024;
constexpr int kAcceptsPerWakeup = 256;
constexpr uint64_t kListenerTag = uint64_t{1} << 32;  // epoll tag: listener index | this

// Accepts what is pending on `listener`; true once all `connections` are accepted.
bool accept_pending(int epoll, int listener, uint32_t connections, std::vector<UniqueFd>& sockets) {
  for (int a = 0; a < kAcceptsPerWakeup && sockets.size() < connections; ++a) {
    const int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) break;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = sockets.size();
    sockets.emplace_back(fd);
    epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev);
  }
  return sockets.size() == connections;
}

// The child's whole life: accept, signal readiness, drain. Returns the exit status.
int drain_connections(const std::vector<UniqueFd>& listeners, uint32_t connections,
                      double lifetime_s, int ready_fd) {
  UniqueFd epoll(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll) return 3;
  for (size_t i = 0; i < listeners.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kListenerTag | i;
    if (epoll_ctl(epoll.get(), EPOLL_CTL_ADD, listeners[i].get(), &ev) != 0) return 3;
  }

  std::vector<UniqueFd> sockets;
  sockets.reserve(connections);
  uint32_t open = 0;
  bool all_accepted = false;
  std::vector<char> scratch(64 * 1024);
  epoll_event events[kMaxEvents];
  const uint64_t deadline = monotonic_us() + static_cast<uint64_t>(lifetime_s * 1e6);
  while (monotonic_us() < deadline) {
    const int n = epoll_wait(epoll.get(), events, kMaxEvents, 100);
    for (int i = 0; i < n; ++i) {
      const uint64_t tag = events[i].data.u64;
      if (tag & kListenerTag) {
        if (all_accepted) continue;
        const size_t before = sockets.size();
        all_accepted =
            accept_pending(epoll.get(), listeners[tag & ~kListenerTag].get(), connections, sockets);
        open += static_cast<uint32_t>(sockets.size() - before);
        if (all_accepted) {
          for (const UniqueFd& l : listeners)
            epoll_ctl(epoll.get(), EPOLL_CTL_DEL, l.get(), nullptr);
          const char byte = 1;
          if (write(ready_fd, &byte, 1) != 1) return 4;
        }
        continue;
      }
      UniqueFd& sock = sockets[tag];
      if (!sock) continue;
      const ssize_t got = read(sock.get(), scratch.data(), scratch.size());
      if (got > 0 || (got < 0 && (errno == EAGAIN || errno == EINTR))) continue;
      sock.reset();  // closed by the sender, or failed
      if (--open == 0 && all_accepted) return 0;
    }
  }
  return 0;
}

}  // namespace

bool ReceiverProcess::start(const std::vector<UniqueFd>& listeners, uint32_t connections,
                            double lifetime_s, std::string& error) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    error = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  if (pid == 0) {
    // Dies with the sender even if the sender is killed before it can stop us.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(5);
    read_end.reset();
    _exit(drain_connections(listeners, connections, lifetime_s, write_end.get()));
  }
  pid_ = pid;
  ready_ = std::move(read_end);
  return true;
}

bool ReceiverProcess::wait_accepted(double timeout_s, std::string& error) {
  pollfd p{ready_.get(), POLLIN, 0};
  const int n = poll(&p, 1, static_cast<int>(timeout_s * 1000));
  char byte = 0;
  if (n == 1 && read(ready_.get(), &byte, 1) == 1) return true;
  error = n == 0 ? "receiver did not accept every connection in time" : "receiver exited early";
  return false;
}

uint64_t ReceiverProcess::cpu_ns() const {
  if (pid_ < 0) return 0;
  // schedstat's first field is the time on CPU in ns, more precise than stat's clock ticks.
  std::ifstream in("/proc/" + std::to_string(pid_) + "/schedstat");
  uint64_t ns = 0;
  in >> ns;
  return ns;
}

void ReceiverProcess::stop() {
  if (pid_ < 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  ready_.reset();
}

}  // namespace ssegw::bench
