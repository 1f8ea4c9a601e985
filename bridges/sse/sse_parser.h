#pragma once
// A text/event-stream parser that follows the WHATWG HTML standard's "interpreting an event
// stream" (section 9.2.6) exactly, fed bytes in chunks of any size.
//
// Lines are split on raw bytes and only field values are UTF-8 decoded. That is equivalent to
// decoding the stream first: CR, LF and ':' are ASCII and can never be part of a multi-byte
// sequence, and a line end interrupts an unfinished sequence just as the decoder would, so
// per-value decoding yields the same code points. It lets the hot path validate and copy whole
// data values in bulk instead of touching each byte twice.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ssegw::sse {

// One dispatched event. The parser reuses this object; a callback may move `data` out.
struct SseMessage {
  std::string type;           // the event type buffer; empty when the event had no event: field
  std::string data;           // data lines joined by LF, the final LF removed
  std::string last_event_id;  // the last event ID buffer at dispatch (may be from an earlier event)
  bool id_field = false;      // this event had an id: line of its own (a relay keeps only those)
  // The type a browser would fire: "message" when no event: field set one.
  std::string_view effective_type() const {
    return type.empty() ? std::string_view("message") : std::string_view(type);
  }
};

struct SseParserCounters {
  uint64_t events = 0;            // dispatched to the callback
  uint64_t comments = 0;          // lines starting with ':' (heartbeats)
  uint64_t oversized_events = 0;  // dropped because a line or the event exceeded max_event_size
};

class SseParser {
 public:
  using EventCallback = std::function<void(SseMessage&)>;
  using RetryCallback = std::function<void(int64_t retry_ms)>;
  using OversizeCallback = std::function<void(size_t limit)>;

  static constexpr size_t kDefaultMaxEventSize = size_t{1} << 20;
  // A line may exceed the event limit by this much, room for its field name and colon, so
  // an event of exactly max_event_size bytes in one data line fits.
  static constexpr size_t kLineOverhead = 256;

  explicit SseParser(EventCallback on_event, size_t max_event_size = kDefaultMaxEventSize);

  void set_retry_callback(RetryCallback cb) { on_retry_ = std::move(cb); }
  void set_comment_callback(std::function<void()> cb) { on_comment_ = std::move(cb); }
  // Told once per dropped event (a line or an event larger than the limit).
  void set_oversize_callback(OversizeCallback cb) { on_oversize_ = std::move(cb); }

  // Parses the next bytes of the stream; dispatches every event they complete.
  void feed(std::string_view bytes);

  // Starts a new stream (a reconnection): pending lines and the half-built event are
  // discarded, as the standard requires at end of stream, and the BOM check rearms. The last
  // event ID buffer starts from `last_event_id`, the id the new request resumed from, so
  // events without an id: field keep reporting it.
  void reset(std::string last_event_id);

  // The id a reconnection sends as Last-Event-ID: set when an event is dispatched (or dropped
  // by a filter downstream), never by the id: of an event that has not ended yet.
  const std::string& last_event_id() const { return last_event_id_; }
  // The last reconnection time a valid retry: field set, or -1.
  int64_t retry_ms() const { return retry_ms_; }
  const SseParserCounters& counters() const { return counters_; }
  size_t max_event_size() const { return max_event_size_; }

 private:
  void feed_body(const char* p, const char* end);
  const char* consume_bom(const char* p, const char* end);
  void hold_partial(const char* p, const char* end);
  void finish_line(const char* p, const char* eol);
  void process_line(std::string_view line);
  void process_field(std::string_view name, std::string_view value);
  void append_data(std::string_view value);
  void poison_event();
  void dispatch();

  EventCallback on_event_;
  RetryCallback on_retry_;
  std::function<void()> on_comment_;
  OversizeCallback on_oversize_;
  const size_t max_event_size_;
  const size_t max_line_size_;

  SseMessage message_;         // type and data buffers double as the dispatched message
  std::string id_buffer_;      // the standard's last event ID buffer
  std::string last_event_id_;  // the event source's last event ID string, set at dispatch
  std::string partial_line_;   // bytes of a line whose end has not arrived yet
  std::string bom_prefix_;     // first bytes of the stream while they might still be a BOM
  bool at_stream_start_ = true;
  bool skip_lf_ = false;          // the previous chunk ended in CR: a leading LF is its pair
  bool discarding_line_ = false;  // the current line outgrew the limit: skip to its end
  bool event_oversized_ = false;  // the current event lost data to the limit: do not dispatch
  bool data_seen_ = false;        // at least one data field since the last dispatch
  bool id_seen_ = false;          // an id field since the last dispatch
  int64_t retry_ms_ = -1;
  SseParserCounters counters_;
};

}  // namespace ssegw::sse
