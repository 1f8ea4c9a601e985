#pragma once
// A batch publish body (`Content-Type: application/x-ndjson`): one JSON object per line,
// {"event": "t", "data": "...", "channel": "/x"}, read whole before anything is published so
// that a batch is all or nothing. Blank lines are skipped; anything else that is not such an
// object names its line.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "event.h"

namespace ssegw {

struct BatchEvent {
  std::string channel;  // empty: the channel posted to
  Event event;          // type and data as sent
  size_t line = 0;      // its line in the body, from 1, for answers that name it
};

struct BatchLimits {
  size_t max_events = 10'000;
  bool channel_allowed = false;  // only posts to the subscribe path name their channels
};

struct BatchResult {
  std::vector<BatchEvent> events;  // set when error is empty
  std::string error;               // "line 3: data must be a string"
};

BatchResult parse_ndjson_batch(std::string_view body, const BatchLimits& limits);

}  // namespace ssegw
