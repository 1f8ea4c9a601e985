// Whatever the payload, framing it and parsing it back gives the same event: data with every
// CR, LF and CRLF turned into LF, the type and id unchanged once CR, LF and NUL are removed.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "bridges/sse/sse_parser.h"
#include "bridges/sse/utf8.h"
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
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  // The parser turns invalid UTF-8 into U+FFFD by design (and drops a leading BOM): compare
  // only valid text.
  if (!ssegw::sse::is_valid_utf8(text) || text.rfind("\xEF\xBB\xBF", 0) == 0 ||
      text.find('\0') != std::string::npos)
    return 0;
  ssegw::Event event;
  event.data = text;
  event.id = "1";
  std::string framed = ssegw::encode_event(event);
  int count = 0;
  std::string got;
  ssegw::sse::SseParser parser([&](ssegw::sse::SseMessage& m) {
    ++count;
    got = m.data;
  });
  parser.feed(framed);
  if (count != 1 || got != normalise_breaks(text)) std::abort();
  return 0;
}
