// Any bytes as a request: the parser must answer complete, incomplete or an error status,
// never crash, and never claim more bytes than it was given.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gateway/http_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  ssegw::HttpLimits limits;
  limits.max_head_bytes = 4096;
  limits.max_body_bytes = 4096;
  ssegw::HttpRequest request;
  ssegw::ParseOutcome outcome = ssegw::parse_http_request(input, limits, request);
  if (outcome.status == ssegw::ParseStatus::kComplete) {
    if (outcome.consumed > size) std::abort();
    (void)request.query_param("event");
    (void)request.keep_alive();
  }
  if (outcome.status == ssegw::ParseStatus::kError && outcome.error_status < 400) std::abort();
  return 0;
}
