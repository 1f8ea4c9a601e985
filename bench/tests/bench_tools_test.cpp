// The load client's counting depends on these pieces: a wrong parse shows up as lost events.
#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bench/bench_payload.h"
#include "bench/h2_client_session.h"
#include "bench/http_response_reader.h"
#include "bench/latency_histogram.h"
#include "bench/sse_event_parser.h"

namespace ssegw::bench {
namespace {

std::vector<std::string> parse_in_pieces(const std::string& stream, size_t piece) {
  SseEventParser parser;
  std::vector<std::string> events;
  for (size_t i = 0; i < stream.size(); i += piece) {
    parser.feed(std::string_view(stream).substr(i, piece),
                [&](std::string_view data) { events.emplace_back(data); });
  }
  return events;
}

TEST(SseEventParser, SplitsOnEveryLineEndingWhateverTheReadBoundaries) {
  const std::string stream =
      ": hi\r\n\r\nid: 1\r\ndata: a\r\ndata:b\r\n\r\nevent: ping\n\ndata: c\rdata: d\r\r"
      "retry: 10\n\ndata\n\n";
  for (size_t piece = 1; piece <= stream.size(); ++piece) {
    const auto events = parse_in_pieces(stream, piece);
    ASSERT_EQ(events.size(), 3u) << "piece " << piece;
    EXPECT_EQ(events[0], "a\nb");
    EXPECT_EQ(events[1], "c\nd");
    EXPECT_EQ(events[2], "");
  }
}

TEST(SseEventParser, CountsCommentsAndDatalessEventsAsHeartbeats) {
  SseEventParser parser;
  parser.feed(": hi\n\n:\n\nevent: ping\n\nretry: 3000\n\ndata: x\n\n", [](std::string_view) {});
  EXPECT_EQ(parser.comments(), 4u);
}

TEST(HttpResponseReader, DecodesChunkedBodiesAcrossFeeds) {
  const std::string response =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n"
      "6\r\n world\r\n0\r\n\r\n";
  for (size_t piece = 1; piece <= response.size(); ++piece) {
    HttpResponseReader reader;
    std::string body;
    for (size_t i = 0; i < response.size(); i += piece) {
      reader.feed(std::string_view(response).substr(i, piece),
                  [&](std::string_view b) { body.append(b); });
    }
    EXPECT_EQ(reader.state(), HttpResponseReader::State::kDone) << "piece " << piece;
    EXPECT_EQ(reader.status(), 200);
    EXPECT_EQ(body, "hello world");
  }
}

TEST(HttpResponseReader, StopsAtContentLengthAndLeavesTheRest) {
  HttpResponseReader reader;
  std::string body;
  const std::string two = "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200";
  const size_t used = reader.feed(two, [&](std::string_view b) { body.append(b); });
  EXPECT_EQ(reader.state(), HttpResponseReader::State::kDone);
  EXPECT_EQ(reader.status(), 201);
  EXPECT_EQ(body, "ok");
  EXPECT_EQ(two.substr(used), "HTTP/1.1 200");
}

TEST(HttpResponseReader, RejectsAGarbageStatusLine) {
  HttpResponseReader reader;
  reader.feed("SSH-2.0-OpenSSH\r\n\r\n", [](std::string_view) {});
  EXPECT_EQ(reader.state(), HttpResponseReader::State::kError);
}

TEST(BenchPayload, RoundTripsSeqAndTimestampAtTheRequestedSize) {
  const std::string payload = make_payload(123, 1700000000123456, 100);
  EXPECT_EQ(payload.size(), 100u);
  PayloadStamp stamp;
  ASSERT_TRUE(parse_payload(payload, stamp));
  EXPECT_EQ(stamp.seq, 123u);
  EXPECT_EQ(stamp.ts_us, 1700000000123456u);
  EXPECT_FALSE(parse_payload("seq=x ts=1", stamp));
  EXPECT_FALSE(parse_payload("hello", stamp));
}

TEST(LatencyHistogram, PercentilesStayWithinOneBucketAndMergeAddsCounts) {
  LatencyHistogram a, b;
  for (uint64_t v = 1; v <= 1000; ++v) a.record(v * 100);  // 100 us .. 100 ms
  b.record(5'000'000);
  a.merge(b);
  EXPECT_EQ(a.count(), 1001u);
  EXPECT_EQ(a.max(), 5'000'000u);
  const uint64_t p50 = a.percentile(0.5);
  EXPECT_GE(p50, 50'000u);
  EXPECT_LE(p50, 50'000u * 107 / 100);  // 16 sub-buckets: within about 6%
  EXPECT_EQ(a.percentile(1.0), 5'000'000u);
  for (uint64_t v : {0ull, 15ull, 16ull, 17ull, 1000ull, 123456789ull}) {
    const int bucket = LatencyHistogram::bucket_of(v);
    EXPECT_LE(LatencyHistogram::bucket_low(bucket), v);
    EXPECT_GT(LatencyHistogram::bucket_high(bucket), v);
  }
}

// The server side of the h2 test: answers every request with 200 and then `body` as DATA
// frames of at most `piece` bytes, so SSE lines and events straddle frames anywhere.
class PiecewiseSseServer {
 public:
  PiecewiseSseServer(std::string body, size_t piece) : body_(std::move(body)), piece_(piece) {
    nghttp2_session_callbacks* callbacks = nullptr;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &PiecewiseSseServer::on_frame);
    nghttp2_session_server_new(&session_, callbacks, this);
    nghttp2_session_callbacks_del(callbacks);
    const nghttp2_settings_entry limit{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 128};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, &limit, 1);
  }
  ~PiecewiseSseServer() { nghttp2_session_del(session_); }

  void receive(const std::string& bytes) {
    ASSERT_GE(nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(bytes.data()),
                                       bytes.size()),
              0);
  }
  std::string output() {
    std::string out;
    const uint8_t* data = nullptr;
    for (ssize_t n; (n = nghttp2_session_mem_send(session_, &data)) > 0;) {
      out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    }
    return out;
  }

 private:
  static int on_frame(nghttp2_session* session, const nghttp2_frame* frame, void* self) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    static const std::string kStatus = ":status", k200 = "200";
    nghttp2_nv status{reinterpret_cast<uint8_t*>(const_cast<char*>(kStatus.data())),
                      reinterpret_cast<uint8_t*>(const_cast<char*>(k200.data())), kStatus.size(),
                      k200.size(), NGHTTP2_NV_FLAG_NONE};
    nghttp2_data_provider provider{};
    provider.source.ptr = self;
    provider.read_callback = &PiecewiseSseServer::read_body;
    nghttp2_submit_response(session, frame->hd.stream_id, &status, 1, &provider);
    return 0;
  }
  static ssize_t read_body(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                           nghttp2_data_source* source, void*) {
    auto& self = *static_cast<PiecewiseSseServer*>(source->ptr);
    const size_t n = std::min({length, self.piece_, self.body_.size() - self.sent_});
    std::copy_n(self.body_.data() + self.sent_, n, buf);
    self.sent_ += n;
    if (self.sent_ == self.body_.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  nghttp2_session* session_ = nullptr;
  std::string body_;
  size_t piece_;
  size_t sent_ = 0;
};

// What the load client's worker does with a stream: status, then DATA into the SSE parser.
struct SseStreamListener : H2ClientSession::Listener {
  void on_response(void*, int s) override { status = s; }
  void on_data(void*, std::string_view data) override {
    parser.feed(data, [&](std::string_view event) { events.emplace_back(event); });
  }
  void on_stream_close(void*, uint32_t code) override {
    closed = true;
    error_code = code;
  }
  int status = 0;
  bool closed = false;
  uint32_t error_code = 0;
  SseEventParser parser;
  std::vector<std::string> events;
};

TEST(H2ClientSession, FeedsDataSplitAnywhereToTheSseParser) {
  const std::string body = ": hi\n\ndata: seq=1 ts=5\r\n\r\nid: 2\ndata: a\ndata: b\n\ndata: c\r\r";
  for (size_t piece = 1; piece <= body.size(); ++piece) {
    PiecewiseSseServer server(body, piece);
    SseStreamListener listener;
    H2ClientSession client(listener, true);
    EXPECT_EQ(client.stream_limit(), 100u) << "before the server's SETTINGS";
    int marker = 0;
    ASSERT_GT(client.submit_get("127.0.0.1:1", "/bench", {{"x-bench", "1"}}, &marker), 0);
    std::string error;
    // Bounded exchange: a few round trips settle the preface, SETTINGS and the response.
    for (int round = 0; round < 20 && !listener.closed; ++round) {
      std::string to_server;
      ASSERT_TRUE(client.drain_output(to_server, error)) << error;
      server.receive(to_server);
      ASSERT_TRUE(client.receive(server.output(), error)) << error;
    }
    ASSERT_TRUE(listener.closed) << "piece " << piece;
    EXPECT_EQ(listener.status, 200);
    EXPECT_EQ(listener.error_code, 0u);
    ASSERT_EQ(listener.events.size(), 3u) << "piece " << piece;
    EXPECT_EQ(listener.events[0], "seq=1 ts=5");
    EXPECT_EQ(listener.events[1], "a\nb");
    EXPECT_EQ(listener.events[2], "c");
    EXPECT_EQ(listener.parser.comments(), 1u);
    EXPECT_EQ(client.stream_limit(), 128u) << "the limit of the server's SETTINGS";
  }
}

}  // namespace
}  // namespace ssegw::bench
