#include "gateway/ip_limiter.h"

#include <gtest/gtest.h>

namespace ssegw {
namespace {

IpAddress ip(const char* text) {
  return *parse_ip_address(text);
}

TEST(IpLimiter, CountsOpenConnectionsPerAddressAndGivesThemBack) {
  IpLimiter limiter;
  const IpLimits limits{2, 0};
  auto a = limiter.admit(ip("192.0.2.1"), limits, 0);
  auto b = limiter.admit(ip("192.0.2.1"), limits, 0);
  EXPECT_EQ(a.verdict, LimitVerdict::kAdmitted);
  EXPECT_EQ(b.verdict, LimitVerdict::kAdmitted);
  EXPECT_TRUE(a.lease.held());
  auto c = limiter.admit(ip("192.0.2.1"), limits, 0);
  EXPECT_EQ(c.verdict, LimitVerdict::kTooManyConnections);
  EXPECT_FALSE(c.lease.held());
  EXPECT_EQ(limiter.admit(ip("192.0.2.2"), limits, 0).verdict, LimitVerdict::kAdmitted);
  a.lease.reset();
  EXPECT_EQ(limiter.admit(ip("192.0.2.1"), limits, 0).verdict, LimitVerdict::kAdmitted);
}

TEST(IpLimiter, CountsIpv6PerSlash64) {
  IpLimiter limiter;
  const IpLimits limits{1, 0};
  auto first = limiter.admit(ip("2001:db8:0:1::1"), limits, 0);
  EXPECT_EQ(first.verdict, LimitVerdict::kAdmitted);
  EXPECT_EQ(limiter.admit(ip("2001:db8:0:1::2"), limits, 0).verdict,
            LimitVerdict::kTooManyConnections);
  EXPECT_EQ(limiter.admit(ip("2001:db8:0:2::1"), limits, 0).verdict, LimitVerdict::kAdmitted);
}

TEST(IpLimiter, ConnectRateIsABucketOfOneSecond) {
  IpLimiter limiter;
  const IpLimits limits{0, 5};
  int admitted = 0;
  for (int i = 0; i < 20; ++i)
    admitted += limiter.admit(ip("192.0.2.1"), limits, 1000).verdict == LimitVerdict::kAdmitted;
  EXPECT_EQ(admitted, 5);
  EXPECT_EQ(limiter.admit(ip("192.0.2.1"), limits, 1100).verdict, LimitVerdict::kTooFast);
  // 200 ms at 5/s refill one.
  EXPECT_EQ(limiter.admit(ip("192.0.2.1"), limits, 1200).verdict, LimitVerdict::kAdmitted);
  EXPECT_EQ(limiter.admit(ip("192.0.2.1"), limits, 1200).verdict, LimitVerdict::kTooFast);
  EXPECT_EQ(limiter.admit(ip("192.0.2.9"), limits, 1200).verdict, LimitVerdict::kAdmitted);
}

TEST(IpLimiter, OffWhenNoLimitIsSetAndTracksNothing) {
  IpLimiter limiter;
  for (int i = 0; i < 100; ++i) {
    auto admission = limiter.admit(ip("192.0.2.1"), IpLimits{}, 0);
    EXPECT_EQ(admission.verdict, LimitVerdict::kAdmitted);
    EXPECT_FALSE(admission.lease.held());
  }
  EXPECT_EQ(limiter.tracked(), 0u);
}

TEST(IpLimiter, ForgetsIdleAddressesOnceTheirBucketIsFull) {
  IpLimiter limiter;
  const IpLimits limits{10, 10};
  { auto gone = limiter.admit(ip("192.0.2.1"), limits, 0); }
  auto held = limiter.admit(ip("192.0.2.2"), limits, 0);
  EXPECT_EQ(limiter.tracked(), 2u);
  limiter.admit(ip("192.0.2.3"), limits, 5000);  // a later admit sweeps
  EXPECT_EQ(limiter.tracked(), 2u);              // .1 swept; .2 still open; .3 new
}

TEST(IpLimiter, LeasesMoveWithoutDoubleRelease) {
  IpLimiter limiter;
  const IpLimits limits{1, 0};
  IpLease outer;
  {
    auto admission = limiter.admit(ip("192.0.2.1"), limits, 0);
    outer = std::move(admission.lease);
  }
  EXPECT_EQ(limiter.admit(ip("192.0.2.1"), limits, 0).verdict, LimitVerdict::kTooManyConnections);
  outer.reset();
  outer.reset();
  auto again = limiter.admit(ip("192.0.2.1"), limits, 0);
  EXPECT_EQ(again.verdict, LimitVerdict::kAdmitted);
  EXPECT_EQ(limiter.admit(ip("192.0.2.1"), limits, 0).verdict, LimitVerdict::kTooManyConnections);
}

}  // namespace
}  // namespace ssegw
