#pragma once
// The receiving ends of the floor's loopback connections, in a child process of their own:
// a process may hold 20,000 descriptors here and the sender alone keeps up to 19,500, so the
// two ends cannot share one. The child accepts every connection and drains them all with
// epoll as fast as it can, so the sender's writes rarely find a full socket.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "gateway/unique_fd.h"

namespace ssegw::bench {

class ReceiverProcess {
 public:
  ReceiverProcess() = default;
  ReceiverProcess(const ReceiverProcess&) = delete;
  ReceiverProcess& operator=(const ReceiverProcess&) = delete;
  ~ReceiverProcess() { stop(); }

  // Forks the child, which accepts `connections` sockets in all on `listeners`, then drains
  // them until every one closes, `lifetime_s` passes or it is killed. Fork before opening
  // anything else, so the child inherits no more than the listeners.
  bool start(const std::vector<UniqueFd>& listeners, uint32_t connections, double lifetime_s,
             std::string& error);
  // Waits until the child has accepted all its connections.
  bool wait_accepted(double timeout_s, std::string& error);
  // CPU time the child has used so far (user + system), in nanoseconds; 0 if unknown.
  uint64_t cpu_ns() const;
  // SIGKILL by PID and reap; safe to call twice.
  void stop();

 private:
  pid_t pid_ = -1;
  UniqueFd ready_;  // read end of a pipe the child writes one byte to once all are accepted
};

}  // namespace ssegw::bench
