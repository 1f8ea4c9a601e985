#include "bridges/mqtt/mqtt_topic_mapping.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace ssegw::mqtt {
namespace {

std::string render_or_why(const PathTemplate& t, std::string_view topic) {
  std::string why;
  std::optional<std::string> path = t.render(topic, &why);
  return path ? *path : "REFUSED: " + why;
}

TEST(MqttPathTemplate, TextWithoutPlaceholderIsNotATemplate) {
  EXPECT_FALSE(PathTemplate::parse("/sensors").has_value());
}

TEST(MqttPathTemplate, TopicLevelsBecomePathSegments) {
  PathTemplate t = *PathTemplate::parse("/mqtt/{topic}");
  EXPECT_EQ(render_or_why(t, "sensors/a/temperature"), "/mqtt/sensors/a/temperature");
  EXPECT_EQ(render_or_why(t, "x"), "/mqtt/x");
}

TEST(MqttPathTemplate, SuffixAfterPlaceholderIsKept) {
  PathTemplate t = *PathTemplate::parse("/devices/{topic}/live");
  EXPECT_EQ(render_or_why(t, "a/b"), "/devices/a/b/live");
}

TEST(MqttPathTemplate, UnsafeBytesArePercentEncoded) {
  PathTemplate t = *PathTemplate::parse("/mqtt/{topic}");
  EXPECT_EQ(render_or_why(t, "a b/c?d"), "/mqtt/a%20b/c%3Fd");
  EXPECT_EQ(render_or_why(t, "100%"), "/mqtt/100%25");
  EXPECT_EQ(render_or_why(t, "h#sh"), "/mqtt/h%23sh");
  EXPECT_EQ(render_or_why(t, "caf\xC3\xA9"), "/mqtt/caf%C3%A9");
  EXPECT_EQ(render_or_why(t, "line\r\nbreak"), "/mqtt/line%0D%0Abreak");
  EXPECT_EQ(render_or_why(t, "back\\slash"), "/mqtt/back%5Cslash");
  EXPECT_EQ(render_or_why(t, "ok-._~AZaz09"), "/mqtt/ok-._~AZaz09");
}

TEST(MqttPathTemplate, EncodingKeepsDistinctTopicsDistinct) {
  PathTemplate t = *PathTemplate::parse("/mqtt/{topic}");
  // A literal "%2F" in a topic must not collide with a level separator.
  EXPECT_NE(render_or_why(t, "a%2Fb"), render_or_why(t, "a/b"));
  EXPECT_EQ(render_or_why(t, "a%2Fb"), "/mqtt/a%252Fb");
}

TEST(MqttPathTemplate, DotLevelsAreRefused) {
  PathTemplate t = *PathTemplate::parse("/mqtt/{topic}");
  EXPECT_EQ(render_or_why(t, "a/../b"), "REFUSED: '.' or '..' topic level");
  EXPECT_EQ(render_or_why(t, ".."), "REFUSED: '.' or '..' topic level");
  EXPECT_EQ(render_or_why(t, "a/."), "REFUSED: '.' or '..' topic level");
  // Dots inside a level are harmless.
  EXPECT_EQ(render_or_why(t, "a/..b/c."), "/mqtt/a/..b/c.");
}

TEST(MqttPathTemplate, EmptyLevelsAreRefused) {
  PathTemplate t = *PathTemplate::parse("/mqtt/{topic}");
  EXPECT_EQ(render_or_why(t, "a//b"), "REFUSED: empty topic level");
  EXPECT_EQ(render_or_why(t, "/a"), "REFUSED: empty topic level");
  EXPECT_EQ(render_or_why(t, "a/"), "REFUSED: empty topic level");
  EXPECT_EQ(render_or_why(t, ""), "REFUSED: empty topic");
}

TEST(MqttPathTemplate, SystemTopicsAndOverlongPathsAreRefused) {
  PathTemplate t = *PathTemplate::parse("/mqtt/{topic}");
  EXPECT_EQ(render_or_why(t, "$SYS/broker/uptime"),
            "REFUSED: system topics ($...) are not mapped to paths");
  EXPECT_EQ(render_or_why(t, std::string(2000, 'a')), "REFUSED: path would be too long");
  // 400 spaces encode to 1200 bytes: the limit applies to the encoded path.
  EXPECT_EQ(render_or_why(t, std::string(400, ' ')), "REFUSED: path would be too long");
}

TEST(MqttPathTemplate, BadTemplatesAreRejected) {
  EXPECT_THROW(PathTemplate::parse("mqtt/{topic}"), std::invalid_argument);
  EXPECT_THROW(PathTemplate::parse("/{topic}/{topic}"), std::invalid_argument);
  EXPECT_THROW(PathTemplate::parse("/{topic}/{other}"), std::invalid_argument);
  EXPECT_THROW(PathTemplate::parse("/a b/{topic}"), std::invalid_argument);
  EXPECT_THROW(PathTemplate::parse("/a?x=1/{topic}"), std::invalid_argument);
}

TEST(MqttTopicAsEventType, LineBreaksNulAndPercentCannotReachTheEventLine) {
  EXPECT_EQ(topic_as_event_type("sensors/a/temperature"), "sensors/a/temperature");
  EXPECT_EQ(topic_as_event_type(std::string("a\rb\nc\0d%", 8)), "a%0Db%0Ac%00d%25");
  EXPECT_EQ(topic_as_event_type("caf\xC3\xA9 x"), "caf\xC3\xA9 x");
}

TEST(MqttTopicTemplate, EventTypeFillsOneLevel) {
  TopicTemplate t = TopicTemplate::parse("gateway/{event}");
  EXPECT_TRUE(t.has_placeholder());
  EXPECT_EQ(t.render("alert"), "gateway/alert");
  EXPECT_EQ(t.render(""), "gateway/message");
  EXPECT_EQ(t.render("a/b"), "gateway/a%2Fb");
  EXPECT_EQ(t.render("+#"), "gateway/%2B%23");
  EXPECT_EQ(t.render("50%"), "gateway/50%25");
  EXPECT_EQ(t.render(std::string("x\0y", 3)), "gateway/x%00y");
}

TEST(MqttTopicTemplate, PlaceholderMayBeInsideTheTopic) {
  EXPECT_EQ(TopicTemplate::parse("gw/{event}/out").render("t"), "gw/t/out");
  EXPECT_EQ(TopicTemplate::parse("fixed/topic").render("ignored"), "fixed/topic");
}

TEST(MqttTopicTemplate, BadTopicsAreRejected) {
  EXPECT_THROW(TopicTemplate::parse(""), std::invalid_argument);
  EXPECT_THROW(TopicTemplate::parse("a/+/b"), std::invalid_argument);
  EXPECT_THROW(TopicTemplate::parse("a/#"), std::invalid_argument);
  EXPECT_THROW(TopicTemplate::parse("a/{path}"), std::invalid_argument);
  EXPECT_THROW(TopicTemplate::parse("{event}/{event}"), std::invalid_argument);
  EXPECT_THROW(TopicTemplate::parse(std::string("a\0b", 3)), std::invalid_argument);
}

TEST(MqttTopicFilter, WildcardsOnlyAsWholeLevels) {
  EXPECT_EQ(check_topic_filter("sensors/+/temperature"), "");
  EXPECT_EQ(check_topic_filter("alerts/#"), "");
  EXPECT_EQ(check_topic_filter("#"), "");
  EXPECT_EQ(check_topic_filter("+"), "");
  EXPECT_EQ(check_topic_filter(""), "empty topic filter");
  EXPECT_EQ(check_topic_filter("a/#/b"), "'#' must be the whole last level");
  EXPECT_EQ(check_topic_filter("a/b#"), "'#' must be the whole last level");
  EXPECT_EQ(check_topic_filter("a/b+"), "'+' must be a whole level");
}

}  // namespace
}  // namespace ssegw::mqtt
