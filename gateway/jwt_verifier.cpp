#include "jwt_verifier.h"

#include <simdjson.h>

#include "channel_pattern.h"

namespace ssegw {
namespace {

namespace od = simdjson::ondemand;

JwtResult fail(std::string why) {
  return JwtResult{std::nullopt, std::move(why)};
}

struct Header {
  std::string alg;
  std::string kid;
  bool crit = false;
};

std::optional<Header> parse_header(const std::string& json) {
  od::parser parser;
  simdjson::padded_string padded(json);
  Header h;
  od::document doc;
  if (parser.iterate(padded).get(doc)) return std::nullopt;
  od::object object;
  if (doc.get_object().get(object)) return std::nullopt;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return std::nullopt;
    std::string_view text;
    if (key == "alg") {
      if (field.value().get_string().get(text)) return std::nullopt;
      h.alg = std::string(text);
    } else if (key == "kid") {
      if (field.value().get_string().get(text)) return std::nullopt;
      h.kid = std::string(text);
    } else if (key == "crit") {
      h.crit = true;  // extensions we do not know must not be ignored (RFC 7515 4.1.11)
    }
  }
  return h;
}

bool read_strings(od::value value, std::vector<std::string>& out) {
  od::array array;
  if (value.get_array().get(array)) return false;
  for (auto item : array) {
    std::string_view text;
    if (item.get_string().get(text)) return false;
    if (valid_channel_pattern(text)) out.emplace_back(text);
  }
  return true;
}

bool audience_contains(od::value value, const std::string& audience) {
  std::string_view one;
  if (!value.get_string().get(one)) return one == audience;
  od::array many;
  if (value.get_array().get(many)) return false;
  for (auto item : many) {
    std::string_view text;
    if (!item.get_string().get(text) && text == audience) return true;
  }
  return false;
}

// The claims, or the reason they are not acceptable.
JwtResult read_claims(const std::string& json, const JwtPolicy& policy, int64_t now_s) {
  od::parser parser;
  simdjson::padded_string padded(json);
  od::document doc;
  od::object object;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(object))
    return fail("malformed claims");
  JwtClaims claims;
  bool issuer_ok = policy.issuer.empty();
  bool audience_ok = policy.audience.empty();
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return fail("malformed claims");
    od::value value;
    if (field.value().get(value)) return fail("malformed claims");
    if (key == "exp" || key == "nbf") {
      double seconds = 0;
      // Converting a double outside int64_t is undefined, and near its ends adding the
      // leeway overflows: 2^53 seconds (285 million years) is past any real token.
      constexpr double kMaxSeconds = 9007199254740992.0;
      if (value.get_double().get(seconds) || !(seconds >= -kMaxSeconds && seconds <= kMaxSeconds))
        return fail("malformed " + std::string(key));
      const auto s = static_cast<int64_t>(seconds);
      if (key == "exp") claims.exp = s;
      if (key == "nbf" && now_s + policy.leeway_s < s) return fail("token not yet valid");
    } else if (key == "iss") {
      std::string_view text;
      issuer_ok = !value.get_string().get(text) && text == policy.issuer;
    } else if (key == "aud") {
      audience_ok = policy.audience.empty() || audience_contains(value, policy.audience);
    } else if (key == "sse") {
      od::object sse;
      if (value.get_object().get(sse)) return fail("malformed sse claim");
      for (auto entry : sse) {
        std::string_view name;
        if (entry.unescaped_key().get(name)) return fail("malformed sse claim");
        od::value list;
        if (entry.value().get(list)) return fail("malformed sse claim");
        if (name == "subscribe" && !read_strings(list, claims.subscribe))
          return fail("malformed sse claim");
        if (name == "publish" && !read_strings(list, claims.publish))
          return fail("malformed sse claim");
      }
    }
  }
  if (claims.exp && *claims.exp + policy.leeway_s <= now_s) return fail("token expired");
  if (!issuer_ok) return fail("wrong issuer");
  if (!audience_ok) return fail("wrong audience");
  return JwtResult{std::move(claims), ""};
}

// A kid names its key; without one, every key made for the token's algorithm is tried.
bool signature_ok(const Header& h, JwsAlg alg, const JwtPolicy& policy, std::string_view input,
                  std::string_view signature, std::string& error) {
  bool known_kid = h.kid.empty();
  for (const JwtKey& k : policy.keys) {
    if (!h.kid.empty() && k.kid != h.kid) continue;
    known_kid = true;
    if (k.key.verify(alg, input, signature)) return true;
  }
  error = known_kid ? "bad signature" : "unknown key id";
  return false;
}

}  // namespace

JwtResult verify_jwt(std::string_view token, const JwtPolicy& policy, int64_t now_s) {
  if (token.empty() || token.size() > policy.max_token_bytes) return fail("malformed token");
  const size_t first = token.find('.');
  const size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    return fail("malformed token");
  auto header_json = base64url_decode(token.substr(0, first));
  auto claims_json = base64url_decode(token.substr(first + 1, second - first - 1));
  auto signature = base64url_decode(token.substr(second + 1));
  if (!header_json || !claims_json || !signature) return fail("malformed token");
  const std::optional<Header> header = parse_header(*header_json);
  if (!header) return fail("malformed header");
  if (header->crit) return fail("unsupported critical header");
  const std::optional<JwsAlg> alg = parse_jws_alg(header->alg);
  if (!alg) return fail("unsupported algorithm");
  std::string error;
  if (!signature_ok(*header, *alg, policy, token.substr(0, second), *signature, error))
    return fail(error);
  return read_claims(*claims_json, policy, now_s);
}

}  // namespace ssegw
