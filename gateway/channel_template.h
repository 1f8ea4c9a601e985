#pragma once
// A channel path with placeholder segments ("/rooms/{room}", "/t/{org}/{team}"): the
// channels it stands for are made on demand, one per value, by their first publish or
// subscribe. A placeholder is a whole segment and matches one non-empty segment.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssegw {

class ChannelTemplate {
 public:
  // nullopt with `why` set unless `text` starts with '/', has no empty segment, and every
  // brace is part of a whole-segment placeholder {name} (name: letters, digits, '_').
  static std::optional<ChannelTemplate> parse(std::string_view text, std::string* why);

  const std::string& text() const { return text_; }
  // Whether `path` is one of this template's channels.
  bool matches(std::string_view path) const;

 private:
  std::string text_;
  std::vector<std::string> segments_;  // "" for a placeholder
};

}  // namespace ssegw
