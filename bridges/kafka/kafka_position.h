#pragma once
// Event ids that are Kafka positions. An id names the event's own partition and the cut of
// the channel after it: for every partition the channel reads, the next offset to read.
//
//   id    := own "@" cut            "2@0:13,1:41,2:8"
//   cut   := entry ("," entry)*     sorted by key
//   entry := key ":" offset
//   key   := partition              (topic index 0, the usual single-topic case)
//          | topic "." partition    (topic = index in the source's `topics` list)
//
// The cut says exactly which events a subscriber holding the id has seen (every offset below
// it, per partition), so the gateway can resume it from Kafka, and ids compare component-wise.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ssegw::kafka {

struct PartitionKey {
  int32_t topic = 0;  // index into the topics list
  int32_t partition = 0;
  auto operator<=>(const PartitionKey&) const = default;
};

// Partition -> next offset to read.
using Cut = std::map<PartitionKey, int64_t>;

struct Position {
  PartitionKey own;  // the partition of the event the id belongs to
  Cut cut;
  bool operator==(const Position&) const = default;
};

std::string encode_key(PartitionKey key);
std::string encode_cut(const Cut& cut);
std::string encode_position(const Position& position);
// nullopt when the text is not a well-formed position id.
std::optional<Position> decode_position(std::string_view text);

enum class CutOrder { kBefore, kSame, kAfter, kConcurrent };
// Component-wise: a partition missing from a cut counts as offset 0.
CutOrder compare_cuts(const Cut& a, const Cut& b);

// True if every event covered by `a` is covered by `b` (a <= b component-wise).
bool covered_by(const Cut& a, const Cut& b);

// True if a subscriber whose last id is `seen` has had the event whose id is `event`: its
// cut is past the event's offset in the event's own partition. Works across gateways whose
// ids for the same events differ because they interleaved the partitions differently.
bool has_seen(const Position& seen, const Position& event);

// The cut just before the event itself: its own partition one offset lower.
Cut cut_before_event(const Position& position);

}  // namespace ssegw::kafka
