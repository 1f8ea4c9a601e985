// A stream lives no longer than its token: at exp (plus leeway, 0 s here) the gateway sends
// one `token-expired` event, with no id so a client's Last-Event-ID stays on the last real
// event, and closes. Reconnecting with a fresh token and that id replays exactly what was
// published in between.
#include <gtest/gtest.h>

#include "tests/integration/auth/auth_support.h"

namespace ssegw::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

TEST(TokenExpiry, StreamGetsOneTokenExpiredEventAndResumesWithNothingLostOrRepeated) {
  AuthConfig config;
  config.leeway = "0s";
  AuthGateway gw(config);
  Claims short_lived;
  short_lived.expires_in = 3;
  Claims publisher;
  publisher.subscribe = {};
  publisher.publish = {"/orders"};
  const Clock::time_point minted = Clock::now();
  // The short-lived one last, so that it is signed last.
  const std::vector<std::string> tokens =
      gw.mint({signed_by("HS256", publisher), signed_by("ES256"), signed_by("ES256", short_lived)});
  const Headers as_publisher = bearer(tokens[0]);

  SseClient sub(gw.port(), "/orders", bearer(tokens[2]));
  ASSERT_TRUE(is_event_stream(sub))
      << sub.status() << " " << header(sub.headers(), "www-authenticate") << "\n"
      << gw.output();
  for (const char* data : {"before-1", "before-2", "before-3"})
    ASSERT_EQ(publish(gw.port(), "/orders", data, "", as_publisher).status, 200);
  const std::vector<SseEvent> before = sub.take(3, seconds(5));
  ASSERT_EQ(data_of(before), (std::vector<std::string>{"before-1", "before-2", "before-3"}));
  const std::string last_id = before.back().id;
  ASSERT_FALSE(last_id.empty());

  const std::optional<SseEvent> expired = sub.next(seconds(8));
  ASSERT_TRUE(expired) << "no event at the token's exp; closed=" << sub.closed();
  EXPECT_EQ(expired->type, "token-expired");
  EXPECT_EQ(expired->data, "{}");
  EXPECT_FALSE(expired->id_field) << "the token-expired event set id " << expired->id;
  // exp is whole seconds, 3 after a time() read after `minted`.
  EXPECT_GE(Clock::now() - minted, milliseconds(1900));
  EXPECT_FALSE(sub.next(seconds(3))) << "more after token-expired";
  EXPECT_TRUE(sub.closed());
  EXPECT_GE(gw.metric("ssegw_streams_token_expired_total", 1), 1);

  for (const char* data : {"missed-1", "missed-2", "missed-3"})
    ASSERT_EQ(publish(gw.port(), "/orders", data, "", as_publisher).status, 200);
  SseClient resumed(gw.port(), "/orders", bearer(tokens[1], {{"Last-Event-ID", last_id}}));
  ASSERT_TRUE(is_event_stream(resumed)) << resumed.status();
  const std::vector<SseEvent> replayed = resumed.take(3, seconds(5));
  EXPECT_EQ(data_of(replayed), (std::vector<std::string>{"missed-1", "missed-2", "missed-3"}));
  const std::optional<SseEvent> extra = resumed.next(milliseconds(500));
  EXPECT_FALSE(extra) << "one event too many: " << extra->type << " " << extra->data;
}

}  // namespace
}  // namespace ssegw::testing
