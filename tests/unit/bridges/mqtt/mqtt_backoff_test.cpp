#include "bridges/mqtt/mqtt_backoff.h"

#include <gtest/gtest.h>

#include <set>

namespace ssegw::mqtt {
namespace {

TEST(MqttBackoff, DoublesWithJitterUpToTheCap) {
  Backoff backoff(100, 1000);
  const int64_t bases[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (int64_t base : bases) {
    const int64_t wait = backoff.next_ms();
    EXPECT_GE(wait, base / 2);
    EXPECT_LE(wait, base);
  }
  backoff.reset();
  EXPECT_LE(backoff.next_ms(), 100);
}

TEST(MqttBackoff, WaitsVaryBetweenClients) {
  std::set<int64_t> seen;
  for (int i = 0; i < 20; ++i) seen.insert(Backoff(1000, 60000).next_ms());
  EXPECT_GT(seen.size(), 1u);  // the jitter spreads reconnects out
}

TEST(MqttBackoff, ManyFailuresDoNotOverflow) {
  Backoff backoff(500, 30000);
  for (int i = 0; i < 200; ++i) {
    const int64_t wait = backoff.next_ms();
    EXPECT_GT(wait, 0);
    EXPECT_LE(wait, 30000);
  }
}

}  // namespace
}  // namespace ssegw::mqtt
