// Where a subscriber's token comes from: the Authorization header, else the cookie (sse_token
// unless configured), else the query parameter, which is off unless one is named.
#include <gtest/gtest.h>

#include "tests/integration/auth/auth_support.h"

namespace ssegw::testing {
namespace {

TEST(TokenSources, HeaderCookieAndConfiguredQueryParameterEachCarryTheToken) {
  AuthConfig config;
  config.query_param = "access_token";
  AuthGateway gw(config);
  const std::string token = gw.mint(signed_by("HS256"));

  SseClient by_header(gw.port(), "/orders", bearer(token));
  EXPECT_TRUE(is_event_stream(by_header)) << by_header.status();
  SseClient by_cookie(gw.port(), "/orders", {{"Cookie", "theme=dark; sse_token=" + token}});
  EXPECT_TRUE(is_event_stream(by_cookie)) << by_cookie.status();
  SseClient by_query(gw.port(), "/orders?access_token=" + token);
  EXPECT_TRUE(is_event_stream(by_query)) << by_query.status();
}

TEST(TokenSources, QueryParameterIsIgnoredUnlessConfigured) {
  AuthGateway gw;
  const std::string token = gw.mint(signed_by("HS256"));
  for (const std::string name : {"access_token", "token", "sse_token"}) {
    SCOPED_TRACE(name);
    SseClient query(gw.port(), "/orders?" + name + "=" + token);
    EXPECT_EQ(query.status(), 401);
    EXPECT_EQ(header(query.headers(), "www-authenticate"), invalid_token_challenge("no token"));
  }
}

TEST(TokenSources, ConfiguredCookieNameReplacesTheDefault) {
  AuthConfig config;
  config.cookie = "session_jwt";
  AuthGateway gw(config);
  const std::string token = gw.mint(signed_by("ES256"));
  SseClient named(gw.port(), "/orders", {{"Cookie", "session_jwt=" + token}});
  EXPECT_EQ(named.status(), 200);
  SseClient default_name(gw.port(), "/orders", {{"Cookie", "sse_token=" + token}});
  EXPECT_EQ(default_name.status(), 401);
}

// The header is the token when there is one: a good cookie does not rescue a bad header,
// and a bad cookie does not spoil a good header.
TEST(TokenSources, AuthorizationHeaderTakesPrecedenceOverTheCookie) {
  AuthGateway gw;
  const std::string token = gw.mint(signed_by("EdDSA"));
  SseClient bad_header(gw.port(), "/orders",
                       bearer("not-a-token", {{"Cookie", "sse_token=" + token}}));
  EXPECT_EQ(bad_header.status(), 401);
  SseClient good_header(gw.port(), "/orders", bearer(token, {{"Cookie", "sse_token=garbage"}}));
  EXPECT_EQ(good_header.status(), 200);
}

}  // namespace
}  // namespace ssegw::testing
