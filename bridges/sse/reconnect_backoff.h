#pragma once
// Delays between reconnection attempts: exponential from a base (the stream's retry: value
// or 1 s), capped, with jitter so many gateways do not reconnect in step.
#include <cstdint>
#include <random>

namespace ssegw::sse {

class ReconnectBackoff {
 public:
  static constexpr int64_t kDefaultBaseMs = 1000;
  static constexpr int64_t kCapMs = 60000;
  // A retry: of 0 would turn a flapping upstream into a busy loop.
  static constexpr int64_t kFloorMs = 100;

  explicit ReconnectBackoff(uint64_t seed) : rng_(seed) {}

  void set_base_ms(int64_t ms);
  int64_t base_ms() const { return base_ms_; }
  // The delay before the next attempt: base * 2^failures plus up to a quarter more, capped;
  // each call counts one more failure.
  int64_t next_delay_ms();
  // After a healthy stream the next failure starts from the base again.
  void reset() { failures_ = 0; }
  int failures() const { return failures_; }

 private:
  int64_t base_ms_ = kDefaultBaseMs;
  int failures_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace ssegw::sse
