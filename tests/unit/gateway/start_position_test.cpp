#include "gateway/start_position.h"

#include <gtest/gtest.h>

namespace ssegw {
namespace {

TEST(Rfc3339, ParsesUtcOffsetsAndFractions) {
  EXPECT_EQ(parse_rfc3339_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339_ms("2026-12-01T10:00:00Z"), 1796119200000);
  EXPECT_EQ(parse_rfc3339_ms("2026-12-01T11:00:00+01:00"), 1796119200000);
  EXPECT_EQ(parse_rfc3339_ms("2026-12-01T09:30:00-00:30"), 1796119200000);
  EXPECT_EQ(parse_rfc3339_ms("2026-12-01T10:00:00.25Z"), 1796119200250);
  EXPECT_EQ(parse_rfc3339_ms("2026-12-01T10:00:00.123999Z"), 1796119200123);  // cut
  EXPECT_EQ(parse_rfc3339_ms("2024-02-29t10:00:00z"), 1709200800000);
}

TEST(Rfc3339, RefusesWhatIsNotATime) {
  for (const char* text : {"", "earliest", "1796119200000", "2026-12-01", "2026-12-01T10:00:00",
                           "2026-13-01T10:00:00Z", "2025-02-29T10:00:00Z", "2026-12-01T24:00:00Z",
                           "2026-12-01T10:00:00.Z", "2026-12-01T10:00:00+0100",
                           "2026-12-01T10:00:00Zjunk", "２026-12-01T10:00:00Z"}) {
    EXPECT_FALSE(parse_rfc3339_ms(text)) << text;
  }
}

TEST(StartPosition, HeaderIsAnIdQueryMayBeASpecialValue) {
  using Kind = StartPosition::Kind;
  const std::string header = "latest";
  EXPECT_EQ(start_position(&header, "earliest").kind, Kind::kId);
  EXPECT_EQ(start_position(&header, "earliest").id, "latest");
  EXPECT_EQ(start_position(nullptr, "earliest").kind, Kind::kEarliest);
  EXPECT_EQ(start_position(nullptr, "latest").kind, Kind::kLatest);
  EXPECT_EQ(start_position(nullptr, "2026-12-01T10:00:00Z").since_ms, 1796119200000);
  EXPECT_EQ(start_position(nullptr, "17").id, "17");
  EXPECT_EQ(start_position(nullptr, std::nullopt).id, "");
}

TEST(ResetEvent, IsOneEventWithNoIdAndEscapedJson) {
  EXPECT_EQ(encode_reset_event("reset", "a\"b", "9", "expired"),
            "event: reset\ndata: {\"last_event_id\":\"a\\\"b\",\"oldest_id\":\"9\","
            "\"reason\":\"expired\"}\n\n");
  EXPECT_EQ(encode_reset_event("gone", "", "", "unknown", "/rooms/a"),
            "event: gone\ndata: {\"channel\":\"/rooms/a\",\"last_event_id\":\"\","
            "\"oldest_id\":\"\",\"reason\":\"unknown\"}\n\n");
}

}  // namespace
}  // namespace ssegw
