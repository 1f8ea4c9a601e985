#pragma once
// Delays between reconnection attempts, shared by every bridge: exponential from an initial
// delay, capped, plus up to a quarter more of jitter so that many gateways which lost the same
// broker or upstream do not all come back in the same instant. The initial delay is a minimum
// (an SSE stream's retry: value is one), so jitter only ever adds.
#include <cstdint>
#include <random>

namespace ssegw {

class Backoff {
 public:
  Backoff(int64_t initial_ms, int64_t cap_ms, uint64_t seed = std::random_device{}());

  // Clamped to [1, cap]: a zero would turn a flapping peer into a busy loop.
  void set_initial_ms(int64_t ms);
  int64_t initial_ms() const { return initial_ms_; }
  int64_t cap_ms() const { return cap_ms_; }
  // The wait before the next attempt; each call counts one more failure.
  int64_t next_ms();
  // After a healthy connection the next failure starts from the initial delay again.
  void reset() { failures_ = 0; }
  int failures() const { return failures_; }

 private:
  int64_t initial_ms_;
  int64_t cap_ms_;
  int failures_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace ssegw
