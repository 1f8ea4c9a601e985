#pragma once
// Shared by every bridge with `format: json`.
// Whether text is one JSON value as RFC 8259 defines it (surrounding whitespace allowed).
// A scanner, not a parser: nothing is built, nesting is tracked on a small explicit stack so
// deep input cannot overflow the call stack.
#include <string_view>

namespace ssegw {

bool is_json_text(std::string_view text);

}  // namespace ssegw
