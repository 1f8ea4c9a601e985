// A good token of every algorithm the gateway takes opens a `subscribe: jwt` stream, whether
// its key is in the config (public_key_file, secret) or in a JWK set, and the stream carries
// what is published.
#include <gtest/gtest.h>

#include <memory>

#include "tests/integration/auth/auth_support.h"

namespace ssegw::testing {
namespace {

using std::chrono::seconds;

// Opens /orders with each token, publishes one event, and expects every stream to get it.
void expect_streams_open(AuthGateway& gw, const std::vector<std::string>& names,
                         const std::vector<std::string>& tokens) {
  std::vector<std::unique_ptr<SseClient>> streams;
  for (size_t i = 0; i < tokens.size(); ++i) {
    streams.push_back(std::make_unique<SseClient>(gw.port(), "/orders", bearer(tokens[i])));
    EXPECT_TRUE(is_event_stream(*streams.back()))
        << names[i] << ": status " << streams.back()->status();
  }
  Claims publisher;
  publisher.publish = {"/orders"};
  const HttpResponse published = publish(gw.port(), "/orders", "to-every-algorithm", "",
                                         bearer(gw.mint(signed_by("HS256", publisher))));
  ASSERT_EQ(published.status, 200) << published.body;
  for (size_t i = 0; i < streams.size(); ++i) {
    if (streams[i]->status() != 200) continue;
    const std::optional<SseEvent> event = streams[i]->next(seconds(5));
    EXPECT_TRUE(event && event->data == "to-every-algorithm") << names[i];
  }
}

TEST(Algorithms, EveryConfiguredAlgorithmsTokenOpensTheStream) {
  AuthGateway gw;
  const std::vector<std::string> algs = {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
                                         "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"};
  std::vector<TokenSpec> specs;
  for (const std::string& alg : algs) specs.push_back(signed_by(alg));
  expect_streams_open(gw, algs, gw.mint(specs));
}

// RSA, EC P-256 and P-384, and OKP Ed25519 keys from jwks_file, each found by its kid.
TEST(Algorithms, JwkSetKeysOfEveryTypeVerifyByKid) {
  AuthGateway gw;
  const std::vector<std::string> kids = {"jwk-rsa", "jwk-ec256", "jwk-ec384", "jwk-ed25519"};
  std::vector<TokenSpec> specs;
  for (const std::string& kid : kids) specs.push_back(signed_by_jwk(kid));
  expect_streams_open(gw, kids, gw.mint(specs));
}

}  // namespace
}  // namespace ssegw::testing
