#include "bridges/common/spool_segment.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bridges/common/crc32c.h"

namespace ssegw::spool {
namespace {

constexpr char kMagic[kSegmentHeaderBytes + 1] = "SSGWSPL1";
constexpr size_t kSeqDigits = 20;

void put_le(char* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

uint64_t get_le(const char* in, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  return v;
}

// The checksum covers the length and the time as well, so a damaged length is caught too.
uint32_t record_crc(const char* header, std::string_view payload) {
  uint32_t crc = crc32c(std::string_view(header, 4));
  crc = crc32c(std::string_view(header + 8, 8), crc);
  return crc32c(payload, crc);
}

bool pread_all(int fd, char* out, size_t n, uint64_t offset) {
  while (n > 0) {
    const ssize_t got = ::pread(fd, out, n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    out += got;
    n -= static_cast<size_t>(got);
    offset += static_cast<uint64_t>(got);
  }
  return true;
}

}  // namespace

std::string segment_name(uint64_t seq) {
  std::string digits = std::to_string(seq);
  return std::string(kSeqDigits - digits.size(), '0') + digits + ".seg";
}

std::optional<uint64_t> segment_seq(std::string_view name) {
  if (name.size() != kSeqDigits + 4 || !name.ends_with(".seg")) return std::nullopt;
  uint64_t seq = 0;
  for (char c : name.substr(0, kSeqDigits)) {
    if (c < '0' || c > '9') return std::nullopt;
    seq = seq * 10 + static_cast<uint64_t>(c - '0');
  }
  return seq;
}

UniqueFd create_segment(const std::string& path, std::string& error) {
  UniqueFd fd(::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_APPEND | O_CLOEXEC, 0600));
  if (!fd) {
    error = "cannot create " + path + ": " + std::strerror(errno);
    return fd;
  }
  if (::write(fd.get(), kMagic, kSegmentHeaderBytes) != static_cast<ssize_t>(kSegmentHeaderBytes)) {
    error = "cannot write " + path + ": " + std::strerror(errno);
    ::unlink(path.c_str());
    return UniqueFd();
  }
  return fd;
}

std::string encode_record(std::string_view payload, int64_t spooled_ms) {
  std::string out(kRecordHeaderBytes, '\0');
  put_le(out.data(), payload.size(), 4);
  put_le(out.data() + 8, static_cast<uint64_t>(spooled_ms), 8);
  put_le(out.data() + 4, record_crc(out.data(), payload), 4);
  out.append(payload);
  return out;
}

std::optional<RecordHeader> read_header(int fd, uint64_t offset, uint64_t file_end) {
  char h[kRecordHeaderBytes];
  if (offset + kRecordHeaderBytes > file_end || !pread_all(fd, h, sizeof h, offset))
    return std::nullopt;
  RecordHeader header;
  header.length = static_cast<uint32_t>(get_le(h, 4));
  header.spooled_ms = static_cast<int64_t>(get_le(h + 8, 8));
  if (header.length > kMaxPayloadBytes || offset + kRecordHeaderBytes + header.length > file_end) {
    return std::nullopt;
  }
  return header;
}

std::optional<std::string> read_payload(int fd, uint64_t offset, const RecordHeader& header) {
  char h[kRecordHeaderBytes];
  std::string payload(header.length, '\0');
  if (!pread_all(fd, h, sizeof h, offset) ||
      !pread_all(fd, payload.data(), payload.size(), offset + kRecordHeaderBytes)) {
    return std::nullopt;
  }
  if (static_cast<uint32_t>(get_le(h + 4, 4)) != record_crc(h, payload)) return std::nullopt;
  return payload;
}

ScanResult scan_segment(int fd, uint64_t file_size, uint64_t stop_at,
                        const std::function<void(std::string_view)>& each) {
  ScanResult r;
  char magic[kSegmentHeaderBytes];
  if (file_size < kSegmentHeaderBytes || !pread_all(fd, magic, sizeof magic, 0) ||
      std::memcmp(magic, kMagic, kSegmentHeaderBytes) != 0) {
    return r;
  }
  r.magic_ok = true;
  uint64_t offset = kSegmentHeaderBytes;
  while (true) {
    if (offset == stop_at) r.records_before_stop = r.records;
    const std::optional<RecordHeader> header = read_header(fd, offset, file_size);
    if (!header) break;
    const std::optional<std::string> payload = read_payload(fd, offset, *header);
    if (!payload) break;
    if (each && offset >= stop_at) each(*payload);
    offset += kRecordHeaderBytes + header->length;
    ++r.records;
  }
  r.valid_end = offset;
  return r;
}

}  // namespace ssegw::spool
