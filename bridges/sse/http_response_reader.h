#pragma once
// Incremental reader of one HTTP/1.1 response: the status line and headers, then the body
// decoded from chunked, Content-Length (identity) or close-delimited framing. Bytes may
// arrive split anywhere; body bytes are handed on as views without copying.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace ssegw::sse {

struct HttpResponseHead {
  int status = 0;
  std::string reason;
  std::map<std::string, std::string> headers;  // lower-case names; repeats joined with ", "
  std::string header(const std::string& lower_name) const;
};

class HttpResponseReader {
 public:
  enum class State { kHead, kBody, kDone, kError };

  // on_head runs once the final (non-1xx) head is complete; returning false stops reading.
  using HeadCallback = std::function<bool(const HttpResponseHead&)>;
  using BodyCallback = std::function<void(std::string_view)>;

  static constexpr size_t kMaxHeadBytes = 64 * 1024;

  HttpResponseReader(HeadCallback on_head, BodyCallback on_body)
      : on_head_(std::move(on_head)), on_body_(std::move(on_body)) {}

  // Consumes bytes; returns how many were used (all of them unless the body ended, reading
  // stopped or an error occurred).
  size_t feed(std::string_view bytes);
  // The peer closed the connection: a close-delimited body ends cleanly, anything else was
  // cut short (error() says what).
  void finish();

  State state() const { return state_; }
  const HttpResponseHead& head() const { return head_; }
  const std::string& error() const { return error_; }
  // The body ended as its framing says (last chunk, Content-Length reached, or close).
  bool body_complete() const { return state_ == State::kDone && body_complete_; }

 private:
  enum class Framing { kClose, kLength, kChunked };
  enum class ChunkStep { kSize, kData, kDataEnd, kTrailer };

  size_t feed_head(std::string_view bytes);
  bool parse_head(std::string_view text);
  bool start_body();
  size_t feed_chunked(std::string_view bytes);
  bool take_line(std::string_view bytes, size_t& used, std::string& line);
  void fail(std::string message);
  void complete();

  HeadCallback on_head_;
  BodyCallback on_body_;
  State state_ = State::kHead;
  HttpResponseHead head_;
  std::string head_bytes_;
  Framing framing_ = Framing::kClose;
  uint64_t remaining_ = 0;  // identity: body bytes left; chunked: bytes left in this chunk
  ChunkStep chunk_step_ = ChunkStep::kSize;
  std::string line_;  // a chunk-size or trailer line being assembled
  bool body_complete_ = false;
  std::string error_;
};

}  // namespace ssegw::sse
