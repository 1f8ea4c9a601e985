#pragma once
// For a source with `ids: upstream`: whether the upstream's id of an event may be the id it
// is published with. A relayed id must name one event (history and resume find frames by
// it) and travel back intact in every form a subscriber resumes with: the Last-Event-ID
// header, the lastEventId query parameter, and an entry of a multiplexed stream's composite
// id (composite_id.h). An id that fails falls back to a gateway id.
//
// The rule, in order:
//   - no id: line in the event, or an empty one         -> kMissing
//   - longer than kMaxIdBytes                           -> kTooLong
//   - a byte outside printable ASCII (0x21..0x7E), or '!' -> kBadBytes
//     (no space, control byte, DEL or non-ASCII: header values lose edge spaces and
//     control bytes, and composite entries hold printable ASCII only, split on '!')
//   - what ?lastEventId= reads as a start position rather than an id: `earliest`, `latest`,
//     an RFC 3339 time (start_position.h)                -> kStartPosition
//   - the previous accepted id and this one both all ASCII digits, and this one not larger
//     as a number (any length; leading zeros ignored)    -> kNotGrowing
//   - equal to one of the last kRecentIds accepted ids    -> kRepeated
// Memory is bounded: kRecentIds ids of at most kMaxIdBytes each.
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

namespace ssegw::sse {

enum class UpstreamIdVerdict {
  kAccepted,
  kMissing,
  kTooLong,
  kBadBytes,
  kStartPosition,
  kNotGrowing,
  kRepeated
};

// Short words for logs: "accepted", "missing", "too long", ...
std::string_view to_string(UpstreamIdVerdict verdict);

class UpstreamIdCheck {
 public:
  static constexpr size_t kMaxIdBytes = 256;
  static constexpr size_t kRecentIds = 256;

  // The id the stream resumes after (a configured last_event_id, a resume point): what the
  // upstream sends next must grow past it and not repeat it. Ignored unless well formed.
  void start_after(std::string_view id);

  // The verdict on an event's id; an accepted id becomes the previous one and is remembered.
  UpstreamIdVerdict check(std::string_view id, bool had_id_field);

  // The last id accepted (or started after); empty if none.
  const std::string& previous() const { return previous_; }

  // The byte, length and start-position rules alone.
  static UpstreamIdVerdict form_of(std::string_view id);

 private:
  void remember(std::string_view id);

  std::string previous_;
  // Node-based, so the pointers in order_ stay valid across rehashes.
  std::unordered_set<std::string> recent_;
  std::deque<const std::string*> order_;  // oldest first
};

}  // namespace ssegw::sse
