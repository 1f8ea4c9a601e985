#include "sse_framer.h"

#include <cstring>

namespace ssegw {
namespace {

// Writes "field: value\n" for one line of an id or event name; callers guarantee no CR/LF.
void append_field(std::string& out, std::string_view field, std::string_view value) {
  out.append(field);
  out.append(": ");
  out.append(value);
  out.push_back('\n');
}

// Splits data on CR, LF and CRLF, one data: line per piece, so the client rebuilds exactly
// the same text joined with LF and no payload can start a new field or end the event.
void append_data(std::string& out, std::string_view data) {
  size_t start = 0;
  while (true) {
    size_t end = data.find_first_of("\r\n", start);
    std::string_view line = data.substr(start, end == std::string_view::npos ? end : end - start);
    out.append("data: ");
    out.append(line);
    out.push_back('\n');
    if (end == std::string_view::npos) break;
    start = end + 1;
    if (data[end] == '\r' && start < data.size() && data[start] == '\n') ++start;
  }
}

// Drops CR, LF and NUL so an id or event name can never break the framing.
std::string sanitize(std::string_view value) {
  std::string clean;
  clean.reserve(value.size());
  for (char c : value) {
    if (c != '\r' && c != '\n' && c != '\0') clean.push_back(c);
  }
  return clean;
}

}  // namespace

bool is_valid_field_value(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

void encode_event(const Event& event, std::string& out) {
  out.reserve(out.size() + event.data.size() + event.type.size() + event.id.size() + 32);
  if (!event.id.empty()) {
    append_field(out, "id", is_valid_field_value(event.id) ? event.id : sanitize(event.id));
  }
  if (!event.type.empty() && event.type != "message") {
    append_field(out, "event",
                 is_valid_field_value(event.type) ? event.type : sanitize(event.type));
  }
  append_data(out, event.data);
  out.push_back('\n');
}

std::string encode_event(const Event& event) {
  std::string out;
  encode_event(event, out);
  return out;
}

std::string encode_retry(int64_t retry_ms) {
  return "retry: " + std::to_string(retry_ms) + "\n\n";
}

}  // namespace ssegw
