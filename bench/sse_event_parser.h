#pragma once
// Incremental text/event-stream parser for the load client, following the WHATWG line rules
// (CR, LF or CRLF end a line, even when split across reads; a blank line dispatches; ':' starts
// a comment). Only the data field matters to the benchmark, so id, event and retry are skipped.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ssegw::bench {

class SseEventParser {
 public:
  // on_event(std::string_view data) is called once per dispatched event, with the data lines
  // joined by LF and no trailing LF.
  template <class OnEvent>
  void feed(std::string_view chunk, OnEvent&& on_event);

  // Comment lines plus events that carried no data: the keep-alives of the various servers.
  uint64_t comments() const { return comments_; }

 private:
  template <class OnEvent>
  void process_line(std::string_view line, OnEvent& on_event);

  std::string partial_line_;
  std::string data_;
  bool has_data_ = false;
  bool had_fields_ = false;  // the event being read has some field, maybe not data
  bool skip_lf_ = false;     // the previous chunk ended with CR; a leading LF belongs to it
  uint64_t comments_ = 0;
};

template <class OnEvent>
void SseEventParser::feed(std::string_view chunk, OnEvent&& on_event) {
  const char* p = chunk.data();
  const char* const end = p + chunk.size();
  if (skip_lf_ && p < end) {
    if (*p == '\n') ++p;
    skip_lf_ = false;
  }
  while (p < end) {
    const char* eol = p;
    while (eol < end && *eol != '\n' && *eol != '\r') ++eol;
    if (eol == end) {
      partial_line_.append(p, static_cast<size_t>(end - p));
      return;
    }
    if (partial_line_.empty()) {
      process_line(std::string_view(p, static_cast<size_t>(eol - p)), on_event);
    } else {
      partial_line_.append(p, static_cast<size_t>(eol - p));
      process_line(partial_line_, on_event);
      partial_line_.clear();
    }
    p = eol + 1;
    if (*eol == '\r') {
      if (p == end) {
        skip_lf_ = true;
      } else if (*p == '\n') {
        ++p;
      }
    }
  }
}

template <class OnEvent>
void SseEventParser::process_line(std::string_view line, OnEvent& on_event) {
  if (line.empty()) {
    if (has_data_) {
      on_event(std::string_view(data_));
    } else if (had_fields_) {
      ++comments_;  // an event without data (Nchan's "event: ping") is a heartbeat too
    }
    had_fields_ = false;
    data_.clear();
    has_data_ = false;
    return;
  }
  if (line.front() == ':') {
    ++comments_;
    return;
  }
  had_fields_ = true;
  const size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  if (field != "data") return;
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (has_data_) data_.push_back('\n');
  data_.append(value);
  has_data_ = true;
}

}  // namespace ssegw::bench
