#include "bridges/sse/upstream_id_check.h"

#include <gtest/gtest.h>

#include <string>

namespace ssegw::sse {
namespace {

using V = UpstreamIdVerdict;

V check(UpstreamIdCheck& ids, const std::string& id) {
  return ids.check(id, true);
}

TEST(UpstreamIdCheck, DecimalIdsMustGrowAsNumbers) {
  UpstreamIdCheck ids;
  EXPECT_EQ(check(ids, "9"), V::kAccepted);
  EXPECT_EQ(check(ids, "10"), V::kAccepted);  // larger as a number, smaller as text
  EXPECT_EQ(check(ids, "10"), V::kNotGrowing);
  EXPECT_EQ(check(ids, "7"), V::kNotGrowing);
  EXPECT_EQ(check(ids, "0010"), V::kNotGrowing);  // leading zeros do not make it larger
  EXPECT_EQ(check(ids, "0011"), V::kAccepted);
  EXPECT_EQ(ids.previous(), "0011");
  // Past 2^64: compared by digits, not parsed.
  EXPECT_EQ(check(ids, "123456789012345678901234567890"), V::kAccepted);
  EXPECT_EQ(check(ids, "123456789012345678901234567889"), V::kNotGrowing);
  EXPECT_EQ(check(ids, "123456789012345678901234567891"), V::kAccepted);
}

TEST(UpstreamIdCheck, ARefusedIdLeavesThePreviousOneInPlace) {
  UpstreamIdCheck ids;
  EXPECT_EQ(check(ids, "100"), V::kAccepted);
  EXPECT_EQ(check(ids, "5"), V::kNotGrowing);
  EXPECT_EQ(check(ids, "bad id"), V::kBadBytes);
  EXPECT_EQ(ids.previous(), "100");
  EXPECT_EQ(check(ids, "6"), V::kNotGrowing);  // compared with 100, not with the refused 5
  EXPECT_EQ(check(ids, "101"), V::kAccepted);
}

TEST(UpstreamIdCheck, OtherIdsMustNotRepeatARecentOne) {
  UpstreamIdCheck ids;
  EXPECT_EQ(check(ids, "b"), V::kAccepted);
  EXPECT_EQ(check(ids, "a"), V::kAccepted);  // no order among non-decimal ids
  EXPECT_EQ(check(ids, "b"), V::kRepeated);
  EXPECT_EQ(check(ids, "a"), V::kRepeated);
  EXPECT_EQ(check(ids, "c"), V::kAccepted);
}

TEST(UpstreamIdCheck, DecimalAfterOtherIsCheckedOnlyForRepeats) {
  UpstreamIdCheck ids;
  EXPECT_EQ(check(ids, "50"), V::kAccepted);
  EXPECT_EQ(check(ids, "p0:7"), V::kAccepted);
  EXPECT_EQ(check(ids, "3"), V::kAccepted);  // the previous id is not decimal
  EXPECT_EQ(check(ids, "p1:2"), V::kAccepted);
  EXPECT_EQ(check(ids, "50"), V::kRepeated);
}

TEST(UpstreamIdCheck, RemembersABoundedNumberOfIds) {
  UpstreamIdCheck ids;
  for (size_t i = 0; i <= UpstreamIdCheck::kRecentIds; ++i) {
    ASSERT_EQ(check(ids, "k" + std::to_string(i)), V::kAccepted) << i;
  }
  // k0 was pushed out by the newest kRecentIds; k1 is still held.
  EXPECT_EQ(check(ids, "k1"), V::kRepeated);
  EXPECT_EQ(check(ids, "k0"), V::kAccepted);
  EXPECT_EQ(check(ids, "k" + std::to_string(UpstreamIdCheck::kRecentIds)), V::kRepeated);
}

TEST(UpstreamIdCheck, NoIdLineOrAnEmptyIdIsMissing) {
  UpstreamIdCheck ids;
  EXPECT_EQ(ids.check("7", false), V::kMissing);  // an earlier event's id, carried over
  EXPECT_EQ(check(ids, ""), V::kMissing);
  EXPECT_EQ(ids.previous(), "");
  EXPECT_EQ(check(ids, "7"), V::kAccepted);
}

TEST(UpstreamIdCheck, OnlyPrintableAsciiWithoutBangTravels) {
  UpstreamIdCheck ids;
  EXPECT_EQ(check(ids, "evt-2024-01-01T00:00:00Z/@#$%&*+,.;=?[]^_`{|}~\"'()<>\\"), V::kAccepted);
  for (const std::string& bad :
       {std::string("a b"), std::string(" a"), std::string("a\t"), std::string("a\x7f"),
        std::string("a\x01"), std::string("caf\xC3\xA9"), std::string("\xEF\xBF\xBD"),
        std::string("m1!AAAAAAAAn1"), std::string("a\0b", 3)}) {
    EXPECT_EQ(check(ids, bad), V::kBadBytes) << testing::PrintToString(bad);
  }
}

// ?lastEventId= would read these as where to start, not as ids.
TEST(UpstreamIdCheck, StartPositionWordsAndTimesAreRefused) {
  UpstreamIdCheck ids;
  for (const std::string& word :
       {std::string("earliest"), std::string("latest"), std::string("2026-12-01T10:00:00Z"),
        std::string("2026-12-01T10:00:00.250+01:00")}) {
    EXPECT_EQ(check(ids, word), V::kStartPosition) << word;
  }
  EXPECT_EQ(check(ids, "Latest"), V::kAccepted);
  EXPECT_EQ(check(ids, "2026-12-01"), V::kAccepted);
}

TEST(UpstreamIdCheck, LengthIsLimited) {
  UpstreamIdCheck ids;
  EXPECT_EQ(check(ids, std::string(UpstreamIdCheck::kMaxIdBytes, 'x')), V::kAccepted);
  EXPECT_EQ(check(ids, std::string(UpstreamIdCheck::kMaxIdBytes + 1, 'y')), V::kTooLong);
}

TEST(UpstreamIdCheck, StartingAfterAnIdMeansTheUpstreamMustPassIt) {
  UpstreamIdCheck ids;
  ids.start_after("41");
  EXPECT_EQ(ids.previous(), "41");
  EXPECT_EQ(check(ids, "41"), V::kNotGrowing);
  EXPECT_EQ(check(ids, "42"), V::kAccepted);
  UpstreamIdCheck other;
  other.start_after("a b");  // not one it would accept: ignored
  EXPECT_EQ(other.previous(), "");
  other.start_after("tok");
  EXPECT_EQ(check(other, "tok"), V::kRepeated);
}

}  // namespace
}  // namespace ssegw::sse
