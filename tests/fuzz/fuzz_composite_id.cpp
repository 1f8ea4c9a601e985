// Any bytes as a client's Last-Event-ID on a multiplexed subscription: parsing never crashes,
// and what parses encodes back to the same text (one spelling per id).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gateway/composite_id.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<ssegw::CompositeId> id = ssegw::CompositeId::parse(text);
  if (id && id->encode() != text) std::abort();
  return 0;
}
