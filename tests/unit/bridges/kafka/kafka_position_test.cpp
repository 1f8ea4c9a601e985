#include "bridges/kafka/kafka_position.h"

#include <gtest/gtest.h>

namespace ssegw::kafka {
namespace {

TEST(KafkaPosition, EncodesOwnPartitionThenSortedCut) {
  Position p{{0, 2}, {{{0, 1}, 41}, {{0, 0}, 13}, {{0, 2}, 8}}};
  EXPECT_EQ(encode_position(p), "2@0:13,1:41,2:8");
}

TEST(KafkaPosition, TopicIndexAppearsOnlyWhenNotFirstTopic) {
  Position p{{1, 0}, {{{0, 0}, 5}, {{1, 0}, 7}}};
  EXPECT_EQ(encode_position(p), "1.0@0:5,1.0:7");
}

TEST(KafkaPosition, RoundTrips) {
  for (const char* text : {"0@0:1", "2@0:13,1:41,2:8", "1.3@0:0,1.3:99999999999", "0@0:1,1:0"}) {
    auto decoded = decode_position(text);
    ASSERT_TRUE(decoded) << text;
    EXPECT_EQ(encode_position(*decoded), text);
  }
}

TEST(KafkaPosition, RejectsWhatIsNotAPosition) {
  for (const char* text :
       {"", "12345", "0@", "@0:1", "0@0:", "0@0:x", "0@0:1,", "0@0:1,,1:2", "0@0:1,0:2", "1@0:1",
        "0@0:0", "0@-1:3", "0@0:-3", "0@0:1 ", " 0@0:1", "0@0;1", "0@0.:1", "0@.0:1", "0@0:1\n"}) {
    EXPECT_FALSE(decode_position(text)) << "'" << text << "'";
  }
}

TEST(KafkaPosition, ComparesComponentWise) {
  Cut a{{{0, 0}, 10}, {{0, 1}, 5}};
  Cut b{{{0, 0}, 11}, {{0, 1}, 5}};
  Cut c{{{0, 0}, 9}, {{0, 1}, 6}};
  EXPECT_EQ(compare_cuts(a, b), CutOrder::kBefore);
  EXPECT_EQ(compare_cuts(b, a), CutOrder::kAfter);
  EXPECT_EQ(compare_cuts(a, a), CutOrder::kSame);
  EXPECT_EQ(compare_cuts(a, c), CutOrder::kConcurrent);
  EXPECT_TRUE(covered_by(a, b));
  EXPECT_TRUE(covered_by(a, a));
  EXPECT_FALSE(covered_by(b, a));
  EXPECT_FALSE(covered_by(a, c));
}

TEST(KafkaPosition, MissingPartitionCountsAsZero) {
  Cut a{{{0, 0}, 10}};
  Cut b{{{0, 0}, 10}, {{0, 1}, 0}};
  Cut c{{{0, 0}, 10}, {{0, 1}, 1}};
  EXPECT_EQ(compare_cuts(a, b), CutOrder::kSame);
  EXPECT_EQ(compare_cuts(a, c), CutOrder::kBefore);
}

TEST(KafkaPosition, SuccessiveEventIdsIncrease) {
  // Ids a feed hands out as it reads partitions in any interleaving only ever grow.
  Cut cut{{{0, 0}, 0}, {{0, 1}, 0}, {{0, 2}, 0}};
  std::string previous;
  for (int i = 0; i < 30; ++i) {
    PartitionKey key{0, (i * 7) % 3};
    cut[key]++;
    std::string id = encode_position(Position{key, cut});
    if (!previous.empty()) {
      EXPECT_EQ(compare_cuts(decode_position(previous)->cut, decode_position(id)->cut),
                CutOrder::kBefore);
    }
    previous = id;
  }
}

TEST(KafkaPosition, CutBeforeEventLowersOnlyItsOwnPartition) {
  auto p = decode_position("1@0:13,1:41,2:8");
  ASSERT_TRUE(p);
  Cut expected{{{0, 0}, 13}, {{0, 1}, 40}, {{0, 2}, 8}};
  EXPECT_EQ(cut_before_event(*p), expected);
}

TEST(KafkaPosition, HasSeenLooksOnlyAtTheEventsOwnPartition) {
  // Gateway A read p0 then p1; gateway B read p1 then p0: different ids, same events.
  auto seen_on_a = decode_position("0@0:5,1:3");
  auto b_event_p1 = decode_position("1@0:2,1:3");  // p1 offset 2, B had read less of p0
  auto b_event_p0 = decode_position("0@0:5,1:3");
  auto b_later = decode_position("1@0:5,1:4");
  ASSERT_TRUE(seen_on_a && b_event_p1 && b_event_p0 && b_later);
  EXPECT_TRUE(has_seen(*seen_on_a, *b_event_p1));
  EXPECT_TRUE(has_seen(*seen_on_a, *b_event_p0));
  EXPECT_FALSE(has_seen(*seen_on_a, *b_later));
  // A partition the subscriber never heard of: not seen.
  auto other_topic = decode_position("1.0@0:5,1.0:1");
  ASSERT_TRUE(other_topic);
  EXPECT_FALSE(has_seen(*seen_on_a, *other_topic));
}

}  // namespace
}  // namespace ssegw::kafka
