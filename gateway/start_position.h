#pragma once
// Where a subscription starts: after a Last-Event-ID (the header, or ?lastEventId=), or,
// from the query only, at `earliest` (everything retained), `latest` (only what comes next)
// or an RFC 3339 time (everything retained published at or after it). The header always
// means an id: a browser's EventSource reconnects to the same URL with it, and must resume
// from its id rather than start over from the URL's `earliest`.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "event.h"

namespace ssegw {

struct StartPosition {
  enum class Kind { kId, kEarliest, kLatest, kSince };
  Kind kind = Kind::kId;
  std::string id;        // kId; empty: from now, nothing replayed
  int64_t since_ms = 0;  // kSince: Unix ms
};

StartPosition start_position(const std::string* header, std::optional<std::string> query);

// "2026-12-01T10:00:00Z", "2026-12-01T10:00:00.250+01:00" (RFC 3339 section 5.6): Unix ms.
std::optional<int64_t> parse_rfc3339_ms(std::string_view text);

// The event a stream starts with when its Last-Event-ID cannot be honoured exactly: type
// `event_type`, no id (the client's last id stays until a real event moves it), data
// {"last_event_id", "oldest_id", "reason"} and, for one channel of several, "channel".
std::string encode_reset_event(const std::string& event_type, std::string_view last_event_id,
                               std::string_view oldest_id, std::string_view reason,
                               std::string_view channel = {});

}  // namespace ssegw
