#pragma once
// CRC-32C (Castagnoli), the checksum of a spool record. A table-driven software version:
// the spool writes at the broker's pace, not the fan-out's, so no SSE4.2 path is needed.
#include <cstdint>
#include <string_view>

namespace ssegw {

// Continues `crc` (0 to start) over `bytes`.
uint32_t crc32c(std::string_view bytes, uint32_t crc = 0);

}  // namespace ssegw
