#include "tests/support/raw_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ssegw::testing {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

int connect_loopback(uint16_t port, const LoopbackOptions& options) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const auto set = [fd](int level, int name, int value) {
    if (value > 0) setsockopt(fd, level, name, &value, sizeof value);
  };
  set(SOL_SOCKET, SO_RCVBUF, options.receive_buffer);
  set(SOL_SOCKET, SO_SNDBUF, options.send_buffer);
  set(IPPROTO_TCP, TCP_MAXSEG, options.max_segment);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  set(IPPROTO_TCP, TCP_NODELAY, 1);
  return fd;
}

RawConnection::RawConnection(uint16_t port, int receive_buffer, int send_buffer)
    : fd_(connect_loopback(port, {receive_buffer, send_buffer, 0})) {}

RawConnection::~RawConnection() {
  close();
}

void RawConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

size_t RawConnection::send(std::string_view data, std::chrono::milliseconds stall) {
  size_t sent = 0;
  while (sent < data.size() && fd_ >= 0) {
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(stall.count())) <= 0) break;  // the peer stopped taking
    if (p.revents & (POLLERR | POLLHUP)) break;
    ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      break;
    }
  }
  return sent;
}

std::string RawConnection::read_until(std::string_view needle, std::chrono::milliseconds timeout) {
  std::string got;
  const auto deadline = Clock::now() + timeout;
  while (fd_ >= 0 && (needle.empty() || got.find(needle) == std::string::npos)) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) <= 0) break;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_ = true;
      break;
    }
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

std::string RawConnection::read_to_close(std::chrono::milliseconds timeout) {
  return read_until("", timeout);
}

bool RawConnection::wait_peer_gone(std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (fd_ >= 0) {
    pollfd p{fd_, POLLRDHUP, 0};
    int ready = ::poll(&p, 1, std::min(remaining_ms(deadline), 100));
    if (ready > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) return true;
    if (remaining_ms(deadline) == 0) return false;
  }
  return false;
}

int slowdown() {
  const char* text = std::getenv("SSEGW_TEST_SLOWDOWN");
  const int factor = text ? std::atoi(text) : 1;
  return factor > 0 ? factor : 1;
}

uint64_t resident_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

int64_t cpu_time_ms(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start after the last ')'.
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  int64_t utime = 0, stime = 0;
  for (int i = 3; rest >> field; ++i) {
    if (i == 14) utime = std::stoll(field);
    if (i == 15) {
      stime = std::stoll(field);
      break;
    }
  }
  return (utime + stime) * 1000 / sysconf(_SC_CLK_TCK);
}

double metric_value(const std::string& metrics_text, const std::string& name) {
  std::istringstream lines(metrics_text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

double metric_sample(const std::string& metrics_text, const std::string& series) {
  const bool labelled = series.find('{') != std::string::npos;
  double sum = -1;
  std::istringstream lines(metrics_text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#' || line.rfind(series, 0) != 0) continue;
    const char next = line.size() > series.size() ? line[series.size()] : '\0';
    if (next != ' ' && !(next == '{' && !labelled)) continue;
    const double value = std::stod(line.substr(line.rfind(' ') + 1));
    if (labelled) return value;
    sum = (sum < 0 ? 0 : sum) + value;
  }
  return sum;
}

}  // namespace ssegw::testing
