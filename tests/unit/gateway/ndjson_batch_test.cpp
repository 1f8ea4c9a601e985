#include "gateway/ndjson_batch.h"

#include <gtest/gtest.h>

namespace ssegw {
namespace {

TEST(NdjsonBatch, ReadsEachLineKeepingDataByteExact) {
  BatchResult r = parse_ndjson_batch(
      "{\"event\":\"t\",\"data\":\"a\\nb\"}\r\n\n  \n{\"data\":\"{\\\"x\\\":1}\"}\n", {});
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[0].event.type, "t");
  EXPECT_EQ(r.events[0].event.data, "a\nb");
  EXPECT_EQ(r.events[1].event.type, "");
  EXPECT_EQ(r.events[1].event.data, "{\"x\":1}");
  EXPECT_EQ(r.events[1].channel, "");
}

TEST(NdjsonBatch, TheChannelKeyIsForTheSubscribePathOnly) {
  const std::string body = "{\"channel\":\"/rooms/a\",\"data\":\"x\"}\n";
  EXPECT_EQ(parse_ndjson_batch(body, {}).error,
            "line 1: channel is only taken by the subscribe path");
  BatchLimits limits;
  limits.channel_allowed = true;
  BatchResult r = parse_ndjson_batch(body, limits);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.events[0].channel, "/rooms/a");
  EXPECT_EQ(parse_ndjson_batch("{\"channel\":\"rooms\",\"data\":\"x\"}", limits).error,
            "line 1: channel must be a path");
}

TEST(NdjsonBatch, ABadLineFailsTheWholeBatchNamingIt) {
  struct Case {
    const char* body;
    const char* error;
  };
  const Case cases[] = {
      {"{\"data\":\"ok\"}\n[1]\n", "line 2: not a JSON object"},
      {"{\"data\":\"\xff\"}", "line 1: malformed JSON"},  // not UTF-8
      {"{\"data\":\"ok\"}\n{\"data\":1}\n", "line 2: data must be a string"},
      {"{\"data\":\"ok\"}\n\n{\"event\":\"a\"}\n", "line 3: no data"},
      {"{\"data\":\"ok\",\"id\":\"7\"}", "line 1: unknown key \"id\" (event, data, channel)"},
      {"{\"data\":\"ok\",\"event\":\"a\\nb\"}", "line 1: event must not contain CR, LF or NUL"},
      {"{\"data\":\"ok\"} {\"data\":\"two\"}", "line 1: malformed JSON"},
      {"{\"data\":\"unterminated}", "line 1: malformed JSON"},
      {"", "no events"},
      {"\n \n", "no events"},
  };
  for (const Case& c : cases) {
    BatchResult r = parse_ndjson_batch(c.body, {});
    EXPECT_TRUE(r.events.empty()) << c.body;
    EXPECT_NE(r.error.find(c.error), std::string::npos) << c.body << " -> " << r.error;
  }
}

TEST(NdjsonBatch, AtMostMaxEvents) {
  std::string body;
  for (int i = 0; i < 4; ++i) body += "{\"data\":\"x\"}\n";
  BatchLimits limits;
  limits.max_events = 3;
  EXPECT_EQ(parse_ndjson_batch(body, limits).error, "more than 3 events");
  limits.max_events = 4;
  EXPECT_EQ(parse_ndjson_batch(body, limits).events.size(), 4u);
}

}  // namespace
}  // namespace ssegw
