#include "json_text.h"

#include <cstdint>

namespace ssegw {
namespace {

// The length of the well-formed UTF-8 sequence at the front of `s`, 0 if there is none.
size_t utf8_sequence(std::string_view s) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  size_t n = 0;
  uint32_t lo = 0x80, hi = 0xBF;  // the bounds of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlongs
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;  // nothing past U+10FFFF
  } else {
    return 0;
  }
  if (s.size() < n) return 0;
  const auto b1 = static_cast<unsigned char>(s[1]);
  if (b1 < lo || b1 > hi) return 0;
  for (size_t i = 2; i < n; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80 || b > 0xBF) return 0;
  }
  return n;
}

}  // namespace

void append_json_string_utf8(std::string& out, std::string_view text) {
  std::string ascii;
  out.push_back('"');
  while (!text.empty()) {
    const auto c = static_cast<unsigned char>(text[0]);
    if (c < 0x80) {
      size_t run = 1;
      while (run < text.size() && static_cast<unsigned char>(text[run]) < 0x80) ++run;
      ascii.clear();
      append_json_string(ascii, text.substr(0, run));
      out.append(ascii, 1, ascii.size() - 2);  // without its quotes
      text.remove_prefix(run);
    } else if (const size_t n = utf8_sequence(text); n > 0) {
      out.append(text.substr(0, n));
      text.remove_prefix(n);
    } else {
      out.append("\\ufffd");
      text.remove_prefix(1);
    }
  }
  out.push_back('"');
}

}  // namespace ssegw
