// Who may publish. `publish: true` is for loopback peers; `publish: jwt` needs a token whose
// sse.publish covers the channel; `publish: {from: [...]}` takes client addresses in those
// ranges. The client is the socket's peer unless that peer is a trusted proxy, whose
// X-Forwarded-For or Forwarded header then names it.
#include <gtest/gtest.h>

#include "tests/integration/auth/auth_support.h"

namespace ssegw::testing {
namespace {

using std::chrono::seconds;

int publish_status(const AuthGateway& gw, const std::string& path, const Headers& headers) {
  return publish(gw.port(), path, "event", "", headers).status;
}

TEST(PublishAccess, PublishTrueTakesLoopbackClientsOnlyAsTrustedProxiesName) {
  AuthGateway gw;  // trusted_proxies: [127.0.0.1/32]
  EXPECT_EQ(publish_status(gw, "/open", {}), 200) << "from 127.0.0.1 itself";
  EXPECT_EQ(publish_status(gw, "/open", {{"X-Forwarded-For", "203.0.113.7"}}), 403);
  EXPECT_EQ(publish_status(gw, "/open", {{"Forwarded", "for=203.0.113.7"}}), 403);
  EXPECT_EQ(publish_status(gw, "/open", {{"X-Forwarded-For", "127.0.0.1"}}), 200);
  EXPECT_GE(gw.metric("ssegw_auth_rejections_total{reason=\"peer_not_allowed\"}", 2), 2);
}

TEST(PublishAccess, WithoutTrustedProxiesForwardingHeadersAreIgnored) {
  AuthConfig config;
  config.trusted_proxies = "[]";
  AuthGateway gw(config);
  EXPECT_EQ(publish_status(gw, "/open", {{"X-Forwarded-For", "8.8.8.8"}}), 200);
  EXPECT_EQ(publish_status(gw, "/open", {{"Forwarded", "for=8.8.8.8"}}), 200);
  // Nor can a header claim an address a range would take.
  EXPECT_EQ(publish_status(gw, "/internal", {{"X-Forwarded-For", "10.1.2.3"}}), 403);
}

TEST(PublishAccess, PublishFromARangeTakesTheClientATrustedProxyNames) {
  AuthGateway gw;
  EXPECT_EQ(publish_status(gw, "/internal", {}), 403) << "127.0.0.1 is not in 10.0.0.0/8";
  EXPECT_EQ(publish_status(gw, "/internal", {{"X-Forwarded-For", "10.1.2.3"}}), 200);
  EXPECT_EQ(publish_status(gw, "/internal", {{"Forwarded", "for=10.1.2.3"}}), 200);
  // The proxy appends the address it saw: what the client wrote before it proves nothing.
  EXPECT_EQ(publish_status(gw, "/internal", {{"X-Forwarded-For", "10.1.2.3, 203.0.113.7"}}), 403);
}

TEST(PublishAccess, PublishJwtNeedsATokenWhosePublishClaimCoversTheChannel) {
  AuthGateway gw;
  Claims publisher;
  publisher.publish = {"/orders"};
  Claims elsewhere;
  elsewhere.publish = {"/rooms/*"};
  const std::vector<std::string> tokens =
      gw.mint({signed_by("RS256", publisher), signed_by("HS256"), signed_by("ES256", elsewhere)});
  SseClient sub(gw.port(), "/orders", bearer(tokens[1]));
  ASSERT_TRUE(is_event_stream(sub)) << sub.status();

  const HttpResponse ok = publish(gw.port(), "/orders", "order-1", "", bearer(tokens[0]));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body.rfind("{\"id\":", 0), 0) << ok.body;
  const std::optional<SseEvent> event = sub.next(seconds(5));
  ASSERT_TRUE(event);
  EXPECT_EQ(event->data, "order-1");

  EXPECT_EQ(publish_status(gw, "/orders", bearer(tokens[1])), 403) << "no publish claim";
  EXPECT_EQ(publish_status(gw, "/orders", bearer(tokens[2])), 403) << "claim for /rooms/* only";
  EXPECT_EQ(publish_status(gw, "/orders", {}), 401) << "no token";
}

}  // namespace
}  // namespace ssegw::testing
