#include "start_position.h"

#include <ctime>

#include "json_text.h"
#include "sse_framer.h"

namespace ssegw {

namespace {

bool digits(std::string_view text, size_t at, size_t n, int* out) {
  if (text.size() < at + n) return false;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    v = v * 10 + (text[i] - '0');
  }
  *out = v;
  return true;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// "Z" or "+hh:mm" / "-hh:mm" at `at`, to the end: the offset in minutes east of UTC.
bool parse_offset(std::string_view text, size_t at, int* minutes) {
  if (text.size() == at + 1 && (text[at] == 'Z' || text[at] == 'z')) {
    *minutes = 0;
    return true;
  }
  int h = 0, m = 0;
  if (text.size() != at + 6 || (text[at] != '+' && text[at] != '-') || text[at + 3] != ':' ||
      !digits(text, at + 1, 2, &h) || !digits(text, at + 4, 2, &m) || h > 23 || m > 59) {
    return false;
  }
  *minutes = (text[at] == '-' ? -1 : 1) * (h * 60 + m);
  return true;
}

}  // namespace

std::optional<int64_t> parse_rfc3339_ms(std::string_view text) {
  int year, month, day, hour, minute, second;
  if (text.size() < 20 || !digits(text, 0, 4, &year) || text[4] != '-' ||
      !digits(text, 5, 2, &month) || text[7] != '-' || !digits(text, 8, 2, &day) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !digits(text, 11, 2, &hour) ||
      text[13] != ':' || !digits(text, 14, 2, &minute) || text[16] != ':' ||
      !digits(text, 17, 2, &second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  size_t at = 19;
  int64_t ms = 0;
  if (at < text.size() && text[at] == '.') {
    // Fractions past milliseconds are cut, not rounded: "at or after" stays true.
    size_t n = 0;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, ++n) {
      if (n < 3) ms = ms * 10 + (text[at] - '0');
    }
    if (n == 0) return std::nullopt;
    for (; n < 3; ++n) ms *= 10;
  }
  int offset_min = 0;
  if (!parse_offset(text, at, &offset_min)) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second == 60 ? 59 : second;  // a leap second: its second is the one before
  const int64_t seconds = static_cast<int64_t>(timegm(&tm)) - int64_t{offset_min} * 60;
  return seconds * 1000 + ms;
}

StartPosition start_position(const std::string* header, std::optional<std::string> query) {
  StartPosition start;
  if (header != nullptr) {
    start.id = *header;
    return start;
  }
  if (!query) return start;
  if (*query == "earliest") {
    start.kind = StartPosition::Kind::kEarliest;
  } else if (*query == "latest") {
    start.kind = StartPosition::Kind::kLatest;
  } else if (std::optional<int64_t> ms = parse_rfc3339_ms(*query)) {
    start.kind = StartPosition::Kind::kSince;
    start.since_ms = *ms;
  } else {
    start.id = std::move(*query);
  }
  return start;
}

std::string encode_reset_event(const std::string& event_type, std::string_view last_event_id,
                               std::string_view oldest_id, std::string_view reason,
                               std::string_view channel) {
  using namespace std::string_view_literals;
  Event event;
  event.type = event_type;
  std::string& data = event.data;
  data.reserve(64 + channel.size() + last_event_id.size() + oldest_id.size());
  data.append("{"sv);
  if (!channel.empty()) {
    data.append("\"channel\":"sv);
    append_json_string(data, channel);
    data.append(","sv);
  }
  data.append("\"last_event_id\":"sv);
  append_json_string(data, last_event_id);
  data.append(",\"oldest_id\":"sv);
  append_json_string(data, oldest_id);
  data.append(",\"reason\":"sv);
  append_json_string(data, reason);
  data.append("}"sv);
  return encode_event(event);
}

}  // namespace ssegw
