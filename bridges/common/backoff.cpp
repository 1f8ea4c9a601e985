#include "bridges/common/backoff.h"

#include <algorithm>

namespace ssegw {

Backoff::Backoff(int64_t initial_ms, int64_t cap_ms, uint64_t seed)
    : initial_ms_(1), cap_ms_(std::max<int64_t>(cap_ms, 1)), rng_(seed) {
  set_initial_ms(initial_ms);
}

void Backoff::set_initial_ms(int64_t ms) {
  initial_ms_ = std::clamp<int64_t>(ms, 1, cap_ms_);
}

int64_t Backoff::next_ms() {
  int64_t delay = initial_ms_;
  for (int i = 0; i < failures_ && delay < cap_ms_; ++i) delay *= 2;
  delay = std::min(delay, cap_ms_);
  if (failures_ < 64) ++failures_;
  std::uniform_int_distribution<int64_t> jitter(0, delay / 4);
  return std::min(delay + jitter(rng_), cap_ms_);
}

}  // namespace ssegw
