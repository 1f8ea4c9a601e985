#include "bench/http_response_reader.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace ssegw::bench {

namespace {

constexpr size_t kMaxHead = 64 * 1024;

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

void HttpResponseReader::fail(std::string why) {
  state_ = State::kError;
  error_ = std::move(why);
}

void HttpResponseReader::reset() {
  *this = HttpResponseReader();
}

bool HttpResponseReader::finish_at_eof() {
  if (state_ == State::kBody && body_mode_ == BodyMode::kUntilClose) state_ = State::kDone;
  return state_ == State::kDone;
}

size_t HttpResponseReader::feed_headers(std::string_view in) {
  // Only the bytes up to the blank line belong to the head; find it across feeds.
  const size_t before = head_.size();
  head_.append(in);
  const size_t end = head_.find("\r\n\r\n", before >= 3 ? before - 3 : 0);
  if (end == std::string::npos) {
    if (head_.size() > kMaxHead) fail("response head too large");
    return in.size();
  }
  const size_t used = end + 4 - before;
  head_.resize(end + 2);
  if (parse_headers()) state_ = State::kBody;
  if (state_ == State::kBody && body_mode_ == BodyMode::kLength && remaining_ == 0) {
    state_ = State::kDone;
  }
  return used;
}

bool HttpResponseReader::parse_headers() {
  size_t line_end = head_.find("\r\n");
  const std::string_view status_line(head_.data(), line_end);
  if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") {
    fail("bad status line: " + std::string(status_line.substr(0, 80)));
    return false;
  }
  status_ = std::atoi(std::string(status_line.substr(9, 3)).c_str());
  keep_alive_ = status_line.substr(5, 3) != "1.0";
  bool have_length = false;
  for (size_t pos = line_end + 2; pos < head_.size(); pos = line_end + 2) {
    line_end = head_.find("\r\n", pos);
    const std::string_view line(head_.data() + pos, line_end - pos);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string name = lowercase(trim(line.substr(0, colon)));
    const std::string value = lowercase(trim(line.substr(colon + 1)));
    if (name == "content-length") {
      remaining_ = std::strtoull(value.c_str(), nullptr, 10);
      have_length = true;
    } else if (name == "transfer-encoding" && value.find("chunked") != std::string::npos) {
      body_mode_ = BodyMode::kChunked;
    } else if (name == "connection") {
      if (value.find("close") != std::string::npos) keep_alive_ = false;
      if (value.find("keep-alive") != std::string::npos) keep_alive_ = true;
    }
  }
  if (body_mode_ != BodyMode::kChunked && have_length) body_mode_ = BodyMode::kLength;
  if (body_mode_ == BodyMode::kChunked) remaining_ = 0;
  if (status_ == 204 || status_ == 304 || (status_ >= 100 && status_ < 200)) {
    body_mode_ = BodyMode::kLength;
    remaining_ = 0;
  }
  if (body_mode_ == BodyMode::kUntilClose) keep_alive_ = false;
  head_.clear();
  head_.shrink_to_fit();
  return true;
}

size_t HttpResponseReader::framing_step(char c) {
  switch (chunk_phase_) {
    case ChunkPhase::kSize: {
      int digit = -1;
      if (c >= '0' && c <= '9') digit = c - '0';
      if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
      if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
      if (digit < 0) {
        if (!chunk_size_seen_) fail("bad chunk size");
        chunk_phase_ = ChunkPhase::kSizeExtension;
        return 0;
      }
      if (remaining_ > (uint64_t{1} << 40)) fail("chunk too large");
      remaining_ = remaining_ * 16 + static_cast<uint64_t>(digit);
      chunk_size_seen_ = true;
      return 1;
    }
    case ChunkPhase::kSizeExtension:
      if (c == '\n') {
        chunk_size_seen_ = false;
        trailer_line_empty_ = true;
        chunk_phase_ = remaining_ == 0 ? ChunkPhase::kTrailer : ChunkPhase::kData;
      }
      return 1;
    case ChunkPhase::kDataEnd:
      if (c == '\n') chunk_phase_ = ChunkPhase::kSize;
      return 1;
    case ChunkPhase::kTrailer:
      if (c == '\n') {
        if (trailer_line_empty_) state_ = State::kDone;
        trailer_line_empty_ = true;
      } else if (c != '\r') {
        trailer_line_empty_ = false;
      }
      return 1;
    case ChunkPhase::kData:
      break;
  }
  return 1;
}

}  // namespace ssegw::bench
