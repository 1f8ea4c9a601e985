#include "bridges/common/backoff.h"

#include <gtest/gtest.h>

#include <set>

namespace ssegw {
namespace {

TEST(Backoff, DoublesFromTheInitialDelayWithBoundedJitter) {
  Backoff backoff(1000, 60000, 42);
  int64_t expected = 1000;
  for (int i = 0; i < 5; ++i) {
    const int64_t d = backoff.next_ms();
    EXPECT_GE(d, expected);
    EXPECT_LE(d, expected + expected / 4);
    expected *= 2;
  }
}

TEST(Backoff, IsCapped) {
  Backoff backoff(1000, 60000, 1);
  for (int i = 0; i < 200; ++i) EXPECT_LE(backoff.next_ms(), 60000);
  EXPECT_EQ(backoff.next_ms(), 60000);
}

TEST(Backoff, ResetStartsFromTheInitialDelayAgain) {
  Backoff backoff(1000, 60000, 7);
  backoff.set_initial_ms(200);
  backoff.next_ms();
  backoff.next_ms();
  EXPECT_EQ(backoff.failures(), 2);
  backoff.reset();
  const int64_t d = backoff.next_ms();
  EXPECT_GE(d, 200);
  EXPECT_LE(d, 250);
}

TEST(Backoff, InitialDelayIsClampedToOneAndTheCap) {
  Backoff backoff(1000, 60000, 3);
  backoff.set_initial_ms(0);
  EXPECT_EQ(backoff.initial_ms(), 1);
  backoff.set_initial_ms(10'000'000);
  EXPECT_EQ(backoff.initial_ms(), 60000);
}

TEST(Backoff, JitterSpreadsClients) {
  std::set<int64_t> seen;
  for (uint64_t seed = 0; seed < 20; ++seed) seen.insert(Backoff(1000, 60000, seed).next_ms());
  EXPECT_GT(seen.size(), 1u);
}

}  // namespace
}  // namespace ssegw
