#include "frame.h"

#include "json_text.h"
#include "sse_framer.h"

namespace ssegw {

Frame* Frame::make_buffer(size_t capacity) {
  auto* frame = new Frame(0, Event{}, std::string(), 0);
  frame->bytes_.reserve(capacity);
  return frame;
}

const char* Frame::append(const char* data, size_t n) {
  const size_t at = bytes_.size();
  bytes_.append(data, n);  // within capacity: no reallocation, earlier views stay valid
  return bytes_.data() + at;
}

std::string_view Frame::envelope_tail(std::string_view channel_path) const {
  if (const std::string* made = envelope_.load(std::memory_order_acquire)) return *made;
  Event wrapped;
  wrapped.type = event_.type;
  wrapped.data = "{\"channel\":";
  append_json_string(wrapped.data, channel_path);
  wrapped.data += ",\"type\":";
  append_json_string(wrapped.data, event_.type.empty() ? "message" : event_.type);
  wrapped.data += ",\"data\":";
  append_json_string(wrapped.data, event_.data);
  wrapped.data += '}';
  auto* made = new std::string(encode_event(wrapped));
  const std::string* expected = nullptr;
  // Two workers may build it at once: the first one stored wins, the other is freed.
  if (!envelope_.compare_exchange_strong(expected, made, std::memory_order_acq_rel)) {
    delete made;
    return *expected;
  }
  return *made;
}

}  // namespace ssegw
