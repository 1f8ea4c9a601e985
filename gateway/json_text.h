#pragma once
// Writing JSON text (RFC 8259): one string escaper for every answer and envelope the gateway
// builds by hand, so that none of them can be broken out of by a quote or a control byte.
#include <string>
#include <string_view>

namespace ssegw {

// Appends `text` as a quoted JSON string. Bytes >= 0x80 pass as they are: UTF-8 stays UTF-8.
inline void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

// The same, for text that may hold any bytes (log fields: header values, paths): every byte
// sequence that is not well-formed UTF-8 (RFC 3629: no overlongs, surrogates or code points
// past U+10FFFF) becomes U+FFFD, so the output is always valid JSON in UTF-8.
void append_json_string_utf8(std::string& out, std::string_view text);

}  // namespace ssegw
