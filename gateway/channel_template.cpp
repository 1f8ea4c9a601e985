#include "channel_template.h"

#include <algorithm>

namespace ssegw {
namespace {

bool is_placeholder(std::string_view segment) {
  if (segment.size() < 3 || segment.front() != '{' || segment.back() != '}') return false;
  const std::string_view name = segment.substr(1, segment.size() - 2);
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// The segments after the leading '/'; false on an empty one.
bool split_segments(std::string_view path, std::vector<std::string_view>& out) {
  if (path.empty() || path[0] != '/') return false;
  path.remove_prefix(1);
  while (true) {
    const size_t slash = path.find('/');
    const std::string_view segment = path.substr(0, slash);
    if (segment.empty()) return false;
    out.push_back(segment);
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

std::optional<ChannelTemplate> ChannelTemplate::parse(std::string_view text, std::string* why) {
  std::vector<std::string_view> segments;
  if (!split_segments(text, segments)) {
    *why = "a template path starts with '/' and has no empty segment";
    return std::nullopt;
  }
  ChannelTemplate t;
  t.text_ = std::string(text);
  bool any = false;
  for (std::string_view segment : segments) {
    if (is_placeholder(segment)) {
      t.segments_.emplace_back();
      any = true;
    } else if (segment.find_first_of("{}*") != std::string_view::npos) {
      *why = "'" + std::string(segment) +
             "': a placeholder is a whole segment {name} (letters, digits, '_'); no '*'";
      return std::nullopt;
    } else {
      t.segments_.emplace_back(segment);
    }
  }
  if (!any) {
    *why = "a template needs a {name} segment";
    return std::nullopt;
  }
  return t;
}

bool ChannelTemplate::matches(std::string_view path) const {
  std::vector<std::string_view> segments;
  if (!split_segments(path, segments) || segments.size() != segments_.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (segments_[i].empty()) {
      // A value is any segment but one that could be read as a placeholder or a pattern.
      if (segments[i].find_first_of("{}*") != std::string_view::npos) return false;
    } else if (segments[i] != segments_[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace ssegw
