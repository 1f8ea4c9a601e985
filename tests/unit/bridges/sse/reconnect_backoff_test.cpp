#include "bridges/sse/reconnect_backoff.h"

#include <gtest/gtest.h>

namespace ssegw::sse {
namespace {

TEST(ReconnectBackoff, DoublesFromTheBaseWithBoundedJitter) {
  ReconnectBackoff backoff(42);
  int64_t expected = ReconnectBackoff::kDefaultBaseMs;
  for (int i = 0; i < 5; ++i) {
    const int64_t d = backoff.next_delay_ms();
    EXPECT_GE(d, expected);
    EXPECT_LE(d, expected + expected / 4);
    expected *= 2;
  }
}

TEST(ReconnectBackoff, IsCappedAtSixtySeconds) {
  ReconnectBackoff backoff(1);
  for (int i = 0; i < 100; ++i) EXPECT_LE(backoff.next_delay_ms(), ReconnectBackoff::kCapMs);
  EXPECT_EQ(backoff.next_delay_ms(), ReconnectBackoff::kCapMs);
}

TEST(ReconnectBackoff, ResetStartsFromTheBaseAgain) {
  ReconnectBackoff backoff(7);
  backoff.set_base_ms(200);
  backoff.next_delay_ms();
  backoff.next_delay_ms();
  backoff.reset();
  const int64_t d = backoff.next_delay_ms();
  EXPECT_GE(d, 200);
  EXPECT_LE(d, 250);
}

TEST(ReconnectBackoff, RetryValueIsTheBaseWithinFloorAndCap) {
  ReconnectBackoff backoff(3);
  backoff.set_base_ms(0);
  EXPECT_EQ(backoff.base_ms(), ReconnectBackoff::kFloorMs);
  backoff.set_base_ms(10'000'000);
  EXPECT_EQ(backoff.base_ms(), ReconnectBackoff::kCapMs);
}

TEST(ReconnectBackoff, JitterSpreadsDelays) {
  ReconnectBackoff a(1), b(2);
  bool differ = false;
  for (int i = 0; i < 6; ++i) differ = differ || a.next_delay_ms() != b.next_delay_ms();
  EXPECT_TRUE(differ);
}

}  // namespace
}  // namespace ssegw::sse
