#pragma once
// The on-disk format of a sink spool's segment files, and the reads and writes on them.
//
// A segment is `<20-digit sequence>.seg`: the 8-byte magic "SSGWSPL1", then records, each
//   u32 payload length | u32 CRC-32C of the other 12 header bytes and the payload |
//   i64 wall-clock ms when spooled | payload
// all little-endian. Records are only ever appended; a record is valid when it is whole and
// its checksum matches, and a scan stops at the first one that is not (a torn write).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/unique_fd.h"

namespace ssegw::spool {

constexpr uint64_t kSegmentHeaderBytes = 8;
constexpr uint64_t kRecordHeaderBytes = 16;
// Larger lengths are damage: no sink spools an event this big.
constexpr uint64_t kMaxPayloadBytes = 64ull << 20;

std::string segment_name(uint64_t seq);
// The sequence of a segment's file name; nullopt for any other file.
std::optional<uint64_t> segment_seq(std::string_view file_name);

// Creates the file with its magic; an invalid fd and `error` on failure.
UniqueFd create_segment(const std::string& path, std::string& error);

struct RecordHeader {
  uint32_t length = 0;
  int64_t spooled_ms = 0;
};

// What a scan from the first record found.
struct ScanResult {
  bool magic_ok = false;
  uint64_t valid_end = 0;  // offset just past the last valid record
  uint64_t records = 0;
  // Records before `stop_at` when a record boundary fell exactly on it, else nullopt.
  std::optional<uint64_t> records_before_stop;
};
// `each`, when set, is given the payload of every valid record at or past `stop_at`.
ScanResult scan_segment(int fd, uint64_t file_size, uint64_t stop_at,
                        const std::function<void(std::string_view)>& each = {});

// Header plus payload, as one buffer, so that one write() puts the record down.
std::string encode_record(std::string_view payload, int64_t spooled_ms);

// Reads the header at `offset`; nullopt if short or its length is impossible.
std::optional<RecordHeader> read_header(int fd, uint64_t offset, uint64_t file_end);
// Reads and checks the payload of the record whose header is at `offset`.
std::optional<std::string> read_payload(int fd, uint64_t offset, const RecordHeader& header);

}  // namespace ssegw::spool
