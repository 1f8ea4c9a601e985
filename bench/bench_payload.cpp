#include "bench/bench_payload.h"

#include <time.h>

namespace ssegw::bench {

uint64_t wall_clock_us() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

std::string make_payload(uint64_t seq, uint64_t ts_us, size_t size) {
  std::string out = "seq=" + std::to_string(seq) + " ts=" + std::to_string(ts_us);
  if (out.size() + 1 < size) {
    out.push_back(' ');
    // Printable, no characters that need escaping in JSON, form encoding or SSE framing.
    while (out.size() < size) out.push_back(static_cast<char>('a' + out.size() % 26));
  }
  return out;
}

namespace {

// Parses the decimal number that follows `key` at position `pos`; advances pos past it.
bool read_field(std::string_view data, std::string_view key, size_t& pos, uint64_t& value) {
  if (data.substr(pos, key.size()) != key) return false;
  pos += key.size();
  size_t digits = 0;
  value = 0;
  while (pos < data.size() && data[pos] >= '0' && data[pos] <= '9' && digits < 20) {
    value = value * 10 + static_cast<uint64_t>(data[pos] - '0');
    ++pos;
    ++digits;
  }
  return digits > 0;
}

}  // namespace

bool parse_payload(std::string_view data, PayloadStamp& out) {
  size_t pos = 0;
  if (!read_field(data, "seq=", pos, out.seq)) return false;
  if (pos >= data.size() || data[pos] != ' ') return false;
  ++pos;
  return read_field(data, "ts=", pos, out.ts_us);
}

}  // namespace ssegw::bench
