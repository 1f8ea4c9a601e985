#include "access_control.h"

#include <openssl/crypto.h>

#include "channel_pattern.h"
#include "text.h"

namespace ssegw {
namespace {

AccessDecision refuse(AccessRefusal refusal, std::string description) {
  return AccessDecision{refusal, std::move(description), std::nullopt};
}

bool covered(const std::vector<std::string>& patterns, std::string_view path) {
  for (const std::string& pattern : patterns) {
    if (channel_pattern_matches(pattern, path)) return true;
  }
  return false;
}

// "Bearer" is case-insensitive (RFC 9110 section 11.1); what follows is the token.
std::string_view bearer_token(std::string_view value) {
  value = trim_ows(value);
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() || ascii_lower(value.substr(0, kScheme.size())) != kScheme)
    return {};
  return trim_ows(value.substr(kScheme.size()));
}

// The value of cookie `name` in any Cookie header (RFC 6265 section 4.2: "a=b; c=d"; HTTP/2
// may split them into several fields).
std::string_view cookie_value(const HttpRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (key != "cookie") continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const size_t semi = rest.find(';');
      std::string_view pair = trim_ows(rest.substr(0, semi));
      const size_t eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
        std::string_view v = pair.substr(eq + 1);
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        return v;
      }
      if (semi == std::string_view::npos) break;
      rest.remove_prefix(semi + 1);
    }
  }
  return {};
}

struct TokenCheck {
  AccessDecision decision;
  JwtClaims claims;
};

TokenCheck verify_request_token(const HttpRequest& request, const AuthSettings& auth,
                                int64_t now_s) {
  TokenCheck check;
  const std::string token = find_token(request, auth);
  if (token.empty()) {
    check.decision = refuse(AccessRefusal::kNoToken, "no token");
    return check;
  }
  JwtResult result = verify_jwt(token, *auth.jwt, now_s);
  if (!result.claims) {
    const bool expired = result.error == "token expired";
    check.decision = refuse(expired ? AccessRefusal::kExpired : AccessRefusal::kInvalidToken,
                            std::move(result.error));
    return check;
  }
  check.claims = std::move(*result.claims);
  if (check.claims.exp) check.decision.ends_at_s = *check.claims.exp + auth.jwt->leeway_s;
  return check;
}

// Compares without leaking, through timing, how much of the token matched.
bool token_equals(std::string_view given, const std::string& expected) {
  if (given.size() != expected.size()) return false;
  return CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

AccessDecision check_publish_token(const HttpRequest& request, const ChannelOptions& channel) {
  const std::string* header = request.header("authorization");
  if (!header) return refuse(AccessRefusal::kNoToken, "publish token required");
  if (!token_equals(bearer_token(*header), channel.publish_token))
    return refuse(AccessRefusal::kWrongSecret, "publish token not accepted");
  return {};
}

}  // namespace

std::string_view access_refusal_label(AccessRefusal refusal) {
  switch (refusal) {
    case AccessRefusal::kNoToken:
      return "no_token";
    case AccessRefusal::kInvalidToken:
      return "invalid_token";
    case AccessRefusal::kExpired:
      return "expired";
    case AccessRefusal::kNotCovered:
      return "not_covered";
    case AccessRefusal::kPeerNotAllowed:
      return "peer_not_allowed";
    case AccessRefusal::kWrongSecret:
      return "wrong_publish_token";
    default:
      return "none";
  }
}

int AccessDecision::status() const {
  switch (refusal) {
    case AccessRefusal::kNone:
      return 200;
    case AccessRefusal::kNotCovered:
    case AccessRefusal::kPeerNotAllowed:
    case AccessRefusal::kWrongSecret:
      return 403;
    default:
      return 401;
  }
}

std::string find_token(const HttpRequest& request, const AuthSettings& auth) {
  if (const std::string* header = request.header("authorization"))
    return std::string(bearer_token(*header));
  if (!auth.cookie.empty()) {
    std::string_view cookie = cookie_value(request, auth.cookie);
    if (!cookie.empty()) return std::string(cookie);
  }
  if (!auth.query_param.empty()) return request.query_param(auth.query_param).value_or("");
  return {};
}

AccessDecision check_subscribe(const HttpRequest& request, const ChannelOptions& channel,
                               const AuthSettings& auth, int64_t now_s) {
  if (!channel.subscribe_jwt) return {};
  if (!auth.jwt) return refuse(AccessRefusal::kInvalidToken, "no keys configured");
  TokenCheck check = verify_request_token(request, auth, now_s);
  if (!check.decision.allowed()) return check.decision;
  if (!covered(check.claims.subscribe, channel.path))
    return refuse(AccessRefusal::kNotCovered, "token does not cover " + channel.path);
  return check.decision;
}

SubscribeGrant::SubscribeGrant(const HttpRequest& request, const AuthSettings& auth, int64_t now_s)
    : keys_(auth.jwt != nullptr) {
  if (!keys_) return;
  TokenCheck check = verify_request_token(request, auth, now_s);
  token_ = std::move(check.decision);
  if (token_.allowed()) patterns_ = std::move(check.claims.subscribe);
}

AccessDecision SubscribeGrant::check(const ChannelOptions& channel) const {
  if (!channel.subscribe_jwt) return {};
  if (!keys_) return refuse(AccessRefusal::kInvalidToken, "no keys configured");
  if (!token_.allowed()) return token_;
  if (!covered(patterns_, channel.path))
    return refuse(AccessRefusal::kNotCovered, "token does not cover " + channel.path);
  return token_;
}

AccessDecision check_publish(const HttpRequest& request, const ChannelOptions& channel,
                             const AuthSettings& auth, const ClientAddress& client, int64_t now_s) {
  if (channel.publish_jwt) {
    if (!auth.jwt) return refuse(AccessRefusal::kInvalidToken, "no keys configured");
    TokenCheck check = verify_request_token(request, auth, now_s);
    if (!check.decision.allowed()) return check.decision;
    if (!covered(check.claims.publish, channel.path))
      return refuse(AccessRefusal::kNotCovered, "token does not cover " + channel.path);
    return {};
  }
  const bool by_token = !channel.publish_token.empty();
  const bool by_range = !channel.publish_from.empty();
  if (by_range && !(client.ip && in_ranges(channel.publish_from, *client.ip)))
    return refuse(AccessRefusal::kPeerNotAllowed, "publishing is not allowed from this address");
  // publish: true alone: what the default config promises, loopback clients only.
  if (!by_token && !by_range && !(client.ip && client.ip->is_loopback()))
    return refuse(AccessRefusal::kPeerNotAllowed, "publishing is allowed from loopback only");
  if (by_token) return check_publish_token(request, channel);
  return {};
}

}  // namespace ssegw
