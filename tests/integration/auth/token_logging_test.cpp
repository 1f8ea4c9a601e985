// Tokens are credentials: at debug level, through every way a token arrives, accepted or
// refused, and across a reload, the gateway's log holds none of their signatures. (Every
// AuthGateway checks this when it goes; this test gives it the most to leak.)
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/integration/auth/auth_support.h"

namespace ssegw::testing {
namespace {

using std::chrono::seconds;

TEST(TokenLogging, NoTokenSignatureReachesTheLog) {
  AuthConfig config;
  config.query_param = "access_token";
  AuthGateway gw(config);
  Claims expired;
  expired.expires_in = -600;
  Claims uncovered;
  uncovered.subscribe = {"/elsewhere"};
  Claims publisher;
  publisher.publish = {"/orders"};
  TokenSpec tampered = signed_by("PS384");
  tampered.forge = "tamper";
  const std::vector<std::string> tokens =
      gw.mint({signed_by("HS256"), signed_by("RS256"), signed_by("EdDSA", expired),
               signed_by("ES384", uncovered), tampered, signed_by("HS384", publisher)});

  for (const std::string& token : tokens) {
    SseClient by_header(gw.port(), "/orders", bearer(token));
    SseClient by_cookie(gw.port(), "/rooms/a", {{"Cookie", "sse_token=" + token}});
    SseClient by_query(gw.port(), "/rooms/a/b?access_token=" + token);
    EXPECT_NE(by_header.status(), 0);
    EXPECT_NE(by_cookie.status(), 0);
    EXPECT_NE(by_query.status(), 0);
    publish(gw.port(), "/orders", "logged?", "", bearer(token));
  }
  EXPECT_TRUE(gw.reload()) << gw.output();
  gw.process().signal(SIGTERM);
  EXPECT_TRUE(gw.process().wait_exit(seconds(10))) << gw.output();
  gw.expect_no_token_logged();
}

}  // namespace
}  // namespace ssegw::testing
