#pragma once
// Encodes events as text/event-stream bytes exactly to the WHATWG rules: data is split on
// CR, LF and CRLF into data: lines so a payload can never inject a field or end an event.
#include <string>
#include <string_view>

#include "event.h"

namespace ssegw {

// Appends the encoded event (ending with the blank line) to out.
void encode_event(const Event& event, std::string& out);
std::string encode_event(const Event& event);
// "retry: N\n\n"
std::string encode_retry(int64_t retry_ms);
// True if the text is usable as an event name or id: no CR, LF or NUL.
bool is_valid_field_value(std::string_view text);

}  // namespace ssegw
