#include "bridges/sse/http_response_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ssegw::sse {
namespace {

struct Result {
  int status = 0;
  std::string body;
  HttpResponseReader::State state;
  bool complete = false;
  std::string error;
};

// Feeds `wire` split into pieces of `step` bytes, then the close if `close` is set.
Result read(std::string_view wire, size_t step, bool close = true) {
  Result r;
  HttpResponseReader reader(
      [&](const HttpResponseHead& h) {
        r.status = h.status;
        return true;
      },
      [&](std::string_view b) { r.body.append(b); });
  for (size_t i = 0; i < wire.size(); i += step) {
    std::string_view piece = wire.substr(i, step);
    size_t used = 0;
    while (used < piece.size() && reader.state() != HttpResponseReader::State::kDone &&
           reader.state() != HttpResponseReader::State::kError) {
      const size_t n = reader.feed(piece.substr(used));
      if (n == 0) break;
      used += n;
    }
  }
  if (close) reader.finish();
  r.state = reader.state();
  r.complete = reader.body_complete();
  r.error = reader.error();
  return r;
}

void expect_every_split(std::string_view wire, int status, const std::string& body, bool complete,
                        bool close = true) {
  for (size_t step = 1; step <= wire.size(); ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    const Result r = read(wire, step, close);
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(r.body, body);
    EXPECT_EQ(r.complete, complete) << r.error;
  }
}

TEST(HttpResponseReader, ChunkedBodyIsDecoded) {
  expect_every_split(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/event-stream\r\n\r\n"
      "5\r\ndata:\r\nB;ext=1\r\n x\n\ndata: y\r\n0\r\nTrailer: t\r\n\r\n",
      200, "data: x\n\ndata: y", true, false);
}

TEST(HttpResponseReader, ContentLengthBodyEndsAtItsLength) {
  expect_every_split("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA", 200, "hello", true,
                     false);
}

TEST(HttpResponseReader, CloseDelimitedBodyEndsAtClose) {
  expect_every_split("HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: 1\n\n", 200,
                     "data: 1\n\n", true);
}

TEST(HttpResponseReader, InterimResponsesAreSkipped) {
  expect_every_split("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                     200, "ok", true, false);
}

TEST(HttpResponseReader, CutChunkedBodyIsAnError) {
  const Result r = read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc", 4);
  EXPECT_EQ(r.state, HttpResponseReader::State::kError);
  EXPECT_EQ(r.body, "abc");
  EXPECT_NE(r.error.find("before the end"), std::string::npos);
}

TEST(HttpResponseReader, MalformedInputIsAnError) {
  EXPECT_EQ(read("SSH-2.0-OpenSSH\r\n\r\n", 100).state, HttpResponseReader::State::kError);
  EXPECT_EQ(read("HTTP/1.1 2x0 OK\r\n\r\n", 100).state, HttpResponseReader::State::kError);
  EXPECT_EQ(read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 100).state,
            HttpResponseReader::State::kError);
  EXPECT_EQ(read("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 100).state,
            HttpResponseReader::State::kError);
  EXPECT_EQ(read("", 1).error, "connection closed before any response");
}

TEST(HttpResponseReader, HeadersAreLowerCasedAndRepeatsJoined) {
  HttpResponseHead seen;
  HttpResponseReader reader(
      [&](const HttpResponseHead& h) {
        seen = h;
        return false;
      },
      [](std::string_view) {});
  reader.feed("HTTP/1.1 302 Found\r\nLocation: /x\r\nX-A: 1\r\nx-a: 2\r\n\r\n");
  EXPECT_EQ(seen.status, 302);
  EXPECT_EQ(seen.reason, "Found");
  EXPECT_EQ(seen.header("location"), "/x");
  EXPECT_EQ(seen.header("x-a"), "1, 2");
  EXPECT_EQ(reader.state(), HttpResponseReader::State::kDone);
  EXPECT_FALSE(reader.body_complete());
}

TEST(HttpResponseReader, OversizedHeadIsAnError) {
  std::string wire = "HTTP/1.1 200 OK\r\n";
  while (wire.size() < 70000) wire += "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
  EXPECT_EQ(read(wire, 4096).state, HttpResponseReader::State::kError);
}

}  // namespace
}  // namespace ssegw::sse
