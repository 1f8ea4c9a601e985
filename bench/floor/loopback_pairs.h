#pragma once
// N connected loopback TCP connections: the sending ends here, non-blocking, the receiving
// ends in a ReceiverProcess.
#include <cstdint>
#include <string>
#include <vector>

#include "bench/floor/receiver_process.h"
#include "gateway/unique_fd.h"

namespace ssegw::bench {

struct LoopbackPairs {
  LoopbackPairs() = default;
  LoopbackPairs(const LoopbackPairs&) = delete;
  LoopbackPairs& operator=(const LoopbackPairs&) = delete;
  // Resets every connection rather than closing it: 19,500 sockets in TIME_WAIT would hold
  // their ports for a minute after the run.
  ~LoopbackPairs();

  ReceiverProcess receiver;
  std::vector<UniqueFd> senders;
};

// Listens on 127.0.0.1, starts the receiver, connects `connections` sockets to it and waits
// until the receiver has accepted them all, within `timeout_s`. `receiver_lifetime_s` bounds
// the child even if this process never stops it.
bool open_loopback_pairs(uint32_t connections, double timeout_s, double receiver_lifetime_s,
                         LoopbackPairs& pairs, std::string& error);

}  // namespace ssegw::bench
