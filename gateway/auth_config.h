#pragma once
// The `auth:` section and the address lists of the access rules, read from config. Every key
// and JWKS file is loaded and checked here, so --check-config and a SIGHUP reload refuse a
// bad one while the running config keeps serving.
#include <memory>
#include <string>
#include <vector>

#include "config_node.h"
#include "ip_address.h"
#include "jwt_verifier.h"

namespace ssegw {

struct AuthSettings {
  std::shared_ptr<const JwtPolicy> jwt;  // null: no auth.jwt, so no channel may require it
  std::string cookie = "sse_token";      // read when there is no Authorization header
  std::string query_param;               // empty: tokens in URLs are not read
};

AuthSettings parse_auth(const ConfigNode& node);

// A list of CIDRs (or single addresses); each bad one fails naming its item.
std::vector<IpRange> parse_ip_ranges(const ConfigNode& list);

}  // namespace ssegw
