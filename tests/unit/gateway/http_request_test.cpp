#include "gateway/http_request.h"

#include <gtest/gtest.h>

namespace ssegw {
namespace {

TEST(HttpRequest, ParsesHeadAndQuery) {
  HttpRequest r;
  std::string raw =
      "GET /events?lastEventId=7&x=a%20b HTTP/1.1\r\nHost: h\r\nLast-Event-ID: 5\r\n\r\n";
  ParseOutcome o = parse_http_request(raw, {}, r);
  ASSERT_EQ(o.status, ParseStatus::kComplete);
  EXPECT_EQ(o.consumed, raw.size());
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/events");
  EXPECT_EQ(*r.header("last-event-id"), "5");
  EXPECT_EQ(r.query_param("lastEventId").value(), "7");
  EXPECT_EQ(r.query_param("x").value(), "a b");
  EXPECT_FALSE(r.query_param("y").has_value());
  EXPECT_TRUE(r.keep_alive());
}

TEST(HttpRequest, IncompleteUntilBodyArrives) {
  HttpRequest r;
  std::string raw = "POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nabc";
  EXPECT_EQ(parse_http_request(raw, {}, r).status, ParseStatus::kIncomplete);
  raw += "de";
  ParseOutcome o = parse_http_request(raw, {}, r);
  ASSERT_EQ(o.status, ParseStatus::kComplete);
  EXPECT_EQ(r.body, "abcde");
}

TEST(HttpRequest, PipelinedRequestsConsumeOnlyTheirBytes) {
  HttpRequest r;
  std::string first = "POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx";
  std::string raw = first + "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  EXPECT_EQ(parse_http_request(raw, {}, r).consumed, first.size());
}

TEST(HttpRequest, Errors) {
  HttpRequest r;
  HttpLimits limits;
  limits.max_body_bytes = 10;
  limits.max_head_bytes = 100;
  EXPECT_EQ(
      parse_http_request("POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits, r)
          .error_status,
      413);
  EXPECT_EQ(parse_http_request("GARBAGE\r\n\r\n", limits, r).error_status, 400);
  EXPECT_EQ(parse_http_request("GET /e HTTP/2.0\r\n\r\n", limits, r).error_status, 400);
  EXPECT_EQ(parse_http_request("GET /e HTTP/1.1\r\nHost: h\r\nbad header\r\n\r\n", limits, r)
                .error_status,
            400);
  EXPECT_EQ(parse_http_request("POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
                               limits, r)
                .error_status,
            411);
  EXPECT_EQ(parse_http_request(std::string(200, 'a'), limits, r).error_status, 431);
  EXPECT_EQ(
      parse_http_request("POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n", limits, r)
          .error_status,
      400);
}

TEST(HttpRequest, Http10DefaultsToClose) {
  HttpRequest r;
  ASSERT_EQ(parse_http_request("GET /e HTTP/1.0\r\n\r\n", {}, r).status, ParseStatus::kComplete);
  EXPECT_FALSE(r.keep_alive());
  ASSERT_EQ(
      parse_http_request("GET /e HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", {}, r).status,
      ParseStatus::kComplete);
  EXPECT_FALSE(r.keep_alive());
}

TEST(HttpRequest, BareLfLineEndsAreAccepted) {
  HttpRequest r;
  ASSERT_EQ(parse_http_request("GET /e HTTP/1.1\nHost: x\n\n", {}, r).status,
            ParseStatus::kComplete);
  EXPECT_EQ(*r.header("host"), "x");
}

TEST(HttpRequest, AbsoluteFormKeepsThePath) {
  HttpRequest r;
  ASSERT_EQ(
      parse_http_request("GET http://h:1/events?x=1 HTTP/1.1\r\nHost: h:1\r\n\r\n", {}, r).status,
      ParseStatus::kComplete);
  EXPECT_EQ(r.path, "/events");
}

int error_of(std::string_view raw) {
  HttpRequest r;
  ParseOutcome o = parse_http_request(raw, {}, r);
  return o.status == ParseStatus::kError ? o.error_status : 0;
}

TEST(HttpRequest, ContentLengthFramingIsUnambiguous) {
  EXPECT_EQ(
      error_of("POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nContent-Length: 3\r\n\r\n"),
      400);
  EXPECT_EQ(error_of("POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc"), 400);
  EXPECT_EQ(error_of("POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n"), 400);
  EXPECT_EQ(
      error_of("POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
      400);
  HttpRequest r;
  ParseOutcome o = parse_http_request(
      "POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabcX", {}, r);
  ASSERT_EQ(o.status, ParseStatus::kComplete);
  EXPECT_EQ(r.body, "abc");
}

TEST(HttpRequest, HostIsRequiredOnceInHttp11) {
  EXPECT_EQ(error_of("GET /e HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET /e HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET /e HTTP/1.0\r\n\r\n"), 0);
}

TEST(HttpRequest, ControlCharactersInValuesAndTargetsAreRejected) {
  EXPECT_EQ(error_of("GET /e HTTP/1.1\r\nHost: h\r\nOrigin: a\rb\r\n\r\n"), 400);
  EXPECT_EQ(error_of(std::string_view("GET /e HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n", 36)), 400);
  EXPECT_EQ(error_of("GET /e HTTP/1.1\r\nHost: h\r\nX: a\x7f\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET /e\x01 HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(error_of("GET /e HTTP/1.1\r\nHost: h\r\nX: tab\tok \xc3\xa9\r\n\r\n"), 0);
}

TEST(HttpRequest, ExpectContinueIsReportedWhileTheBodyIsMissing) {
  HttpRequest r;
  const std::string head =
      "POST /e HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\n";
  ParseOutcome waiting = parse_http_request(head, {}, r);
  EXPECT_EQ(waiting.status, ParseStatus::kIncomplete);
  EXPECT_TRUE(waiting.expect_continue);
  EXPECT_EQ(parse_http_request(head + "ok", {}, r).status, ParseStatus::kComplete);
  EXPECT_FALSE(parse_http_request("POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n", {}, r)
                   .expect_continue);
  EXPECT_EQ(error_of("POST /e HTTP/1.1\r\nHost: h\r\nExpect: something\r\n\r\n"), 417);
}

TEST(HttpRequest, EmptyLinesBeforeTheRequestLineAreSkipped) {
  HttpRequest r;
  const std::string raw = "\r\n\nGET /e HTTP/1.1\r\nHost: h\r\n\r\n";
  ParseOutcome o = parse_http_request(raw, {}, r);
  ASSERT_EQ(o.status, ParseStatus::kComplete);
  EXPECT_EQ(o.consumed, raw.size());
  EXPECT_EQ(r.path, "/e");
  HttpLimits limits;
  limits.max_head_bytes = 64;
  EXPECT_EQ(parse_http_request(std::string(100, '\n'), limits, r).error_status, 400);
}

// The head search stops at the head limit, so a long pipelined buffer is not rescanned.
TEST(HttpRequest, IncompleteHeadIsJudgedWithinTheHeadLimit) {
  HttpRequest r;
  HttpLimits limits;
  limits.max_head_bytes = 100;
  std::string raw = "GET /e HTTP/1.1\r\nHost: h\r\n\r\n";
  EXPECT_EQ(parse_http_request(raw + std::string(1 << 20, 'a'), limits, r).status,
            ParseStatus::kComplete);
  EXPECT_EQ(
      parse_http_request("GET /e HTTP/1.1\r\n" + std::string(200, 'a') + "\r\n\r\n", limits, r)
          .error_status,
      431);
}

TEST(HttpRequest, PercentDecode) {
  EXPECT_EQ(percent_decode("a%0Ab+c%zz%4"), "a\nb c%zz%4");
}

}  // namespace
}  // namespace ssegw
