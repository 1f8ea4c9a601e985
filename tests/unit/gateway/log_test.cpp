#include "gateway/log.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <regex>

#include "gateway/json_text.h"

namespace ssegw {
namespace {

constexpr int64_t kAt = 1764684185123;  // 2025-12-02T14:03:05.123Z

TEST(LogFormat, TextStaysAsItWas) {
  EXPECT_EQ(format_log_line(LogFormat::kText, LogLevel::kInfo, "listening on 127.0.0.1:8080",
                            {{"tls", "false"}, {"path", "/a b"}}, kAt),
            "level=info msg=\"listening on 127.0.0.1:8080\" tls=false path=\"/a b\"\n");
}

TEST(LogFormat, JsonIsOneObjectPerLineWithTsLevelMsgAndTheFieldsInOrder) {
  const std::string line =
      format_log_line(LogFormat::kJson, LogLevel::kWarn, "listening on 127.0.0.1:8080",
                      {{"tls", "false"}, {"workers", "2"}}, kAt);
  EXPECT_EQ(line,
            "{\"ts\":\"2025-12-02T14:03:05.123Z\",\"level\":\"warn\",\"msg\":\"listening on "
            "127.0.0.1:8080\",\"tls\":\"false\",\"workers\":\"2\"}\n");
}

// Log fields carry what strangers sent (header values, paths): no byte of it may break the
// line or the JSON, and what is valid UTF-8 is kept as it is.
TEST(LogFormat, HostileBytesStayInsideTheirJsonString) {
  const std::string hostile = std::string("a\"b\\c\nd\re\x01\x1f", 12) + "\xff\xc0\xaf" +
                              "\xed\xa0\x80" + "\xf4\x90\x80\x80" + "é€😀" + "\xe2\x82";
  const std::string line =
      format_log_line(LogFormat::kJson, LogLevel::kError, hostile, {{"header", hostile}}, kAt);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line";
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(line.substr(0, line.size() - 1)).get(doc), simdjson::SUCCESS) << line;
  std::string_view msg;
  ASSERT_EQ(doc["msg"].get(msg), simdjson::SUCCESS);
  std::string_view header;
  ASSERT_EQ(doc["header"].get(header), simdjson::SUCCESS);
  EXPECT_EQ(msg, header);
  const std::string expected =
      std::string("a\"b\\c\nd\re\x01\x1f", 12) +
      // each byte of a bad sequence is one U+FFFD
      "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" + "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" +
      "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" + "é€😀" + "\xef\xbf\xbd\xef\xbf\xbd";
  EXPECT_EQ(msg, expected);
}

TEST(LogFormat, EveryLevelHasItsName) {
  const std::regex shape(
      R"re(\{"ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","level":"(\w+)",.*\}\n)re");
  const std::pair<LogLevel, const char*> levels[] = {{LogLevel::kDebug, "debug"},
                                                     {LogLevel::kInfo, "info"},
                                                     {LogLevel::kWarn, "warn"},
                                                     {LogLevel::kError, "error"}};
  for (const auto& [level, name] : levels) {
    std::smatch m;
    const std::string line = format_log_line(LogFormat::kJson, level, "m", {}, kAt);
    ASSERT_TRUE(std::regex_match(line, m, shape)) << line;
    EXPECT_EQ(m[1], name);
  }
}

}  // namespace
}  // namespace ssegw
