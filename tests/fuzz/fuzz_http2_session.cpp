// Any bytes after the client preface into the gateway's HTTP/2 session, in chunks the input
// chooses, with a host that answers like the worker (event streams fed by shared frames,
// plain answers, resets): no crash, no leak, and the session's stream list stays its own.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gateway/http2_session.h"

namespace {

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

class Host final : public ssegw::Http2Host {
 public:
  ssegw::Http2Session* session = nullptr;
  void on_request(ssegw::Http2Stream& stream) override {
    if (stream.request.path == "/events") {
      session->open_event_stream(stream, {{"X-Test", "1"}});
      stream.out.push(frame_);
      session->data_ready(stream);
    } else if (stream.request.method == "HEAD") {
      session->respond(stream, ssegw::Response{200, {}, "ok\n", true});
    } else {
      session->respond(
          stream, ssegw::Response{404, {}, std::string(stream.request.body.size() % 70000, 'x')});
    }
  }
  void on_stream_closed(ssegw::Http2Stream&) override {}
  void on_reset_sent(uint32_t) override {}
  void on_goaway_sent(std::string_view) override {}

 private:
  ssegw::FrameRef frame_ =
      ssegw::FrameRef::adopt(new ssegw::Frame(1, ssegw::Event{}, "data: x\n\n", 0));
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ssegw::OutputQueue wire;
  ssegw::Http2Limits limits;
  limits.settings.max_concurrent_streams = 8;
  limits.settings.max_header_list_size = 4096;
  limits.max_body_bytes = 4096;
  limits.wire_budget = 8192;
  Host host;
  ssegw::Http2Session session(host, wire, limits);
  host.session = &session;
  std::string input(kPreface);
  input.append(reinterpret_cast<const char*>(data), size);
  size_t pos = 0;
  int64_t now = 0;
  while (pos < input.size()) {
    // Chunk lengths from the input itself, so splits land anywhere in a frame.
    const size_t chunk = 1 + static_cast<uint8_t>(input[pos]) * 3;
    const size_t n = std::min(chunk, input.size() - pos);
    const bool more = session.receive(input.data() + pos, n, now += 7);
    pos += n;
    session.produce();
    wire.consume(wire.bytes());
    for (ssegw::Http2Stream* stream : session.streams()) {
      if (stream->id <= 0 || session.find(stream->id) != stream) std::abort();
    }
    if (!more) break;
  }
  return 0;
}
