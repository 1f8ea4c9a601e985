// The upstream reader's chunked decoder, two ways. Any bytes as a chunked body, fed in
// pieces of sizes the input chooses, must decode as they do fed whole. And any data sent
// as chunks of sizes the input chooses (with extensions and trailers) must come back
// exactly, with the body complete.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "bridges/sse/http_response_reader.h"

namespace {

constexpr std::string_view kHead = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

struct Decoded {
  std::string body;
  ssegw::sse::HttpResponseReader::State state{};
  bool complete = false;
  bool operator==(const Decoded&) const = default;
};

Decoded decode(const std::vector<std::string_view>& pieces) {
  Decoded out;
  ssegw::sse::HttpResponseReader reader([](const ssegw::sse::HttpResponseHead&) { return true; },
                                        [&](std::string_view body) { out.body.append(body); });
  reader.feed(kHead);
  for (std::string_view piece : pieces) {
    if (reader.feed(piece) != piece.size()) break;
  }
  out.state = reader.state();
  out.complete = reader.body_complete();
  return out;
}

// Cuts `body` into pieces whose sizes come from `sizes` (1..16 bytes each, cycling).
std::vector<std::string_view> cut(std::string_view body, std::string_view sizes) {
  std::vector<std::string_view> pieces;
  size_t i = 0;
  while (!body.empty()) {
    const size_t n =
        sizes.empty() ? body.size() : 1 + static_cast<uint8_t>(sizes[i++ % sizes.size()]) % 16;
    pieces.push_back(body.substr(0, n));
    body.remove_prefix(std::min(n, body.size()));
  }
  return pieces;
}

std::string encode_chunks(std::string_view data, std::string_view sizes) {
  std::string out;
  char line[32];
  for (std::string_view chunk : cut(data, sizes)) {
    std::snprintf(line, sizeof line, "%zx;ext=1\r\n", chunk.size());
    out += line;
    out.append(chunk);
    out += "\r\n";
  }
  out += "0\r\nX-Trailer: t\r\n\r\n";
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t sizes_length = data[0] % 8;
  if (size < 1 + sizes_length) return 0;
  const std::string_view sizes(reinterpret_cast<const char*>(data) + 1, sizes_length);
  const std::string_view body(reinterpret_cast<const char*>(data) + 1 + sizes_length,
                              size - 1 - sizes_length);

  if (!(decode({body}) == decode(cut(body, sizes)))) std::abort();

  const std::string encoded = encode_chunks(body, sizes);
  const Decoded round_trip = decode(cut(encoded, sizes));
  if (!round_trip.complete || round_trip.body != body) std::abort();
  return 0;
}
