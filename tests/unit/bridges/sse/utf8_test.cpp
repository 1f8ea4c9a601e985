#include "bridges/sse/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace ssegw::sse {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

std::string replaced(std::string_view text) {
  std::string out;
  append_utf8_replacing(text, out);
  return out;
}

TEST(Utf8, LongAsciiAndMultiByteRunsAreValid) {
  std::string text(1000, 'a');
  text += "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  text += std::string(37, 'b');
  EXPECT_TRUE(is_valid_utf8(text));
  EXPECT_EQ(replaced(text), text);
}

TEST(Utf8, InvalidByteAfterLongAsciiRunIsFound) {
  std::string text(1000, 'a');
  text[517] = '\xFF';
  EXPECT_EQ(valid_utf8_prefix(text), 517u);
  std::string expected(1000, 'a');
  expected.replace(517, 1, kFffd);
  EXPECT_EQ(replaced(text), expected);
}

TEST(Utf8, MaximalSubpartsBecomeOneReplacementEach) {
  // E1 80 (truncated 3-byte) then 'A'; F0 9F (truncated 4-byte) at the end.
  EXPECT_EQ(replaced("\xE1\x80"
                     "A\xF0\x9F"),
            kFffd + "A" + kFffd);
  // Lone continuation bytes are one each.
  EXPECT_EQ(replaced("\x80\x80"), kFffd + kFffd);
  // F5..FF and C0, C1 can never start a sequence.
  EXPECT_EQ(replaced("\xF5\xC1\xC0"), kFffd + kFffd + kFffd);
}

TEST(Utf8, BoundaryCodePointsAreValid) {
  EXPECT_TRUE(is_valid_utf8("\xC2\x80"));           // U+0080
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));       // U+D7FF
  EXPECT_TRUE(is_valid_utf8("\xEE\x80\x80"));       // U+E000
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));   // U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE0\x9F\xBF"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));  // overlong
}

}  // namespace
}  // namespace ssegw::sse
