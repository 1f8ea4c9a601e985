#pragma once
// Exponential backoff with jitter between broker connection attempts: each failure doubles
// the base delay up to a cap, and the actual wait is drawn from [base/2, base] so many
// gateways that lost the same broker do not all come back in the same instant.
#include <algorithm>
#include <cstdint>
#include <random>

namespace ssegw::mqtt {

class Backoff {
 public:
  Backoff(int64_t initial_ms, int64_t max_ms)
      : initial_ms_(initial_ms), max_ms_(max_ms), rng_(std::random_device{}()) {}

  // The wait before the next attempt, in milliseconds; grows with each call.
  int64_t next_ms() {
    const int64_t base = std::min(max_ms_, initial_ms_ << std::min(failures_, 20));
    ++failures_;
    std::uniform_int_distribution<int64_t> pick(base / 2, base);
    return pick(rng_);
  }
  void reset() { failures_ = 0; }
  int failures() const { return failures_; }

 private:
  int64_t initial_ms_;
  int64_t max_ms_;
  int failures_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace ssegw::mqtt
