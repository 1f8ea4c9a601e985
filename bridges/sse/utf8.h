#pragma once
// UTF-8 decoding as the WHATWG Encoding standard's "UTF-8 decode" does it, without the BOM
// step: every maximal invalid subpart becomes one U+FFFD. The output is UTF-8 again.
#include <string>
#include <string_view>

namespace ssegw::sse {

// Length of the longest valid UTF-8 prefix of text (text.size() when all of it is valid).
size_t valid_utf8_prefix(std::string_view text);

inline bool is_valid_utf8(std::string_view text) {
  return valid_utf8_prefix(text) == text.size();
}

// Appends text to out with each invalid subpart replaced by U+FFFD (EF BF BD). Valid input is
// copied in one append.
void append_utf8_replacing(std::string_view text, std::string& out);

}  // namespace ssegw::sse
