#pragma once
// A raw TCP connection to 127.0.0.1 for tests that speak bytes a well-behaved client never
// would: pipelined floods, peers that stop reading, malformed heads.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace ssegw::testing {

// Socket options set before connecting (0: the kernel's default).
struct LoopbackOptions {
  int receive_buffer = 0;  // SO_RCVBUF: a peer that does not read pushes back sooner
  int send_buffer = 0;     // SO_SNDBUF
  int max_segment = 0;     // TCP_MAXSEG: keeps the other side's send buffer from autotuning
};

// A blocking TCP connection to 127.0.0.1:port with TCP_NODELAY; -1 if it was refused.
int connect_loopback(uint16_t port, const LoopbackOptions& options = {});

class RawConnection {
 public:
  explicit RawConnection(uint16_t port, int receive_buffer = 0, int send_buffer = 0);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  // Sends all of data unless the socket takes nothing for `stall`; returns the bytes sent.
  size_t send(std::string_view data,
              std::chrono::milliseconds stall = std::chrono::milliseconds(2000));
  // Reads until `needle` has been read, the peer closes, or the timeout; returns all read.
  std::string read_until(std::string_view needle, std::chrono::milliseconds timeout);
  // Reads until the peer closes or the timeout; returns all read.
  std::string read_to_close(std::chrono::milliseconds timeout);
  // True if the peer closed or reset the connection within the timeout. Reads nothing.
  bool wait_peer_gone(std::chrono::milliseconds timeout) const;
  bool saw_close() const { return closed_; }
  void close();

 private:
  int fd_ = -1;
  bool closed_ = false;
};

// How much slower than a plain build the code under test runs (sanitizers), from
// SSEGW_TEST_SLOWDOWN; bounds on time and CPU in tests are multiplied by it.
int slowdown();
// Resident memory of a process in KiB (VmRSS), 0 if it cannot be read.
uint64_t resident_kib(pid_t pid);
// User plus system CPU time a process has used, in milliseconds.
int64_t cpu_time_ms(pid_t pid);
// The value of an unlabelled metric in a /metrics text, -1 if absent.
double metric_value(const std::string& metrics_text, const std::string& name);
// The value of the sample `series` (a name with its labels, exactly as printed, e.g.
// `x_total{reason="eof"}`) in a /metrics text; -1 if absent. With no labels in `series`, the
// sum over every label set of that name, -1 if there is none.
double metric_sample(const std::string& metrics_text, const std::string& series);

}  // namespace ssegw::testing
