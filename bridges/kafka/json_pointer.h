#pragma once
// Reading the value an RFC 6901 pointer names (`key: {json: /symbol}`) without building a
// document. Whether a payload is JSON at all is bridges/common/json_text.h.
#include <optional>
#include <string>
#include <string_view>

namespace ssegw::kafka {

// Checks that a pointer is "" or a sequence of "/token" with only ~0 and ~1 escapes.
bool is_valid_json_pointer(std::string_view pointer);

// The value at `pointer` in `json`: a string's unescaped text, anything else as its JSON
// text (numbers keep their spelling: {"id": 42} gives "42"). nullopt if the document is not
// JSON or the pointer names nothing.
std::optional<std::string> json_pointer_value(std::string_view json, std::string_view pointer);

}  // namespace ssegw::kafka
