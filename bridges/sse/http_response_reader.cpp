#include "bridges/sse/http_response_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace ssegw::sse {
namespace {

constexpr size_t kMaxChunkLine = 4096;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::string HttpResponseHead::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

void HttpResponseReader::fail(std::string message) {
  state_ = State::kError;
  error_ = std::move(message);
}

void HttpResponseReader::complete() {
  state_ = State::kDone;
  body_complete_ = true;
}

size_t HttpResponseReader::feed(std::string_view bytes) {
  size_t used = 0;
  if (state_ == State::kHead) used = feed_head(bytes);
  if (state_ != State::kBody || used == bytes.size()) return used;
  std::string_view rest = bytes.substr(used);
  switch (framing_) {
    case Framing::kClose:
      on_body_(rest);
      return bytes.size();
    case Framing::kLength: {
      const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, rest.size()));
      remaining_ -= take;
      if (take > 0) on_body_(rest.substr(0, take));
      if (remaining_ == 0) complete();
      return used + take;
    }
    case Framing::kChunked:
      return used + feed_chunked(rest);
  }
  return used;
}

size_t HttpResponseReader::feed_head(std::string_view bytes) {
  // The blank line may straddle feeds, so search from a few bytes back.
  const size_t before = head_bytes_.size();
  const size_t room = kMaxHeadBytes - before;
  head_bytes_.append(bytes.data(), std::min(bytes.size(), room));
  const size_t from = before >= 3 ? before - 3 : 0;
  size_t end = head_bytes_.find("\r\n\r\n", from);
  size_t sep = 4;
  const size_t lf_end = head_bytes_.find("\n\n", from);
  if (lf_end != std::string::npos && (end == std::string::npos || lf_end < end)) {
    end = lf_end;
    sep = 2;  // bare-LF heads are tolerated, as browsers do
  }
  if (end == std::string::npos) {
    if (head_bytes_.size() >= kMaxHeadBytes) fail("response head larger than 64 KiB");
    return std::min(bytes.size(), room);
  }
  const size_t used = end + sep - before;
  if (!parse_head(std::string_view(head_bytes_).substr(0, end + sep))) return used;
  head_bytes_.clear();
  if (head_.status >= 100 && head_.status < 200) {
    head_ = HttpResponseHead();  // interim response: the real one follows
    return used + feed_head(bytes.substr(used));
  }
  if (!on_head_(head_)) {
    state_ = State::kDone;
    return used;
  }
  if (!start_body()) return used;
  return used;
}

bool HttpResponseReader::parse_head(std::string_view text) {
  size_t pos = text.find('\n');
  const std::string_view status_line = trim(text.substr(0, pos));
  // "HTTP/1.1 200 OK": version, status, optional reason.
  if (status_line.substr(0, 5) != "HTTP/" || status_line.size() < 12 || status_line[8] != ' ') {
    fail("malformed status line '" + std::string(status_line.substr(0, 80)) + "'");
    return false;
  }
  int status = 0;
  auto [ptr, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, status);
  if (ec != std::errc() || ptr != status_line.data() + 12 || status < 100 || status > 999) {
    fail("malformed status code in '" + std::string(status_line.substr(0, 80)) + "'");
    return false;
  }
  head_.status = status;
  head_.reason = std::string(trim(status_line.substr(12)));
  while (pos != std::string_view::npos && pos + 1 < text.size()) {
    const size_t next = text.find('\n', pos + 1);
    const std::string_view line = trim(text.substr(pos + 1, next - pos - 1));
    pos = next;
    if (line.empty()) continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      fail("malformed header line '" + std::string(line.substr(0, 80)) + "'");
      return false;
    }
    std::string name = lower(trim(line.substr(0, colon)));
    std::string value(trim(line.substr(colon + 1)));
    auto [it, inserted] = head_.headers.emplace(name, value);
    if (!inserted) it->second += ", " + value;
  }
  return true;
}

bool HttpResponseReader::start_body() {
  state_ = State::kBody;
  const int s = head_.status;
  if (s == 204 || s == 304) {
    complete();
    return true;
  }
  const std::string te = lower(head_.header("transfer-encoding"));
  if (!te.empty()) {
    // Chunked must be the final coding; any other coding cannot be undone here.
    if (te != "chunked") {
      fail("unsupported Transfer-Encoding '" + te + "'");
      return false;
    }
    framing_ = Framing::kChunked;
    return true;
  }
  const std::string length = head_.header("content-length");
  if (!length.empty()) {
    uint64_t n = 0;
    auto [ptr, ec] = std::from_chars(length.data(), length.data() + length.size(), n);
    if (ec != std::errc() || ptr != length.data() + length.size()) {
      fail("malformed Content-Length '" + length + "'");
      return false;
    }
    framing_ = Framing::kLength;
    remaining_ = n;
    if (n == 0) complete();
    return true;
  }
  framing_ = Framing::kClose;
  return true;
}

// Appends to line_ up to and including LF; true when the line is complete (CR/LF stripped).
bool HttpResponseReader::take_line(std::string_view bytes, size_t& used, std::string& line) {
  const size_t lf = bytes.find('\n', used);
  const size_t end = lf == std::string_view::npos ? bytes.size() : lf;
  line_.append(bytes.data() + used, end - used);
  used = lf == std::string_view::npos ? bytes.size() : lf + 1;
  if (line_.size() > kMaxChunkLine) {
    fail("chunk-size or trailer line too long");
    return false;
  }
  if (lf == std::string_view::npos) return false;
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  line.swap(line_);
  line_.clear();
  return true;
}

size_t HttpResponseReader::feed_chunked(std::string_view bytes) {
  size_t used = 0;
  std::string line;
  while (used < bytes.size() && state_ == State::kBody) {
    switch (chunk_step_) {
      case ChunkStep::kSize: {
        if (!take_line(bytes, used, line)) break;
        const std::string_view digits = trim(std::string_view(line).substr(0, line.find(';')));
        uint64_t size = 0;
        auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), size, 16);
        if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size()) {
          fail("malformed chunk size '" + line.substr(0, 40) + "'");
          break;
        }
        remaining_ = size;
        chunk_step_ = size == 0 ? ChunkStep::kTrailer : ChunkStep::kData;
        break;
      }
      case ChunkStep::kData: {
        const size_t take =
            static_cast<size_t>(std::min<uint64_t>(remaining_, bytes.size() - used));
        on_body_(bytes.substr(used, take));
        used += take;
        remaining_ -= take;
        if (remaining_ == 0) chunk_step_ = ChunkStep::kDataEnd;
        break;
      }
      case ChunkStep::kDataEnd:
        if (!take_line(bytes, used, line)) break;
        if (!line.empty()) fail("missing CRLF after chunk data");
        chunk_step_ = ChunkStep::kSize;
        break;
      case ChunkStep::kTrailer:
        if (!take_line(bytes, used, line)) break;
        if (line.empty()) complete();
        break;
    }
  }
  return used;
}

void HttpResponseReader::finish() {
  if (state_ == State::kHead) {
    fail(head_bytes_.empty() ? "connection closed before any response"
                             : "connection closed inside the response head");
  } else if (state_ == State::kBody) {
    if (framing_ == Framing::kClose) {
      complete();
    } else {
      fail("connection closed before the end of the body");
    }
  }
}

}  // namespace ssegw::sse
