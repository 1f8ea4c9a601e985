#include "bridges/mqtt/mqtt_topic_mapping.h"

#include <stdexcept>

namespace ssegw::mqtt {
namespace {

constexpr std::string_view kTopicPlaceholder = "{topic}";
constexpr std::string_view kEventPlaceholder = "{event}";
constexpr size_t kMaxTopicBytes = 65535;

void append_percent(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 0xF];
}

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

std::string encode_path_level(std::string_view level) {
  std::string out;
  out.reserve(level.size());
  for (unsigned char c : level) {
    if (unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      append_percent(out, c);
    }
  }
  return out;
}

std::optional<PathTemplate> PathTemplate::parse(const std::string& text) {
  const size_t at = text.find(kTopicPlaceholder);
  if (at == std::string::npos) return std::nullopt;
  if (text.empty() || text[0] != '/') throw std::invalid_argument("a channel path starts with '/'");
  PathTemplate t;
  t.prefix_ = text.substr(0, at);
  t.suffix_ = text.substr(at + kTopicPlaceholder.size());
  for (const std::string* part : {&t.prefix_, &t.suffix_}) {
    if (part->find_first_of("{}") != std::string::npos) {
      throw std::invalid_argument("the only placeholder a path may hold is one {topic}");
    }
    if (part->find_first_of("?#% \t\r\n") != std::string::npos) {
      throw std::invalid_argument("a path may not contain '?', '#', '%' or whitespace");
    }
  }
  return t;
}

std::optional<std::string> PathTemplate::render(std::string_view topic, std::string* why) const {
  auto refuse = [&](const char* reason) -> std::optional<std::string> {
    if (why) *why = reason;
    return std::nullopt;
  };
  if (topic.empty()) return refuse("empty topic");
  if (topic.front() == '$') return refuse("system topics ($...) are not mapped to paths");
  std::string path = prefix_;
  size_t start = 0;
  while (true) {
    const size_t slash = topic.find('/', start);
    const std::string_view level = topic.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (level.empty()) return refuse("empty topic level");
    if (level == "." || level == "..") return refuse("'.' or '..' topic level");
    if (start != 0) path += '/';
    path += encode_path_level(level);
    if (path.size() > kMaxPathBytes) return refuse("path would be too long");
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  path += suffix_;
  if (path.size() > kMaxPathBytes) return refuse("path would be too long");
  return path;
}

std::string topic_as_event_type(std::string_view topic) {
  std::string out;
  out.reserve(topic.size());
  for (unsigned char c : topic) {
    if (c == '\r' || c == '\n' || c == '\0' || c == '%') {
      append_percent(out, c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string encode_topic_level(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c == '/' || c == '+' || c == '#' || c == '%' || c < 0x20 || c == 0x7F) {
      append_percent(out, c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

TopicTemplate TopicTemplate::parse(const std::string& text) {
  if (text.empty()) throw std::invalid_argument("the topic is empty");
  if (text.size() > kMaxTopicBytes)
    throw std::invalid_argument("the topic is longer than 65535 bytes");
  if (text.find('\0') != std::string::npos) throw std::invalid_argument("the topic contains NUL");
  TopicTemplate t;
  const size_t at = text.find(kEventPlaceholder);
  t.has_placeholder_ = at != std::string::npos;
  t.prefix_ = t.has_placeholder_ ? text.substr(0, at) : text;
  t.suffix_ = t.has_placeholder_ ? text.substr(at + kEventPlaceholder.size()) : "";
  for (const std::string* part : {&t.prefix_, &t.suffix_}) {
    if (part->find_first_of("{}") != std::string::npos) {
      throw std::invalid_argument("the only placeholder a topic may hold is one {event}");
    }
    if (part->find_first_of("+#") != std::string::npos) {
      throw std::invalid_argument("a publish topic may not contain the wildcards '+' or '#'");
    }
  }
  return t;
}

std::string TopicTemplate::render(std::string_view event_type) const {
  if (!has_placeholder_) return prefix_;
  return prefix_ + encode_topic_level(event_type.empty() ? "message" : event_type) + suffix_;
}

std::string check_topic_filter(std::string_view filter) {
  if (filter.empty()) return "empty topic filter";
  if (filter.size() > kMaxTopicBytes) return "topic filter longer than 65535 bytes";
  if (filter.find('\0') != std::string_view::npos) return "topic filter contains NUL";
  size_t start = 0;
  while (true) {
    const size_t slash = filter.find('/', start);
    const bool last = slash == std::string_view::npos;
    const std::string_view level =
        filter.substr(start, last ? std::string_view::npos : slash - start);
    if (level.find('#') != std::string_view::npos && (level != "#" || !last)) {
      return "'#' must be the whole last level";
    }
    if (level.find('+') != std::string_view::npos && level != "+") {
      return "'+' must be a whole level";
    }
    if (last) break;
    start = slash + 1;
  }
  return "";
}

}  // namespace ssegw::mqtt
