#include "bridges/kafka/kafka_resume_record.h"

#include <gtest/gtest.h>

namespace ssegw::kafka {
namespace {

TEST(ResumeRecord, RoundTrips) {
  const ResumeRecord record{"prices", 1733100000123456, "market-42:7"};
  EXPECT_EQ(decode_resume_value(encode_resume_value(record)), record);
}

TEST(ResumeRecord, KeepsAnEmptyIdAndOneWithSpaces) {
  for (const std::string id : {"", "a b  c", "id: with colon"}) {
    const ResumeRecord record{"t", 9, id};
    EXPECT_EQ(decode_resume_value(encode_resume_value(record)), record) << id;
  }
}

TEST(ResumeRecord, RefusesWhatThisVersionDidNotWrite) {
  EXPECT_EQ(decode_resume_value(""), std::nullopt);
  EXPECT_EQ(decode_resume_value("ssegw-resume 2\nt\n1\nid"), std::nullopt);  // newer format
  EXPECT_EQ(decode_resume_value("ssegw-resume 1\nt\n1"), std::nullopt);      // cut short
  EXPECT_EQ(decode_resume_value("ssegw-resume 1\n\n1\nid"), std::nullopt);   // no topic
  EXPECT_EQ(decode_resume_value("ssegw-resume 1\nt\n-1\nid"), std::nullopt);
  EXPECT_EQ(decode_resume_value("ssegw-resume 1\nt\n12x\nid"), std::nullopt);
  EXPECT_EQ(decode_resume_value("ssegw-resume 1\nt\n\nid"), std::nullopt);
  EXPECT_EQ(decode_resume_value("ssegw-resume 1\nt\n1\nid\nmore"), std::nullopt);
}

StateEntry entry(const std::string& source, const std::string& topic, uint64_t seq,
                 const std::string& id) {
  return {source, encode_resume_value({topic, seq, id})};
}

TEST(ChooseResumePoints, NothingCommittedIsNoPoint) {
  const CommittedResume chosen = choose_resume_points({}, "prices");
  EXPECT_TRUE(chosen.last_origin_id.empty());
  EXPECT_EQ(chosen.max_seq, 0u);
}

TEST(ChooseResumePoints, EachSourceResumesAfterItsHighestSeq) {
  // Out of seq order on purpose: a state topic with more than one partition, or a record
  // rewritten by a fenced instance, need not be in seq order when read back.
  const CommittedResume chosen =
      choose_resume_points({entry("a", "prices", 10, "a-10"), entry("b", "prices", 30, "b-30"),
                            entry("a", "prices", 50, "a-50"), entry("a", "prices", 40, "a-40")},
                           "prices");
  EXPECT_EQ(chosen.last_origin_id,
            (std::map<std::string, std::string>{{"a", "a-50"}, {"b", "b-30"}}));
  EXPECT_EQ(chosen.max_seq, 50u);
  EXPECT_EQ(chosen.ignored, 0u);
}

TEST(ChooseResumePoints, IgnoresOtherTopicsDamagedValuesAndEmptyKeys) {
  const CommittedResume chosen = choose_resume_points({entry("a", "prices", 10, "a-10"),
                                                       entry("a", "old-prices", 99, "a-99"),
                                                       {"a", "not a resume record"},
                                                       entry("", "prices", 70, "x")},
                                                      "prices");
  EXPECT_EQ(chosen.last_origin_id, (std::map<std::string, std::string>{{"a", "a-10"}}));
  EXPECT_EQ(chosen.max_seq, 10u);
  EXPECT_EQ(chosen.ignored, 3u);
}

}  // namespace
}  // namespace ssegw::kafka
