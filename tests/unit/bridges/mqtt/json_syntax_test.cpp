#include "bridges/mqtt/json_syntax.h"

#include <gtest/gtest.h>

namespace ssegw::mqtt {
namespace {

TEST(MqttJsonSyntax, AcceptsEveryKindOfValue) {
  for (const char* text :
       {"{}", "[]", "0", "-0.5e+3", "1E9", "\"\"", "\"a\\n\\u00e9\\\"\"", "true", "false", "null",
        " {\"a\": [1, 2, {\"b\": null}]} \n", "\"caf\xC3\xA9\"", "[1,[2,[3]]]"}) {
    EXPECT_TRUE(is_json_text(text)) << text;
  }
}

TEST(MqttJsonSyntax, RejectsWhatIsNotOneJsonValue) {
  for (const char* text :
       {"",        " ",           "{",   "}",     "[1,]",  "{\"a\":}", "{\"a\" 1}", "{a: 1}", "01",
        "1.",      ".5",          "-",   "1e",    "+1",    "tru",      "nul",       "'x'",    "\"a",
        "\"\\x\"", "\"\\u12g4\"", "1 2", "{} {}", "[1] x", "hello",    "NaN"}) {
    EXPECT_FALSE(is_json_text(text)) << text;
  }
  EXPECT_FALSE(is_json_text(std::string("\"a\nb\"")));  // raw control character in a string
}

TEST(MqttJsonSyntax, DeepNestingIsRefusedNotACrash) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_FALSE(is_json_text(deep));
  const std::string fine = std::string(100, '[') + std::string(100, ']');
  EXPECT_TRUE(is_json_text(fine));
}

}  // namespace
}  // namespace ssegw::mqtt
