#pragma once
// Whether a payload is one complete JSON value (RFC 8259), for `format: json`. Only the
// syntax is checked; nothing is built. Nesting deeper than max_depth counts as invalid so a
// hostile payload cannot exhaust the stack.
#include <cstddef>
#include <string_view>

namespace ssegw::mqtt {

bool is_json_text(std::string_view text, size_t max_depth = 256);

}  // namespace ssegw::mqtt
