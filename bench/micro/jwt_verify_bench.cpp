// What verifying one subscriber's token costs on one core, by algorithm: the whole of
// verify_jwt (split, base64url, header and claims JSON, signature, time and scope claims), as a
// subscription pays it once. Keys and tokens are made with OpenSSL in the setup.
#include <benchmark/benchmark.h>

#include "gateway/jwt_verifier.h"
#include "tests/unit/gateway/jws_test_issuer.h"

namespace ssegw {
namespace {

constexpr int64_t kNow = 1'800'000'000;
const std::string kClaims =
    R"({"iss":"https://auth.example.com","aud":"sse-gateway","sub":"user-1234","exp":1800000900,)"
    R"("sse":{"subscribe":["/orders","/rooms/*","/users/1234/**"],"publish":["/orders"]}})";

struct Case {
  JwtPolicy policy;
  std::string token;
};

Case make_case(JwsAlg alg) {
  Case c;
  c.policy.issuer = "https://auth.example.com";
  c.policy.audience = "sse-gateway";
  const std::string header =
      std::string(R"({"typ":"JWT","alg":")") + std::string(jws_alg_name(alg)) + "\"}";
  if (alg == JwsAlg::kHS256) {
    const std::string secret = "0123456789abcdef0123456789abcdef";
    c.policy.keys.push_back(JwtKey{"", JwsKey::secret(alg, secret)});
    c.token = jws_test::hs256(header, kClaims, secret);
    return c;
  }
  EvpPkeyPtr key = jws_test::generate(alg);
  c.token = jws_test::token(alg, key.get(), header, kClaims);
  EVP_PKEY_up_ref(key.get());
  c.policy.keys.push_back(JwtKey{"", *JwsKey::public_key(alg, EvpPkeyPtr(key.get()))});
  return c;
}

void BM_VerifyJwt(benchmark::State& state, JwsAlg alg) {
  const Case c = make_case(alg);
  if (!verify_jwt(c.token, c.policy, kNow).claims) {
    state.SkipWithError("the token does not verify");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(verify_jwt(c.token, c.policy, kNow));
}

BENCHMARK_CAPTURE(BM_VerifyJwt, HS256, JwsAlg::kHS256);
BENCHMARK_CAPTURE(BM_VerifyJwt, RS256, JwsAlg::kRS256);
BENCHMARK_CAPTURE(BM_VerifyJwt, PS256, JwsAlg::kPS256);
BENCHMARK_CAPTURE(BM_VerifyJwt, ES256, JwsAlg::kES256);
BENCHMARK_CAPTURE(BM_VerifyJwt, ES384, JwsAlg::kES384);
BENCHMARK_CAPTURE(BM_VerifyJwt, EdDSA, JwsAlg::kEdDSA);

}  // namespace
}  // namespace ssegw

BENCHMARK_MAIN();
