#pragma once
// Who may subscribe to and publish on a channel: the channel's rule (anonymous or jwt; for
// publishes loopback, address ranges, a shared token or a jwt) checked against one request.
// Pure: the caller supplies the client's address and the time, so every answer is testable.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth_config.h"
#include "channel.h"
#include "http_request.h"
#include "ip_address.h"

namespace ssegw {

// The reasons /metrics counts refusals by; a fixed set, so no client can grow the labels.
enum class AccessRefusal : uint8_t {
  kNone,
  kNoToken,         // 401: a token was required and none came
  kInvalidToken,    // 401: malformed, bad signature, unknown kid, wrong iss/aud, not yet valid
  kExpired,         // 401
  kNotCovered,      // 403: a good token whose claims do not name this channel
  kPeerNotAllowed,  // 403: publish from an address the channel does not take
  kWrongSecret,     // 403: a channel's shared publish token did not match
  kCount
};
std::string_view access_refusal_label(AccessRefusal refusal);

struct AccessDecision {
  AccessRefusal refusal = AccessRefusal::kNone;
  std::string description;  // for error_description or the body; never holds the token
  // A subscription authorized by a token that expires ends then (seconds since the epoch,
  // the leeway included: the same moment the token stops being accepted).
  std::optional<int64_t> ends_at_s;
  bool allowed() const { return refusal == AccessRefusal::kNone; }
  int status() const;  // 401 or 403 when refused
};

// The token a request carries: `Authorization: Bearer`, else the configured cookie, else the
// configured query parameter. Empty when there is none.
std::string find_token(const HttpRequest& request, const AuthSettings& auth);

AccessDecision check_subscribe(const HttpRequest& request, const ChannelOptions& channel,
                               const AuthSettings& auth, int64_t now_s);
// The subscribe rights of one request that names several channels (a multiplexed
// subscription): its token is verified once, here, and each channel's rule is then checked
// against the claims, now or later (a pattern takes channels made after it started).
class SubscribeGrant {
 public:
  SubscribeGrant(const HttpRequest& request, const AuthSettings& auth, int64_t now_s);
  AccessDecision check(const ChannelOptions& channel) const;
  // When the token stops being accepted, if it came and is good.
  std::optional<int64_t> ends_at_s() const { return token_.ends_at_s; }

 private:
  AccessDecision token_;  // the verdict on the token (kNoToken when none came)
  std::vector<std::string> patterns_;
  bool keys_ = false;  // auth.jwt was configured
};

AccessDecision check_publish(const HttpRequest& request, const ChannelOptions& channel,
                             const AuthSettings& auth, const ClientAddress& client, int64_t now_s);

}  // namespace ssegw
