#include "bridges/sse/header_list.h"

#include <gtest/gtest.h>

namespace ssegw::sse {
namespace {

TEST(HeaderList, SplitsPairsOnTheFirstColonAndTrims) {
  std::string error;
  auto list = parse_header_list(
      "Authorization: Bearer abc ,Accept: text/event-stream, X-Url: http://a:8080/x", &error);
  ASSERT_TRUE(list) << error;
  EXPECT_EQ(*list, (HeaderList{{"Authorization", "Bearer abc"},
                               {"Accept", "text/event-stream"},
                               {"X-Url", "http://a:8080/x"}}));
}

TEST(HeaderList, EmptyTextIsNoHeaders) {
  std::string error;
  EXPECT_TRUE(parse_header_list("  ", &error)->empty());
}

TEST(HeaderList, MalformedPairIsNamed) {
  std::string error;
  EXPECT_FALSE(parse_header_list("A: 1,NoColonHere,C: 3", &error));
  EXPECT_EQ(error, "header pair 2 \"NoColonHere\" is not 'Key: value'");
  EXPECT_FALSE(parse_header_list("A: 1,: v", &error));
  EXPECT_NE(error.find("pair 2"), std::string::npos);
  EXPECT_FALSE(parse_header_list("A: 1,", &error));
  EXPECT_NE(error.find("pair 2 \"\""), std::string::npos);
  EXPECT_FALSE(parse_header_list("Bad Name: v", &error));
  EXPECT_NE(error.find("not a valid header name"), std::string::npos);
}

TEST(HeaderList, HeadersTheGatewaySetsAreRefused) {
  std::string error;
  EXPECT_FALSE(parse_header_list("host: x", &error));
  EXPECT_NE(error.find("set by the gateway"), std::string::npos);
  EXPECT_FALSE(parse_header_list("Last-Event-ID: 5", &error));
  EXPECT_NE(header_problem("X", "a\r\nInjected: 1"), "");
}

}  // namespace
}  // namespace ssegw::sse
