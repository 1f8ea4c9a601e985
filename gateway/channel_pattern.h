#pragma once
// Channel path patterns, as tokens' claims and subscriptions name channels: an exact path,
// `*` for exactly one path segment, `**` for the rest of the path (one segment or more).
//   "/rooms/*"  matches "/rooms/a", not "/rooms" nor "/rooms/a/b"
//   "/rooms/**" matches "/rooms/a" and "/rooms/a/b", not "/rooms"
// Matching is by whole segments and costs time linear in the two lengths.
#include <string_view>

namespace ssegw {

// Whether `pattern` is well formed: starts with '/', no empty segment, and `*`/`**` only as
// whole segments, `**` only last.
bool valid_channel_pattern(std::string_view pattern);

// Whether `path` (a channel path) is covered by `pattern` (assumed valid).
bool channel_pattern_matches(std::string_view pattern, std::string_view path);

}  // namespace ssegw
