// The load client's counting depends on these pieces: a wrong parse shows up as lost events.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bench/bench_payload.h"
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

}  // namespace
}  // namespace ssegw::bench
