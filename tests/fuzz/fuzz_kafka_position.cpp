// Any text as a Last-Event-ID that may be a Kafka position: decoding never crashes, and
// what decodes re-encodes to an id that decodes to the same position and compares as
// itself (subscribers resume from these ids).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bridges/kafka/kafka_position.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ssegw::kafka;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::optional<Position> position = decode_position(text);
  if (!position) return 0;
  const std::optional<Position> again = decode_position(encode_position(*position));
  if (!again || !(*again == *position)) std::abort();
  if (compare_cuts(position->cut, position->cut) != CutOrder::kSame) std::abort();
  if (!has_seen(*position, *position)) std::abort();
  const Cut before = cut_before_event(*position);
  if (!covered_by(before, position->cut)) std::abort();
  if (compare_cuts(before, position->cut) != CutOrder::kBefore) std::abort();
  return 0;
}
