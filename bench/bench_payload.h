#pragma once
// The payload every benchmark event carries: "seq=<n> ts=<microseconds since epoch> <padding>".
// The sequence number lets a subscriber count lost and duplicated events; the timestamp, taken
// by the publisher just before it sends, gives the publish-to-receive latency (publisher and
// subscribers share this machine's clock).
#include <cstdint>
#include <string>
#include <string_view>

namespace ssegw::bench {

// Wall-clock time in microseconds (CLOCK_REALTIME, so separate processes agree).
uint64_t wall_clock_us();

// Builds a payload of at least `size` bytes (exactly `size` when the header fits).
std::string make_payload(uint64_t seq, uint64_t ts_us, size_t size);

struct PayloadStamp {
  uint64_t seq = 0;
  uint64_t ts_us = 0;
};

// Reads seq and ts from the start of an event's data; false when they are not there.
bool parse_payload(std::string_view data, PayloadStamp& out);

}  // namespace ssegw::bench
