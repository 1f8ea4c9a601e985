#pragma once
// Incremental HTTP/1.1 response reader for the benchmark clients: status line and headers,
// then a body delimited by Content-Length, chunked encoding, or the end of the connection.
// Body bytes are handed to the caller as they arrive (an SSE stream never ends).
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace ssegw::bench {

class HttpResponseReader {
 public:
  enum class State { kHeaders, kBody, kDone, kError };

  // Consumes bytes from `in`; body bytes are passed to on_body(std::string_view). Stops after a
  // complete response (kDone) and returns how many bytes it used, so a keep-alive client can
  // feed the rest to the next response.
  template <class OnBody>
  size_t feed(std::string_view in, OnBody&& on_body);

  // The connection ended; true when that completes the response (body read until close).
  bool finish_at_eof();
  void reset();

  State state() const { return state_; }
  int status() const { return status_; }
  bool keep_alive() const { return keep_alive_; }
  const std::string& error() const { return error_; }

 private:
  enum class BodyMode { kLength, kChunked, kUntilClose };
  enum class ChunkPhase { kSize, kSizeExtension, kData, kDataEnd, kTrailer };

  size_t feed_headers(std::string_view in);
  bool parse_headers();
  // Advances the chunked-encoding framing (sizes, extensions, CRLFs, trailers) by one
  // character; returns 1 when it used the character, 0 when it must be looked at again.
  size_t framing_step(char c);
  void fail(std::string why);

  State state_ = State::kHeaders;
  std::string head_;
  int status_ = 0;
  bool keep_alive_ = true;
  std::string error_;
  BodyMode body_mode_ = BodyMode::kUntilClose;
  uint64_t remaining_ = 0;  // body bytes (kLength) or chunk bytes left
  ChunkPhase chunk_phase_ = ChunkPhase::kSize;
  bool chunk_size_seen_ = false;
  bool trailer_line_empty_ = true;
};

template <class OnBody>
size_t HttpResponseReader::feed(std::string_view in, OnBody&& on_body) {
  size_t pos = 0;
  if (state_ == State::kHeaders) {
    pos = feed_headers(in);
    if (state_ != State::kBody) return pos;
  }
  while (pos < in.size() && state_ == State::kBody) {
    if (body_mode_ == BodyMode::kUntilClose) {
      on_body(in.substr(pos));
      return in.size();
    }
    if (body_mode_ == BodyMode::kLength) {
      const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size() - pos));
      if (take > 0) on_body(in.substr(pos, take));
      pos += take;
      remaining_ -= take;
      if (remaining_ == 0) state_ = State::kDone;
      return pos;
    }
    if (chunk_phase_ != ChunkPhase::kData) {
      pos += framing_step(in[pos]);
      continue;
    }
    const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size() - pos));
    on_body(in.substr(pos, take));
    pos += take;
    remaining_ -= take;
    if (remaining_ == 0) chunk_phase_ = ChunkPhase::kDataEnd;
  }
  return pos;
}

}  // namespace ssegw::bench
