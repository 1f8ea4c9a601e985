#include "gateway/http2_session.h"

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace ssegw {
namespace {

FrameRef frame(std::string bytes) {
  return FrameRef::adopt(new Frame(1, Event{}, std::move(bytes), 0));
}

std::string take(OutputQueue& wire) {
  std::string out;
  iovec iov[OutputQueue::kMaxIov];
  while (!wire.empty()) {
    size_t offered = 0;
    const size_t count = wire.gather(iov, OutputQueue::kMaxIov, &offered);
    for (size_t i = 0; i < count; ++i)
      out.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
    wire.consume(offered);
  }
  return out;
}

// A real nghttp2 client session on the other end of the wire: what a browser would parse.
class Peer {
 public:
  explicit Peer(bool auto_window_update = true, uint32_t initial_window = 65535) {
    nghttp2_session_callbacks* cbs = nullptr;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
        cbs, [](nghttp2_session*, uint8_t, int32_t id, const uint8_t* d, size_t n, void* u) {
          static_cast<Peer*>(u)->data[id].append(reinterpret_cast<const char*>(d), n);
          return 0;
        });
    nghttp2_session_callbacks_set_on_stream_close_callback(
        cbs, [](nghttp2_session*, int32_t id, uint32_t code, void* u) {
          static_cast<Peer*>(u)->closed[id] = code;
          return 0;
        });
    nghttp2_session_callbacks_set_on_frame_recv_callback(
        cbs, [](nghttp2_session*, const nghttp2_frame* f, void* u) {
          if (f->hd.type == NGHTTP2_GOAWAY) static_cast<Peer*>(u)->goaway = f->goaway.error_code;
          return 0;
        });
    nghttp2_session_callbacks_set_on_header_callback(
        cbs, [](nghttp2_session*, const nghttp2_frame* f, const uint8_t* name, size_t nl,
                const uint8_t* value, size_t vl, uint8_t, void* u) {
          static_cast<Peer*>(u)
              ->headers[f->hd.stream_id][std::string(reinterpret_cast<const char*>(name), nl)] =
              std::string(reinterpret_cast<const char*>(value), vl);
          return 0;
        });
    nghttp2_option* opt = nullptr;
    nghttp2_option_new(&opt);
    nghttp2_option_set_no_auto_window_update(opt, auto_window_update ? 0 : 1);
    nghttp2_session_client_new2(&session_, cbs, this, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cbs);
    nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, initial_window}};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, iv, 1);
  }
  ~Peer() { nghttp2_session_del(session_); }

  int32_t get(const std::string& path, const std::string& extra_value = "") {
    std::vector<std::pair<std::string, std::string>> fields = {
        {":method", "GET"}, {":path", path}, {":scheme", "https"}, {":authority", "gw"}};
    if (!extra_value.empty()) fields.emplace_back("x-big", extra_value);
    std::vector<nghttp2_nv> nv;
    for (auto& [n, v] : fields) {
      nv.push_back({reinterpret_cast<uint8_t*>(n.data()), reinterpret_cast<uint8_t*>(v.data()),
                    n.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
    }
    return nghttp2_submit_request(session_, nullptr, nv.data(), nv.size(), nullptr, nullptr);
  }
  void reset(int32_t id) { nghttp2_submit_rst_stream(session_, 0, id, NGHTTP2_CANCEL); }
  void ping() { nghttp2_submit_ping(session_, 0, nullptr); }
  // The preface and every frame submitted so far.
  std::string output() {
    std::string out;
    const uint8_t* p = nullptr;
    for (ssize_t n; (n = nghttp2_session_mem_send(session_, &p)) > 0;)
      out.append(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
    return out;
  }
  void read(OutputQueue& wire) {
    const std::string bytes = take(wire);
    nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(bytes.data()),
                             bytes.size());
  }
  void consume(int32_t id, size_t n) { nghttp2_session_consume(session_, id, n); }
  uint32_t remote_setting(nghttp2_settings_id id) const {
    return nghttp2_session_get_remote_settings(session_, id);
  }

  std::map<int32_t, std::string> data;
  std::map<int32_t, uint32_t> closed;
  std::map<int32_t, std::map<std::string, std::string>> headers;
  std::optional<uint32_t> goaway;

 private:
  nghttp2_session* session_ = nullptr;
};

// Answers like the worker: /events opens an event stream, anything else gets 404.
class Host final : public Http2Host {
 public:
  Http2Session* session = nullptr;
  std::vector<Http2Stream*> event_streams;
  int requests = 0;
  void on_request(Http2Stream& stream) override {
    ++requests;
    if (stream.request.path == "/events") {
      session->open_event_stream(stream, {{"X-Served-By", "gw1"}});
      event_streams.push_back(&stream);
    } else {
      session->respond(stream,
                       Response{404, {{"Content-Type", "text/plain"}}, "no such channel\n"});
    }
  }
  void on_stream_closed(Http2Stream& stream) override { std::erase(event_streams, &stream); }
  void on_reset_sent(uint32_t) override {}
  void on_goaway_sent(std::string_view) override {}
};

class Http2SessionTest : public ::testing::Test {
 protected:
  explicit Http2SessionTest(Http2Limits limits = {}) : session_(host_, wire_, limits) {
    host_.session = &session_;
  }
  bool deliver(Peer& peer) {
    const std::string bytes = peer.output();
    const bool more = session_.receive(bytes.data(), bytes.size(), 1000);
    session_.produce();
    peer.read(wire_);
    return more;
  }
  void push_to_all(const FrameRef& f) {
    for (Http2Stream* stream : host_.event_streams) {
      stream->out.push(f);
      session_.data_ready(*stream);
    }
  }

  Host host_;
  OutputQueue wire_;
  Http2Session session_;
};

TEST_F(Http2SessionTest, EventStreamDataFramesReferenceTheSharedFrames) {
  Peer peer;
  const int32_t id = peer.get("/events");
  deliver(peer);
  ASSERT_EQ(host_.event_streams.size(), 1u);
  FrameRef shared = frame("id: 1\ndata: a\n\n");
  push_to_all(shared);
  push_to_all(shared);
  session_.produce();
  // The wire holds the frame's own bytes, not a copy: the 9-byte header goes beside them.
  iovec iov[OutputQueue::kMaxIov];
  size_t offered = 0;
  const size_t count = wire_.gather(iov, OutputQueue::kMaxIov, &offered);
  int references = 0;
  for (size_t i = 0; i < count; ++i) references += iov[i].iov_base == shared->bytes().data();
  EXPECT_EQ(references, 2);
  peer.read(wire_);
  EXPECT_EQ(peer.headers[id][":status"], "200");
  EXPECT_EQ(peer.headers[id]["content-type"], "text/event-stream; charset=utf-8");
  EXPECT_EQ(peer.headers[id]["x-served-by"], "gw1");
  EXPECT_EQ(peer.data[id], "id: 1\ndata: a\n\nid: 1\ndata: a\n\n");
  EXPECT_FALSE(peer.closed.count(id));
}

TEST_F(Http2SessionTest, AnswersCarryStatusHeadersAndBodyThenEndTheStream) {
  Peer peer;
  const int32_t id = peer.get("/nope");
  deliver(peer);
  EXPECT_EQ(peer.headers[id][":status"], "404");
  EXPECT_EQ(peer.headers[id]["content-length"], "16");
  EXPECT_EQ(peer.data[id], "no such channel\n");
  ASSERT_TRUE(peer.closed.count(id));
  EXPECT_EQ(peer.closed[id], NGHTTP2_NO_ERROR);
}

TEST_F(Http2SessionTest, AStreamWithoutWindowDoesNotHoldTheOthers) {
  Peer peer(/*auto_window_update=*/false, /*initial_window=*/100);
  const int32_t stalled = peer.get("/events");
  const int32_t flowing = peer.get("/events");
  deliver(peer);
  ASSERT_EQ(host_.event_streams.size(), 2u);
  const std::string event = "data: " + std::string(40, 'x') + "\n\n";  // 48 bytes
  size_t consumed = 0;
  for (int round = 0; round < 20; ++round) {
    push_to_all(frame(event));
    session_.produce();
    peer.read(wire_);
    // Only the flowing stream's window (and the connection's) is given back.
    peer.consume(flowing, peer.data[flowing].size() - consumed);
    consumed = peer.data[flowing].size();
    deliver(peer);
  }
  EXPECT_EQ(peer.data[flowing].size(), 20 * event.size());
  EXPECT_LE(peer.data[stalled].size(), 100u);
  Http2Stream* held = nullptr;
  for (Http2Stream* s : host_.event_streams) held = s->id == stalled ? s : held;
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->out.bytes() + peer.data[stalled].size(), 20 * event.size());
}

TEST_F(Http2SessionTest, RapidResetEndsTheConnectionWithEnhanceYourCalm) {
  Peer peer;
  bool more = true;
  // Each stream opened, then cancelled at once: the peer pays a frame, the server a stream.
  for (int i = 0; i < 300 && more; ++i) {
    const int32_t id = peer.get("/events");
    more = deliver(peer);
    peer.reset(id);
    more = more && deliver(peer);
  }
  EXPECT_FALSE(more);
  EXPECT_EQ(session_.failure(), "rapid_reset");
  peer.read(wire_);
  ASSERT_TRUE(peer.goaway.has_value());
  EXPECT_EQ(*peer.goaway, NGHTTP2_ENHANCE_YOUR_CALM);
  EXPECT_TRUE(session_.finished());
}

TEST_F(Http2SessionTest, PingFloodEndsTheConnection) {
  Peer peer;
  for (int i = 0; i < 100; ++i) peer.ping();
  EXPECT_FALSE(deliver(peer));
  EXPECT_EQ(session_.failure(), "ping_flood");
  ASSERT_TRUE(peer.goaway.has_value());
  EXPECT_EQ(*peer.goaway, NGHTTP2_ENHANCE_YOUR_CALM);
}

TEST_F(Http2SessionTest, ShutDownSendsGoawayAndEndsStreamsAfterTheirQueue) {
  Peer peer;
  const int32_t id = peer.get("/events");
  deliver(peer);
  push_to_all(frame("data: last\n\n"));
  session_.shut_down();
  session_.produce();
  peer.read(wire_);
  EXPECT_EQ(peer.data[id], "data: last\n\n");
  ASSERT_TRUE(peer.goaway.has_value());
  EXPECT_EQ(*peer.goaway, NGHTTP2_NO_ERROR);
  EXPECT_TRUE(peer.closed.count(id));
  EXPECT_TRUE(session_.finished());
}

class Http2SessionLimits : public Http2SessionTest {
 protected:
  static Http2Limits small() {
    Http2Limits limits;
    limits.settings.max_concurrent_streams = 2;
    limits.settings.max_header_list_size = 1024;
    return limits;
  }
  Http2SessionLimits() : Http2SessionTest(small()) {}
};

// A HEADERS frame for GET / on `id`: :method, :scheme and :path from HPACK's static table
// (RFC 7541 appendix A), :authority "gw" as a literal without indexing.
std::string raw_get(uint8_t id) {
  return std::string("\x00\x00\x07\x01\x05\x00\x00\x00", 8) + static_cast<char>(id) +
         "\x82\x87\x84\x01\x02gw";
}

// (type, stream, error code of RST_STREAM/GOAWAY) of every frame in `bytes`.
std::vector<std::tuple<int, uint32_t, uint32_t>> frames_in(const std::string& bytes) {
  std::vector<std::tuple<int, uint32_t, uint32_t>> out;
  auto u32 = [&](size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<uint8_t>(bytes[at + i]);
    return v;
  };
  for (size_t at = 0; at + 9 <= bytes.size();) {
    const size_t length = u32(at) >> 8;
    const int type = static_cast<uint8_t>(bytes[at + 3]);
    const uint32_t stream = u32(at + 5) & 0x7fffffff;
    uint32_t code = 0;
    if (type == NGHTTP2_RST_STREAM) code = u32(at + 9);
    if (type == NGHTTP2_GOAWAY) code = u32(at + 13);
    out.emplace_back(type, stream, code);
    at += 9 + length;
  }
  return out;
}

TEST_F(Http2SessionLimits, StreamsOverTheAcknowledgedLimitAreRefusedNotTheConnection) {
  Peer peer;
  deliver(peer);  // both SETTINGS out and acknowledged: nghttp2 now enforces its own limit
  deliver(peer);
  EXPECT_EQ(peer.remote_setting(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS), 2u);
  // A peer that ignores the limit: three requests in one write.
  const std::string burst = raw_get(1) + raw_get(3) + raw_get(5);
  EXPECT_TRUE(session_.receive(burst.data(), burst.size(), 1000));
  session_.produce();
  EXPECT_EQ(host_.requests, 2);
  bool refused = false;
  for (auto [type, stream, code] : frames_in(take(wire_))) {
    EXPECT_NE(type, NGHTTP2_GOAWAY);
    refused =
        refused || (type == NGHTTP2_RST_STREAM && stream == 5 && code == NGHTTP2_REFUSED_STREAM);
  }
  EXPECT_TRUE(refused);
}

TEST_F(Http2SessionLimits, AHeaderListOverTheBoundResetsOnlyItsStream) {
  Peer peer;
  const int32_t big = peer.get("/events", std::string(2000, 'v'));
  const int32_t fine = peer.get("/events");
  deliver(peer);
  EXPECT_EQ(host_.requests, 1);
  ASSERT_TRUE(peer.closed.count(big));
  EXPECT_NE(peer.closed[big], NGHTTP2_NO_ERROR);
  EXPECT_FALSE(peer.closed.count(fine));
}

}  // namespace
}  // namespace ssegw
