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
  std::string raw = "POST /e HTTP/1.1\r\nContent-Length: 5\r\n\r\nabc";
  EXPECT_EQ(parse_http_request(raw, {}, r).status, ParseStatus::kIncomplete);
  raw += "de";
  ParseOutcome o = parse_http_request(raw, {}, r);
  ASSERT_EQ(o.status, ParseStatus::kComplete);
  EXPECT_EQ(r.body, "abcde");
}

TEST(HttpRequest, PipelinedRequestsConsumeOnlyTheirBytes) {
  HttpRequest r;
  std::string first = "POST /e HTTP/1.1\r\nContent-Length: 1\r\n\r\nx";
  std::string raw = first + "GET / HTTP/1.1\r\n\r\n";
  EXPECT_EQ(parse_http_request(raw, {}, r).consumed, first.size());
}

TEST(HttpRequest, Errors) {
  HttpRequest r;
  HttpLimits limits;
  limits.max_body_bytes = 10;
  limits.max_head_bytes = 100;
  EXPECT_EQ(
      parse_http_request("POST /e HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits, r).error_status,
      413);
  EXPECT_EQ(parse_http_request("GARBAGE\r\n\r\n", limits, r).error_status, 400);
  EXPECT_EQ(parse_http_request("GET /e HTTP/2.0\r\n\r\n", limits, r).error_status, 400);
  EXPECT_EQ(parse_http_request("GET /e HTTP/1.1\r\nbad header\r\n\r\n", limits, r).error_status,
            400);
  EXPECT_EQ(parse_http_request("POST /e HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", limits, r)
                .error_status,
            411);
  EXPECT_EQ(parse_http_request(std::string(200, 'a'), limits, r).error_status, 431);
  EXPECT_EQ(
      parse_http_request("POST /e HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", limits, r).error_status,
      400);
}

TEST(HttpRequest, Http10DefaultsToClose) {
  HttpRequest r;
  ASSERT_EQ(parse_http_request("GET /e HTTP/1.0\r\n\r\n", {}, r).status, ParseStatus::kComplete);
  EXPECT_FALSE(r.keep_alive());
  ASSERT_EQ(parse_http_request("GET /e HTTP/1.1\r\nConnection: close\r\n\r\n", {}, r).status,
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
  ASSERT_EQ(parse_http_request("GET http://h:1/events?x=1 HTTP/1.1\r\n\r\n", {}, r).status,
            ParseStatus::kComplete);
  EXPECT_EQ(r.path, "/events");
}

TEST(HttpRequest, PercentDecode) {
  EXPECT_EQ(percent_decode("a%0Ab+c%zz%4"), "a\nb c%zz%4");
}

}  // namespace
}  // namespace ssegw
