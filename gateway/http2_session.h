#pragma once
// The HTTP/2 side of a connection (RFC 9113, with nghttp2): turns received bytes into
// requests on streams, and streams' queued bytes into frames on the connection's wire
// queue. DATA frames carry the shared event frames by reference: nghttp2's no-copy path
// (NGHTTP2_DATA_FLAG_NO_COPY and send_data_callback) adds only the 9-byte frame header.
// It does no I/O; the worker feeds it what the transport read and writes what it produced.
#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"
#include "http2_flood_guard.h"
#include "http_request.h"
#include "http_response.h"
#include "output_queue.h"
#include "subscription.h"

namespace ssegw {

struct Http2Stream {
  int32_t id = 0;
  size_t index = 0;  // in the session's list of streams
  HttpRequest request;
  size_t header_bytes = 0;
  bool answered = false;  // a response was submitted
  bool ending = false;    // END_STREAM goes out once `out` is empty
  bool deferred = false;  // nghttp2 waits for data_ready()
  OutputQueue out;        // bytes its DATA frames will carry
  Subscription sub;       // the fan-out's view, when it subscribes
  int64_t last_write_ms = 0;
};

class Http2Host {
 public:
  virtual ~Http2Host() = default;
  // A complete request; answer it with respond() or open_event_stream(), now or later.
  virtual void on_request(Http2Stream& stream) = 0;
  // The stream is gone (ended, reset by either side, or the session ended); after this
  // returns it is deleted.
  virtual void on_stream_closed(Http2Stream& stream) = 0;
  // For the metrics: a RST_STREAM or GOAWAY went out.
  virtual void on_reset_sent(uint32_t error_code) = 0;
  virtual void on_goaway_sent(std::string_view reason) = 0;
};

struct Http2Limits {
  Http2Settings settings;
  size_t max_body_bytes = 1 << 20;
  size_t wire_budget = 256 * 1024;  // bytes framed ahead of the socket
};

class Http2Session {
 public:
  Http2Session(Http2Host& host, OutputQueue& wire, const Http2Limits& limits);
  ~Http2Session();
  Http2Session(const Http2Session&) = delete;
  Http2Session& operator=(const Http2Session&) = delete;

  // Feeds bytes read from the peer. False when the connection is to end once what is queued
  // is written: a protocol error, a flood, or the peer's GOAWAY.
  bool receive(const char* data, size_t length, int64_t now_ms);
  // Frames what is pending into the wire queue, up to the wire budget.
  void produce();
  bool wants_write() const;

  void respond(Http2Stream& stream, const Response& response);
  void open_event_stream(Http2Stream& stream, const HeaderList& headers);
  // `stream.out` got bytes (or `ending` was set).
  void data_ready(Http2Stream& stream);
  void reset(Http2Stream& stream, uint32_t error_code);
  // GOAWAY(NO_ERROR); every stream ends after what it has queued.
  void shut_down();
  // Nothing left to send and no stream open: the connection may close.
  bool finished() const;

  const std::vector<Http2Stream*>& streams() const { return streams_; }
  Http2Stream* find(int32_t id) const;
  // Set when receive() returned false because of a flood: its label for the metrics.
  const std::string& failure() const { return failure_; }

 private:
  struct Callbacks;
  Http2Stream* add_stream(int32_t id);
  void remove_stream(Http2Stream* stream);
  void fail(uint32_t error_code, std::string reason);
  bool over_budget() const { return wire_.bytes() >= limits_.wire_budget; }

  Http2Host& host_;
  OutputQueue& wire_;
  Http2Limits limits_;
  nghttp2_session* session_ = nullptr;
  std::vector<Http2Stream*> streams_;
  Http2FloodGuard flood_;
  int64_t now_ms_ = 0;
  std::string failure_;
  bool failed_ = false;
  bool shutting_down_ = false;
  bool settings_sent_ = false;
};

}  // namespace ssegw
