// A key rotation: the JWK set file is replaced and SIGHUP reloads it. New requests are then
// checked against the new set only, while a stream opened under the old key keeps going
// (its token was good when it was checked; it ends at its own exp).
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/integration/auth/auth_support.h"

namespace ssegw::testing {
namespace {

using std::chrono::seconds;

TEST(JwksRotation, SighupSwapsTheKeySetAndAStreamOpenedBeforeKeepsStreaming) {
  TempDir dir;
  const std::string live = dir.path("live-jwks.json");
  copy_file(test_keys().path("jwks_a.json"), live);
  AuthConfig config;
  config.keys = "      - {jwks_file: " + live + "}\n";
  config.orders_publish = "true";  // publishing from loopback needs no key of either set
  AuthGateway gw(config);
  const std::vector<std::string> tokens = gw.mint({signed_by_jwk("rot-a"), signed_by_jwk("rot-b")});
  const std::string& kid_a = tokens[0];
  const std::string& kid_b = tokens[1];

  SseClient held(gw.port(), "/orders", bearer(kid_a));
  ASSERT_TRUE(is_event_stream(held)) << held.status() << "\n" << gw.output();
  {
    SseClient not_yet(gw.port(), "/orders", bearer(kid_b));
    EXPECT_EQ(not_yet.status(), 401);
    EXPECT_EQ(header(not_yet.headers(), "www-authenticate"),
              invalid_token_challenge("unknown key id"));
  }
  ASSERT_EQ(publish(gw.port(), "/orders", "before-rotation").status, 200);
  const std::optional<SseEvent> before = held.next(seconds(5));
  ASSERT_TRUE(before);
  EXPECT_EQ(before->data, "before-rotation");

  // Renamed into place, as a deploy would, so the reload never reads half a file.
  copy_file(test_keys().path("jwks_b.json"), dir.path("next-jwks.json"));
  std::filesystem::rename(dir.path("next-jwks.json"), live);
  ASSERT_TRUE(gw.reload()) << gw.output();

  SseClient old_key(gw.port(), "/orders", bearer(kid_a));
  EXPECT_EQ(old_key.status(), 401);
  EXPECT_EQ(header(old_key.headers(), "www-authenticate"),
            invalid_token_challenge("unknown key id"));
  SseClient new_key(gw.port(), "/orders", bearer(kid_b));
  EXPECT_TRUE(is_event_stream(new_key)) << new_key.status();

  ASSERT_EQ(publish(gw.port(), "/orders", "after-rotation").status, 200);
  const std::optional<SseEvent> after = held.next(seconds(5));
  ASSERT_TRUE(after) << "the stream opened under kid rot-a ended at the reload";
  EXPECT_EQ(after->data, "after-rotation");
  EXPECT_FALSE(held.closed());
}

}  // namespace
}  // namespace ssegw::testing
