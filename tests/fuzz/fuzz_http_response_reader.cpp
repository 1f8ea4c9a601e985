// Any bytes as an upstream's HTTP response, fed whole and split at a point the input
// chooses: head, body bytes and final state must not depend on how reads are cut, and the
// reader never claims more bytes than it was given.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bridges/sse/http_response_reader.h"

namespace {

struct Outcome {
  int status = 0;
  std::string body;
  ssegw::sse::HttpResponseReader::State state{};
  bool complete = false;
  bool operator==(const Outcome&) const = default;
};

// Feeds the pieces in order, stopping where the reader stops taking bytes.
Outcome read(std::string_view first, std::string_view second) {
  Outcome out;
  ssegw::sse::HttpResponseReader reader([](const ssegw::sse::HttpResponseHead&) { return true; },
                                        [&](std::string_view body) { out.body.append(body); });
  const size_t used = reader.feed(first);
  if (used > first.size()) std::abort();
  if (used == first.size() && reader.feed(second) > second.size()) std::abort();
  reader.finish();
  out.status = reader.head().status;
  out.state = reader.state();
  out.complete = reader.body_complete();
  if (out.body.size() > first.size() + second.size()) std::abort();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t split = bytes.empty() ? 0 : data[0] % (bytes.size() + 1);
  const Outcome whole = read(bytes, {});
  const Outcome cut = read(bytes.substr(0, split), bytes.substr(split));
  if (!(whole == cut)) std::abort();
  return 0;
}
