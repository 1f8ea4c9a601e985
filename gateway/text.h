#pragma once
// Small ASCII text helpers shared by the parsers: HTTP names and tokens are ASCII, so the
// C locale's tolower/isspace (which vary with the locale) are not what any of them want.
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace ssegw {

inline char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

// HTTP's optional whitespace (RFC 9110 section 5.6.3): spaces and tabs only.
inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Any ASCII whitespace, for text from config files.
inline std::string_view trim_space(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

// The value of an all-digits id (a gateway id), 0 for any other id.
inline uint64_t decimal_id(std::string_view id) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), value);
  return ec == std::errc() && end == id.data() + id.size() ? value : 0;
}

}  // namespace ssegw
