// Any bytes as an event stream, fed whole and split at a point the input chooses: both must
// dispatch the same events (the parser's result may not depend on how reads are cut).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "bridges/sse/sse_parser.h"

namespace {
std::vector<std::string> parse(std::string_view bytes, size_t split) {
  std::vector<std::string> out;
  ssegw::sse::SseParser parser(
      [&](ssegw::sse::SseMessage& m) {
        out.push_back(m.type + '\x1f' + m.data + '\x1f' + m.last_event_id);
      },
      4096);
  parser.feed(bytes.substr(0, split));
  parser.feed(bytes.substr(split));
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t split = bytes.empty() ? 0 : data[0] % (bytes.size() + 1);
  if (parse(bytes, 0) != parse(bytes, split)) std::abort();
  return 0;
}
