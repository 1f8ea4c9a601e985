#pragma once
// The load client's HTTP/2 protocol session: one nghttp2 client session per connection,
// fed with the bytes the transport read and drained of the bytes it must write. Each
// stream is a GET of an SSE channel; its response status and DATA reach the Listener with
// the pointer the stream was opened with (the subscription). nghttp2's default options send
// the WINDOW_UPDATEs as data is consumed, and SETTINGS and PING acknowledgements.
#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ssegw::bench {

struct Nghttp2SessionDeleter {
  void operator()(nghttp2_session* session) const { nghttp2_session_del(session); }
};

class H2ClientSession {
 public:
  // Receives every stream's events; `stream` is what submit_get was given.
  class Listener {
   public:
    virtual void on_response(void* stream, int status) = 0;
    virtual void on_data(void* stream, std::string_view data) = 0;
    // The stream is over (error_code 0: the server ended it).
    virtual void on_stream_close(void* stream, uint32_t error_code) = 0;

   protected:
    ~Listener() = default;
  };

  // `tls`: the :scheme is https (h2 by ALPN), else http (h2c with prior knowledge).
  H2ClientSession(Listener& listener, bool tls);

  // Queues a GET with `accept: text/event-stream`; the stream id, or a negative nghttp2 error.
  int32_t submit_get(const std::string& authority, const std::string& path,
                     const std::vector<std::pair<std::string, std::string>>& headers, void* stream);
  // Stops telling the Listener about a stream and resets it (the subscription is gone).
  void cancel(int32_t stream_id);
  // Feeds what the transport read; false (with `error`) when the connection is unusable.
  bool receive(std::string_view bytes, std::string& error);
  // Appends every frame the session has ready to send to `out`.
  bool drain_output(std::string& out, std::string& error);

  // Open streams the server allows: its SETTINGS_MAX_CONCURRENT_STREAMS once it has sent
  // them (unlimited when they name none), until then 100 (RFC 9113's recommended minimum).
  uint32_t stream_limit() const;
  // False once both sides are done (GOAWAY and no stream left, or a fatal error).
  bool alive() const;

 private:
  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                       size_t namelen, const uint8_t* value, size_t valuelen, uint8_t flags,
                       void* self);
  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* self);
  static int on_data_chunk(nghttp2_session*, uint8_t flags, int32_t stream_id, const uint8_t* data,
                           size_t len, void* self);
  static int on_close(nghttp2_session*, int32_t stream_id, uint32_t error_code, void* self);

  Listener& listener_;
  std::string scheme_;
  std::unique_ptr<nghttp2_session, Nghttp2SessionDeleter> session_;
  bool settings_received_ = false;
};

}  // namespace ssegw::bench
