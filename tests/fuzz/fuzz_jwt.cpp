// Any bytes as a bearer token, checked against an HS256 secret, an ES256 key and an EdDSA
// key; what follows the first NUL byte, when there is one, also as a JWK Set. Each answers
// a value (claims or a reason, keys or a reason), never a crash, a leak or undefined
// behaviour, and never both or neither.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/jwt_keys.h"
#include "gateway/jwt_verifier.h"

namespace {

constexpr int64_t kNow = 1'800'000'000;

// Fixed keys, so that a crash reproduces and seeds can carry valid signatures: the EC key is
// P-256's base point (private key 1) and the Ed25519 key RFC 8032's first test vector.
constexpr std::string_view kJwks = R"({"keys":[
  {"kty":"EC","crv":"P-256","kid":"ec","x":"axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY",
   "y":"T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU"},
  {"kty":"OKP","crv":"Ed25519","kid":"ed","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]})";

ssegw::JwtPolicy make_policy() {
  ssegw::JwtPolicy policy;
  policy.keys.push_back(ssegw::JwtKey{"hs", ssegw::JwsKey::secret(ssegw::JwsAlg::kHS256, "fuzz")});
  std::string error;
  if (!ssegw::parse_jwks(kJwks, policy.keys, error) || policy.keys.size() != 3) std::abort();
  policy.issuer = "https://issuer.example";
  policy.audience = "sse-gateway";
  return policy;
}

void check_token(std::string_view token) {
  static const ssegw::JwtPolicy policy = make_policy();
  const ssegw::JwtResult result = ssegw::verify_jwt(token, policy, kNow);
  if (result.claims.has_value() == !result.error.empty()) std::abort();
}

void check_jwks(std::string_view json) {
  std::vector<ssegw::JwtKey> keys;
  std::string error;
  const bool ok = ssegw::parse_jwks(json, keys, error);
  if (ok != error.empty() || ok == keys.empty() || keys.size() > ssegw::kMaxJwksKeys) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  check_token(input.substr(0, nul));
  if (nul != std::string_view::npos) check_jwks(input.substr(nul + 1));
  return 0;
}
