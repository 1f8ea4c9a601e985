#include "channel_pattern.h"

namespace ssegw {
namespace {

// The segment at the front of `s` (which starts after a '/'), and `s` moved past it and its
// trailing '/'. Returns false when nothing is left.
bool next_segment(std::string_view& s, std::string_view& segment) {
  if (s.empty()) return false;
  const size_t slash = s.find('/');
  segment = s.substr(0, slash);
  s = slash == std::string_view::npos ? std::string_view() : s.substr(slash + 1);
  return true;
}

}  // namespace

bool valid_channel_pattern(std::string_view pattern) {
  if (pattern.size() < 2 || pattern[0] != '/') return pattern == "/";
  std::string_view rest = pattern.substr(1);
  std::string_view segment;
  while (next_segment(rest, segment)) {
    if (segment.empty()) return false;
    if (segment.find('*') != std::string_view::npos && segment != "*" && segment != "**")
      return false;
    if (segment == "**" && !rest.empty()) return false;
  }
  return pattern.back() != '/';
}

bool channel_pattern_matches(std::string_view pattern, std::string_view path) {
  if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return false;
  std::string_view p = pattern.substr(1);
  std::string_view s = path.substr(1);
  std::string_view want;
  std::string_view got;
  while (next_segment(p, want)) {
    if (want == "**") return !s.empty();  // one segment or more remain
    if (!next_segment(s, got)) return false;
    if (want != "*" && want != got) return false;
    if (want == "*" && got.empty()) return false;
  }
  return s.empty();
}

}  // namespace ssegw
