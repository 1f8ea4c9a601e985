#include "bridges/common/json_text.h"

#include <gtest/gtest.h>

#include <string>

namespace ssegw {
namespace {

TEST(JsonText, AcceptsEveryKindOfValue) {
  for (const char* ok : {"0", "-0", "12.5e-3", "1E+2", "true", "false", "null", "\"\"",
                         "\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"", "[]", "{}", " [1, 2 ,3] ",
                         "{\"a\":{\"b\":[null,{\"c\":\"d\"}]},\"e\":1}", "\"caf\xC3\xA9\"",
                         "\n\t{ \"k\" : [ ] }\r\n"}) {
    EXPECT_TRUE(is_json_text(ok)) << ok;
  }
}

TEST(JsonText, RejectsWhatRfc8259Forbids) {
  for (const char* bad : {"",
                          " ",
                          "01",
                          "1.",
                          ".5",
                          "-",
                          "+1",
                          "1e",
                          "0x10",
                          "NaN",
                          "tru",
                          "nul",
                          "'a'",
                          "\"unterminated",
                          "\"bad\\escape\"",
                          "\"\\u12g4\"",
                          "\"tab\there\"",
                          "[1,]",
                          "[,1]",
                          "{\"a\"}",
                          "{\"a\":}",
                          "{a:1}",
                          "{\"a\":1,}",
                          "[1 2]",
                          "{} {}",
                          "[",
                          "]",
                          "{\"a\":1]",
                          "[}",
                          "price=12.3",
                          "\"\x01\"",
                          "nan",
                          "[1] [2]"}) {
    EXPECT_FALSE(is_json_text(bad)) << bad;
  }
}

TEST(JsonText, DeepNestingNeedsNoRecursion) {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  EXPECT_TRUE(is_json_text(deep));
  EXPECT_FALSE(is_json_text(deep + "]"));
}

}  // namespace
}  // namespace ssegw
