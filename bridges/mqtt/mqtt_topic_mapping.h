#pragma once
// How MQTT topics become SSE paths and event types, and how events become MQTT topics.
// Pure functions, so the rules that keep a topic from being served as something else are
// tested on their own.
#include <optional>
#include <string>
#include <string_view>

namespace ssegw::mqtt {

// A channel path with one `{topic}` placeholder, e.g. "/mqtt/{topic}".
class PathTemplate {
 public:
  // nullopt when `text` has no placeholder. Throws std::invalid_argument with the reason
  // when it is not a usable template (not starting with '/', two placeholders, other braces).
  static std::optional<PathTemplate> parse(const std::string& text);

  // The path for `topic`, or nullopt with `why` set when the topic cannot make a safe path:
  // empty topic, empty levels ("a//b", "/a", "a/"), "." or ".." levels, '$' system topics,
  // or a path longer than max_path_bytes. Every byte outside [A-Za-z0-9._~-] in a level is
  // percent-encoded (so '%', spaces, '?', '#', non-ASCII all become %XX) and '/' separates
  // levels exactly as in the topic.
  std::optional<std::string> render(std::string_view topic, std::string* why) const;

  const std::string& prefix() const { return prefix_; }
  const std::string& suffix() const { return suffix_; }

 private:
  std::string prefix_;
  std::string suffix_;
};

inline constexpr size_t kMaxPathBytes = 1024;

// One topic level, percent-encoded as PathTemplate::render does.
std::string encode_path_level(std::string_view level);

// The MQTT topic as an SSE event type: CR, LF, NUL and '%' are percent-encoded, so the type
// can never end the `event:` line or inject a field; everything else is kept.
std::string topic_as_event_type(std::string_view topic);

// A publish topic with an optional `{event}` placeholder, e.g. "gateway/{event}".
class TopicTemplate {
 public:
  // Throws std::invalid_argument when the text is empty, has wildcards ('+', '#'), NUL,
  // braces other than "{event}", or is longer than MQTT allows.
  static TopicTemplate parse(const std::string& text);
  // The topic for an event of `event_type` ("message" when empty). In the type, '/', '+',
  // '#', '%', NUL and control bytes are percent-encoded, so it fills exactly one level
  // and never becomes a wildcard.
  std::string render(std::string_view event_type) const;
  bool has_placeholder() const { return has_placeholder_; }

 private:
  std::string prefix_;
  std::string suffix_;
  bool has_placeholder_ = false;
};

std::string encode_topic_level(std::string_view text);

// Checks an MQTT subscription filter: non-empty, '#' only as a whole last level, '+' only
// as a whole level, no NUL. Returns the problem or an empty string.
std::string check_topic_filter(std::string_view filter);

}  // namespace ssegw::mqtt
