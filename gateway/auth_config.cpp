#include "auth_config.h"

#include "jwt_keys.h"

namespace ssegw {
namespace {

// Shorter HMAC secrets are guessable offline from one token (RFC 7518 section 3.2 asks for
// at least the hash's size; 32 bytes is HS256's).
constexpr size_t kMinSecretBytes = 32;

JwsAlg parse_alg(const ConfigNode& node) {
  const std::string name = node.str();
  std::optional<JwsAlg> alg = parse_jws_alg(name);
  if (!alg) {
    node.fail("unknown algorithm '" + name +
              "' (known: HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, "
              "ES384, EdDSA)");
  }
  return *alg;
}

bool is_hmac(JwsAlg alg) {
  return alg == JwsAlg::kHS256 || alg == JwsAlg::kHS384 || alg == JwsAlg::kHS512;
}

void parse_jwks_entry(const ConfigNode& node, std::vector<JwtKey>& keys) {
  node.only_keys({"jwks_file"});
  const ConfigNode file = node["jwks_file"];
  std::string error;
  std::vector<JwtKey> loaded;
  if (!load_jwks_file(file.str(), loaded, error)) file.fail(file.str() + ": " + error);
  keys.insert(keys.end(), loaded.begin(), loaded.end());
}

JwtKey parse_key_entry(const ConfigNode& node) {
  node.only_keys({"alg", "secret", "public_key_file", "kid"});
  const JwsAlg alg = parse_alg(node["alg"]);
  JwtKey key{node.str_or("kid", ""), JwsKey::secret(alg, "")};
  if (is_hmac(alg)) {
    if (node.has("public_key_file")) node["public_key_file"].fail("an HS key takes a secret");
    const std::string secret = node["secret"].str();
    if (secret.size() < kMinSecretBytes)
      node["secret"].fail("must be at least " + std::to_string(kMinSecretBytes) + " bytes");
    key.key = JwsKey::secret(alg, secret);
    return key;
  }
  if (node.has("secret")) node["secret"].fail("only HS keys take a secret; give public_key_file");
  const ConfigNode file = node["public_key_file"];
  std::string error;
  std::optional<JwsKey> loaded = load_public_key_file(alg, file.str(), error);
  if (!loaded) file.fail(file.str() + ": " + error);
  key.key = std::move(*loaded);
  return key;
}

std::shared_ptr<const JwtPolicy> parse_jwt(const ConfigNode& node) {
  node.only_keys(
      {"keys", "issuer", "audience", "cookie", "query_param", "leeway", "max_token_bytes"});
  auto policy = std::make_shared<JwtPolicy>();
  const ConfigNode list = node["keys"];
  for (const ConfigNode& item : list.items()) {
    item.expect_map();
    if (item.has("jwks_file")) {
      parse_jwks_entry(item, policy->keys);
    } else {
      policy->keys.push_back(parse_key_entry(item));
    }
  }
  if (policy->keys.empty()) list.fail("needs at least one key");
  policy->issuer = node.str_or("issuer", "");
  policy->audience = node.str_or("audience", "");
  const int64_t leeway_ms = node.duration_or("leeway", policy->leeway_s * 1000);
  if (leeway_ms < 0 || leeway_ms > 3'600'000) node["leeway"].fail("must be between 0s and 1h");
  policy->leeway_s = leeway_ms / 1000;
  policy->max_token_bytes = static_cast<size_t>(
      node.bytes_or("max_token_bytes", static_cast<int64_t>(policy->max_token_bytes)));
  if (policy->max_token_bytes < 256 || policy->max_token_bytes > 64 * 1024)
    node["max_token_bytes"].fail("must be between 256 and 64KiB");
  return policy;
}

// Cookie and parameter names are HTTP tokens: nothing that would need quoting.
void check_name(const ConfigNode& node, const std::string& name) {
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) node.fail("'" + name + "' is not a valid name (letters, digits, _ - .)");
  }
}

}  // namespace

AuthSettings parse_auth(const ConfigNode& node) {
  node.only_keys({"jwt"});
  AuthSettings auth;
  auto jwt = node.get("jwt");
  if (!jwt) return auth;
  auth.jwt = parse_jwt(*jwt);
  auth.cookie = jwt->str_or("cookie", auth.cookie);
  if (jwt->has("cookie")) check_name((*jwt)["cookie"], auth.cookie);
  auth.query_param = jwt->str_or("query_param", "");
  if (jwt->has("query_param")) check_name((*jwt)["query_param"], auth.query_param);
  return auth;
}

std::vector<IpRange> parse_ip_ranges(const ConfigNode& list) {
  std::vector<IpRange> ranges;
  for (const ConfigNode& item : list.items()) {
    const std::string text = item.str();
    std::optional<IpRange> range = parse_ip_range(text);
    if (!range) {
      item.fail("'" + text + "' is not an address or CIDR range (e.g. 10.0.0.0/8, ::1/128), " +
                "or it has bits set past its prefix");
    }
    ranges.push_back(*range);
  }
  return ranges;
}

}  // namespace ssegw
