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
constexpr uint32_t kListenerTag = UINT32_MAX;

// The child's whole life: accept, signal readiness, drain. Returns the exit status.
int drain_connections(int listener, uint32_t connections, double lifetime_s, int ready_fd) {
  UniqueFd epoll(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll) return 3;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = kListenerTag;
  if (epoll_ctl(epoll.get(), EPOLL_CTL_ADD, listener, &ev) != 0) return 3;

  std::vector<UniqueFd> sockets;
  sockets.reserve(connections);
  uint32_t open = 0;
  std::vector<char> scratch(64 * 1024);
  epoll_event events[kMaxEvents];
  const uint64_t deadline = monotonic_us() + static_cast<uint64_t>(lifetime_s * 1e6);
  while (monotonic_us() < deadline) {
    const int n = epoll_wait(epoll.get(), events, kMaxEvents, 100);
    for (int i = 0; i < n; ++i) {
      const uint32_t tag = events[i].data.u32;
      if (tag == kListenerTag) {
        for (int a = 0; a < kAcceptsPerWakeup && sockets.size() < connections; ++a) {
          const int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break;
          ev.events = EPOLLIN | EPOLLRDHUP;
          ev.data.u32 = static_cast<uint32_t>(sockets.size());
          sockets.emplace_back(fd);
          ++open;
          epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &ev);
        }
        if (sockets.size() == connections) {
          epoll_ctl(epoll.get(), EPOLL_CTL_DEL, listener, nullptr);
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
      if (--open == 0 && sockets.size() == connections) return 0;
    }
  }
  return 0;
}

}  // namespace

bool ReceiverProcess::start(int listener, uint32_t connections, double lifetime_s,
                            std::string& error) {
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
    _exit(drain_connections(listener, connections, lifetime_s, write_end.get()));
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
