#include "gateway/channel_pattern.h"

#include <gtest/gtest.h>

namespace ssegw {
namespace {

TEST(ChannelPattern, ExactPathsMatchOnlyThemselves) {
  EXPECT_TRUE(channel_pattern_matches("/orders", "/orders"));
  EXPECT_FALSE(channel_pattern_matches("/orders", "/orders/1"));
  EXPECT_FALSE(channel_pattern_matches("/orders", "/order"));
  EXPECT_FALSE(channel_pattern_matches("/orders/1", "/orders"));
}

TEST(ChannelPattern, StarIsExactlyOneSegment) {
  EXPECT_TRUE(channel_pattern_matches("/rooms/*", "/rooms/a"));
  EXPECT_FALSE(channel_pattern_matches("/rooms/*", "/rooms/a/b"));
  EXPECT_FALSE(channel_pattern_matches("/rooms/*", "/rooms"));
  EXPECT_FALSE(channel_pattern_matches("/rooms/*", "/rooms/"));
  EXPECT_TRUE(channel_pattern_matches("/rooms/*/chat", "/rooms/a/chat"));
  EXPECT_FALSE(channel_pattern_matches("/rooms/*/chat", "/rooms/a/b/chat"));
}

TEST(ChannelPattern, DoubleStarIsTheRestOfThePath) {
  EXPECT_TRUE(channel_pattern_matches("/rooms/**", "/rooms/a"));
  EXPECT_TRUE(channel_pattern_matches("/rooms/**", "/rooms/a/b/c"));
  EXPECT_FALSE(channel_pattern_matches("/rooms/**", "/rooms"));
  EXPECT_FALSE(channel_pattern_matches("/rooms/**", "/roomsx/a"));
  EXPECT_TRUE(channel_pattern_matches("/**", "/anything/at/all"));
}

TEST(ChannelPattern, MalformedPatternsAreRejected) {
  EXPECT_TRUE(valid_channel_pattern("/orders"));
  EXPECT_TRUE(valid_channel_pattern("/rooms/*"));
  EXPECT_TRUE(valid_channel_pattern("/rooms/*/chat"));
  EXPECT_TRUE(valid_channel_pattern("/rooms/**"));
  EXPECT_FALSE(valid_channel_pattern("orders"));
  EXPECT_FALSE(valid_channel_pattern(""));
  EXPECT_FALSE(valid_channel_pattern("/rooms//a"));
  EXPECT_FALSE(valid_channel_pattern("/rooms/"));
  EXPECT_FALSE(valid_channel_pattern("/rooms/a*"));
  EXPECT_FALSE(valid_channel_pattern("/rooms/**/chat"));
  EXPECT_FALSE(valid_channel_pattern("/rooms/***"));
}

}  // namespace
}  // namespace ssegw
