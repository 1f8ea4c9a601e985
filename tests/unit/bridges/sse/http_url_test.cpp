#include "bridges/sse/http_url.h"

#include <gtest/gtest.h>

namespace ssegw::sse {
namespace {

TEST(HttpUrl, ParsesSchemeHostPortAndTarget) {
  auto url = parse_http_url("https://Feed.Example.com:8443/sse/prices?x=1#frag");
  ASSERT_TRUE(url);
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "feed.example.com");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->target, "/sse/prices?x=1");
  EXPECT_EQ(url->host_header(), "feed.example.com:8443");
}

TEST(HttpUrl, DefaultsPortAndPath) {
  auto http = parse_http_url("http://a.b");
  ASSERT_TRUE(http);
  EXPECT_EQ(http->port, 80);
  EXPECT_EQ(http->target, "/");
  EXPECT_EQ(http->host_header(), "a.b");
  auto https = parse_http_url("https://a.b?q");
  ASSERT_TRUE(https);
  EXPECT_EQ(https->port, 443);
  EXPECT_EQ(https->target, "/?q");
}

TEST(HttpUrl, Ipv6LiteralKeepsBracketsInHostHeaderOnly) {
  auto url = parse_http_url("http://[::1]:8080/x");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->host_header(), "[::1]:8080");
}

TEST(HttpUrl, RejectsWhatItCannotUse) {
  std::string error;
  EXPECT_FALSE(parse_http_url("ftp://a/b", &error));
  EXPECT_NE(error.find("scheme"), std::string::npos);
  EXPECT_FALSE(parse_http_url("http://user:pw@a/b", &error));
  EXPECT_NE(error.find("user info"), std::string::npos);
  EXPECT_FALSE(parse_http_url("http://a:99999/", &error));
  EXPECT_FALSE(parse_http_url("http:///path", &error));
  EXPECT_FALSE(parse_http_url("http://a/b c", &error));
  EXPECT_FALSE(parse_http_url("a.example.com/sse", &error));
}

TEST(HttpUrl, ResolvesEveryKindOfLocation) {
  const HttpUrl base = *parse_http_url("http://a:81/dir/stream?x=1");
  EXPECT_EQ(resolve_location(base, "https://b/other")->text(), "https://b:443/other");
  EXPECT_EQ(resolve_location(base, "//c:82/p")->text(), "http://c:82/p");
  EXPECT_EQ(resolve_location(base, "/root?y")->text(), "http://a:81/root?y");
  EXPECT_EQ(resolve_location(base, "next")->text(), "http://a:81/dir/next");
  EXPECT_EQ(resolve_location(base, "../up/./x")->text(), "http://a:81/up/x");
  EXPECT_EQ(resolve_location(base, "?z=2")->text(), "http://a:81/dir/stream?z=2");
  EXPECT_FALSE(resolve_location(base, ""));
}

TEST(HttpUrl, SameOriginComparesSchemeHostAndPort) {
  const HttpUrl a = *parse_http_url("http://a:80/x");
  EXPECT_TRUE(a.same_origin(*parse_http_url("http://a/y")));
  EXPECT_FALSE(a.same_origin(*parse_http_url("https://a:80/x")));
  EXPECT_FALSE(a.same_origin(*parse_http_url("http://b/x")));
}

}  // namespace
}  // namespace ssegw::sse
