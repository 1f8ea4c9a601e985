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

}  // namespace
}  // namespace ssegw::kafka
