#pragma once
// A transactional Kafka sink's resume point, as a record of its state topic: keyed by the
// source name, its value says which data topic it speaks of, the sink's seq of the last
// event of that source the transaction carried, and that event's upstream id. The record
// commits in the same transaction as the events, so what a read_committed reader finds is
// exactly where the committed data ends, whatever partitions the events went to.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssegw::kafka {

struct ResumeRecord {
  std::string topic;      // the data topic the sink writes
  uint64_t seq = 0;       // the sink's seq header of that event
  std::string origin_id;  // the upstream's id of that event (its Last-Event-ID)
  bool operator==(const ResumeRecord&) const = default;
};

// The value's text: a version line, then topic, seq and id, one a line (an SSE id cannot
// hold a line break, and a topic name cannot either).
std::string encode_resume_value(const ResumeRecord& record);
// nullopt for a value this version did not write (another writer, a newer format).
std::optional<ResumeRecord> decode_resume_value(std::string_view value);

// One record as read back from the state topic, in offset order within its partition.
struct StateEntry {
  std::string key;  // the source name
  std::string value;
};

struct CommittedResume {
  std::map<std::string, std::string> last_origin_id;  // source -> upstream id
  uint64_t max_seq = 0;                               // 0 when nothing is committed
  size_t ignored = 0;  // records of another topic or format, or with no source
};

// Where each source resumes: for every source the record with the highest seq about
// `topic` (a compacted topic may still hold older ones, and a state topic may be shared
// by sinks of several topics).
CommittedResume choose_resume_points(const std::vector<StateEntry>& entries,
                                     const std::string& topic);

}  // namespace ssegw::kafka
