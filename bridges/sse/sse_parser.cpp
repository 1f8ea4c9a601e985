#include "bridges/sse/sse_parser.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "bridges/sse/utf8.h"

namespace ssegw::sse {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

size_t find_byte(const char* p, const char* end, char c) {
  const void* hit = std::memchr(p, c, static_cast<size_t>(end - p));
  return hit ? static_cast<size_t>(static_cast<const char*>(hit) - p)
             : static_cast<size_t>(end - p);
}

bool all_ascii_digits(std::string_view text) {
  if (text.empty()) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Base-ten value of a digit string, saturating instead of overflowing.
int64_t saturating_decimal(std::string_view digits) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t value = 0;
  for (char c : digits) {
    const int d = c - '0';
    if (value > (kMax - d) / 10) return kMax;
    value = value * 10 + d;
  }
  return value;
}

}  // namespace

SseParser::SseParser(EventCallback on_event, size_t max_event_size)
    : on_event_(std::move(on_event)),
      max_event_size_(max_event_size),
      max_line_size_(max_event_size + kLineOverhead) {}

void SseParser::reset(std::string last_event_id) {
  message_.type.clear();
  message_.data.clear();
  id_buffer_ = last_event_id;
  last_event_id_ = std::move(last_event_id);
  partial_line_.clear();
  bom_prefix_.clear();
  at_stream_start_ = true;
  skip_lf_ = false;
  discarding_line_ = false;
  event_oversized_ = false;
  data_seen_ = false;
  id_seen_ = false;
}

void SseParser::feed(std::string_view bytes) {
  const char* p = bytes.data();
  const char* end = p + bytes.size();
  if (at_stream_start_) {
    p = consume_bom(p, end);
    if (at_stream_start_) return;  // still cannot tell whether a BOM is arriving
  }
  if (skip_lf_ && p < end) {
    skip_lf_ = false;
    if (*p == '\n') ++p;
  }
  feed_body(p, end);
}

// The UTF-8 decode algorithm drops one leading BOM. Its three bytes may arrive in separate
// feeds, so the first bytes wait in bom_prefix_ until they are known to be a BOM or not.
const char* SseParser::consume_bom(const char* p, const char* end) {
  while (p < end && bom_prefix_.size() < kBom.size()) {
    if (*p != kBom[bom_prefix_.size()]) break;
    bom_prefix_.push_back(*p++);
  }
  if (bom_prefix_.size() == kBom.size()) {
    at_stream_start_ = false;
    bom_prefix_.clear();
    return p;
  }
  if (p == end) return p;  // a BOM prefix so far; wait for more
  at_stream_start_ = false;
  if (!bom_prefix_.empty()) {
    // Not a BOM after all: those bytes are the start of the first line.
    std::string held;
    held.swap(bom_prefix_);
    feed_body(held.data(), held.data() + held.size());
  }
  return p;
}

void SseParser::feed_body(const char* p, const char* end) {
  // Offsets (from p at entry) of the next CR and LF; each is searched again only once the
  // scan has passed it, so both memchr passes together touch every byte about once.
  const char* const base = p;
  size_t next_cr = 0, next_lf = 0;
  bool cr_known = false, lf_known = false;
  while (p < end) {
    const size_t pos = static_cast<size_t>(p - base);
    if (!cr_known || next_cr < pos) {
      next_cr = pos + find_byte(p, end, '\r');
      cr_known = true;
    }
    if (!lf_known || next_lf < pos) {
      next_lf = pos + find_byte(p, end, '\n');
      lf_known = true;
    }
    const char* eol = base + std::min(next_cr, next_lf);
    if (eol == end) {
      hold_partial(p, end);
      return;
    }
    finish_line(p, eol);
    if (*eol == '\n') {
      p = eol + 1;
    } else if (eol + 1 < end) {
      p = eol + 1 + (eol[1] == '\n' ? 1 : 0);
    } else {
      skip_lf_ = true;  // the LF of a CRLF may be the first byte of the next feed
      p = end;
    }
  }
}

// Keeps the bytes of a line whose end has not arrived, up to the size limit.
void SseParser::hold_partial(const char* p, const char* end) {
  if (discarding_line_) return;
  const size_t n = static_cast<size_t>(end - p);
  if (partial_line_.size() + n > max_line_size_) {
    const bool comment = partial_line_.empty() ? *p == ':' : partial_line_[0] == ':';
    discarding_line_ = true;
    partial_line_.clear();
    if (!comment) poison_event();
    return;
  }
  partial_line_.append(p, n);
}

void SseParser::finish_line(const char* p, const char* eol) {
  const size_t n = static_cast<size_t>(eol - p);
  if (discarding_line_) {
    discarding_line_ = false;  // the rest of an oversized line: already accounted for
    return;
  }
  if (partial_line_.empty()) {
    if (n > max_line_size_) {
      if (*p != ':') poison_event();
      return;
    }
    process_line(std::string_view(p, n));
    return;
  }
  if (partial_line_.size() + n > max_line_size_) {
    if (partial_line_[0] != ':') poison_event();
    partial_line_.clear();
    return;
  }
  partial_line_.append(p, n);
  process_line(partial_line_);
  partial_line_.clear();
}

void SseParser::process_line(std::string_view line) {
  if (line.empty()) {
    dispatch();
    return;
  }
  if (line[0] == ':') {
    ++counters_.comments;
    if (on_comment_) on_comment_();
    return;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    process_field(line, std::string_view());
    return;
  }
  std::string_view value = line.substr(colon + 1);
  if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  process_field(line.substr(0, colon), value);
}

// Field names are compared as raw bytes: the four known names are ASCII, and a name holding
// invalid UTF-8 would decode to something with U+FFFD in it, which matches none of them.
void SseParser::process_field(std::string_view name, std::string_view value) {
  if (name == "data") {
    append_data(value);
  } else if (name == "event") {
    message_.type.clear();
    append_utf8_replacing(value, message_.type);
  } else if (name == "id") {
    if (value.find('\0') != std::string_view::npos) return;
    id_buffer_.clear();
    append_utf8_replacing(value, id_buffer_);
    id_seen_ = true;
  } else if (name == "retry") {
    if (!all_ascii_digits(value)) return;
    retry_ms_ = saturating_decimal(value);
    if (on_retry_) on_retry_(retry_ms_);
  }
  // Any other field is ignored.
}

// The standard appends the value and then an LF, and strips the final LF at dispatch; keeping
// the separator in front of every value but the first gives the same bytes without the strip.
void SseParser::append_data(std::string_view value) {
  if (event_oversized_) return;
  const size_t separator = data_seen_ ? 1 : 0;
  if (message_.data.size() + separator + value.size() > max_event_size_) {
    poison_event();
    return;
  }
  if (separator) message_.data.push_back('\n');
  append_utf8_replacing(value, message_.data);
  data_seen_ = true;
  if (message_.data.size() > max_event_size_) poison_event();  // U+FFFD grew it past the limit
}

void SseParser::poison_event() {
  message_.data.clear();
  if (event_oversized_) return;
  event_oversized_ = true;
  ++counters_.oversized_events;
  if (on_oversize_) on_oversize_(max_event_size_);
}

void SseParser::dispatch() {
  // Step 1: the event source's last event ID follows the buffer even if nothing is fired.
  if (last_event_id_ != id_buffer_) last_event_id_ = id_buffer_;
  const bool fire = data_seen_ && !event_oversized_;
  data_seen_ = false;
  event_oversized_ = false;
  message_.id_field = id_seen_;
  id_seen_ = false;
  if (fire) {
    message_.last_event_id = last_event_id_;
    ++counters_.events;
    on_event_(message_);
  }
  message_.type.clear();
  message_.data.clear();
}

}  // namespace ssegw::sse
