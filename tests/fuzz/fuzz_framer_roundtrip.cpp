// Whatever the payload, framing it and parsing it back gives the same event: data with every
// CR, LF and CRLF turned into LF, the type and id unchanged once CR, LF and NUL are removed.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "bridges/sse/sse_parser.h"
#include "gateway/sse_framer.h"

namespace {
std::string normalise_breaks(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}
bool valid_utf8_without_bom(const std::string& s) {
  // The parser turns invalid UTF-8 into U+FFFD by design; compare only valid text.
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += n;
  }
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  if (!valid_utf8_without_bom(text) || text.find('\0') != std::string::npos) return 0;
  ssegw::Event event;
  event.data = text;
  event.id = "1";
  std::string framed = ssegw::encode_event(event);
  int count = 0;
  std::string got;
  ssegw::SseParser parser([&](ssegw::SseMessage& m) {
    ++count;
    got = m.data;
  });
  parser.feed(framed);
  if (count != 1 || got != normalise_breaks(text)) std::abort();
  return 0;
}
