#include "bridges/sse/reconnect_backoff.h"

#include <algorithm>

namespace ssegw::sse {

void ReconnectBackoff::set_base_ms(int64_t ms) {
  base_ms_ = std::clamp(ms, kFloorMs, kCapMs);
}

int64_t ReconnectBackoff::next_delay_ms() {
  int64_t delay = base_ms_;
  for (int i = 0; i < failures_ && delay < kCapMs; ++i) delay *= 2;
  delay = std::min(delay, kCapMs);
  if (failures_ < 64) ++failures_;
  std::uniform_int_distribution<int64_t> jitter(0, delay / 4);
  return std::min(delay + jitter(rng_), kCapMs);
}

}  // namespace ssegw::sse
