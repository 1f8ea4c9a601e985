#pragma once
// A JSON Web Token (RFC 7519) in compact JWS form, checked against configured keys and the
// registered claims: signature first, then exp, nbf, iss and aud, then the gateway's own
// "sse" claim. Every failure is a value with a short reason fit for an RFC 6750
// error_description; nothing here logs, and no token text is kept.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jws_signature.h"

namespace ssegw {

struct JwtKey {
  std::string kid;  // empty: tried for any token without a matching kid
  JwsKey key;
};

struct JwtPolicy {
  std::vector<JwtKey> keys;
  std::string issuer;    // empty: iss not checked
  std::string audience;  // empty: aud not checked
  int64_t leeway_s = 30;
  size_t max_token_bytes = 8 * 1024;
};

struct JwtClaims {
  std::optional<int64_t> exp;          // seconds since the epoch; absent: the token does not expire
  std::vector<std::string> subscribe;  // channel patterns (channel_pattern.h)
  std::vector<std::string> publish;
};

struct JwtResult {
  std::optional<JwtClaims> claims;  // set when the token is good
  std::string error;                // why not, otherwise
};

JwtResult verify_jwt(std::string_view token, const JwtPolicy& policy, int64_t now_s);

}  // namespace ssegw
