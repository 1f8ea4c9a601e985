#pragma once
// What the auth suite's tests share: the signing keys (make_test_keys.sh), tokens minted by
// mint.py (PyJWT, and by hand for the forgeries PyJWT refuses), the gateway config of the
// JWT and per-IP-limit contract, and a gateway that fails the test if it logged a token.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace ssegw::testing {

// The keys and JWK sets make_test_keys.sh lists. The folder SSEGW_AUTH_KEYS names when
// ctest's setup test made it for the whole run; else made once per test process (an RSA
// key takes a while: a fresh set for each of the suite's processes would dominate its time).
class TestKeys {
 public:
  TestKeys();
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::optional<TempDir> made_;
  std::string dir_;
};
const TestKeys& test_keys();

inline constexpr const char* kIssuer = "https://auth.example.com";
inline constexpr const char* kAudience = "sse-gateway";
inline constexpr const char* kAllowedOrigin = "http://app.example";

// A token's claims. exp and nbf are seconds from when mint.py signs, iat that moment.
struct Claims {
  bool sse = true;  // false: no "sse" claim at all
  std::vector<std::string> subscribe = {"/orders", "/rooms/*"};
  std::vector<std::string> publish;
  std::optional<int64_t> expires_in = 300;
  std::optional<int64_t> not_before_in;
  std::string issuer = kIssuer;      // empty: no iss
  std::string audience = kAudience;  // empty: no aud
  std::string json() const;          // all but exp, nbf and iat
};

// What mint.py is asked for: a good token, or a forgery ("none", "tamper", "hmac-raw").
struct TokenSpec {
  std::string alg;
  std::string key_file;  // a private key PEM; under "hmac-raw", the bytes that key the HMAC
  std::string secret;    // HS256..HS512
  std::string kid;
  std::string header_alg;  // "hmac-raw": the "alg" written in the header instead of `alg`
  std::string forge;
  Claims claims;
};
// Signed by the key the standard config holds for `alg` (HS256 .. EdDSA), with its kid if
// the config gives it one (RS256: "k1").
TokenSpec signed_by(const std::string& alg, Claims claims = {});
// Signed by a key only a JWK set holds: "jwk-rsa", "jwk-ec256", "jwk-ec384", "jwk-ed25519"
// (jwks.json), "rot-a" (jwks_a.json), "rot-b" (jwks_b.json); the kid is in the header.
TokenSpec signed_by_jwk(const std::string& kid, Claims claims = {});

// One mint.py run for all of `specs`, a token each, in order.
std::vector<std::string> mint(const std::vector<TokenSpec>& specs);
// The compact token's signature part.
std::string signature_of(const std::string& token);

// The standard config: every algorithm's key, issuer and audience set, and the channels of
// the contract (/orders, /rooms/a, /rooms/a/b, /open, /internal).
struct AuthConfig {
  std::string keys;  // the YAML lines of auth.jwt.keys; empty: every standard key
  std::string leeway = "30s";
  std::string query_param;  // empty: not configured (off)
  std::string cookie;       // empty: not configured (the default, sse_token)
  std::string trusted_proxies = "[127.0.0.1/32]";
  int workers = 2;  // 1 puts every connection on the same worker, for the fairness test
  int connections_per_ip = 0;
  int connect_rate_per_ip = 0;
  std::string orders_publish = "jwt";
};
std::string auth_config(const AuthConfig& config);
std::string standard_keys();

// sse-gateway on auth_config(), logging at debug. Tokens are minted through it so that its
// destructor can fail the test if the log holds any of their signatures.
class AuthGateway {
 public:
  explicit AuthGateway(const AuthConfig& config = {});
  ~AuthGateway();
  AuthGateway(const AuthGateway&) = delete;
  AuthGateway& operator=(const AuthGateway&) = delete;

  uint16_t port() const { return gateway_.port(); }
  ChildProcess& process() { return gateway_.process(); }
  std::string output() const { return gateway_.output(); }
  const std::string& config_path() const { return gateway_.config_path(); }
  std::vector<std::string> mint(const std::vector<TokenSpec>& specs);
  std::string mint(const TokenSpec& spec) { return mint(std::vector<TokenSpec>{spec}).at(0); }
  // A sample of /metrics (metric_sample), polled until it reaches `at_least` or 5 s pass.
  double metric(const std::string& series, double at_least = 0) const;
  // Fails the test if the log holds the signature of any token minted through this gateway;
  // the destructor checks too, unless this was called.
  void expect_no_token_logged();
  // SIGHUP, then true once the log has one more "config reloaded" line (10 s at most).
  bool reload();

 private:
  GatewayProcess gateway_;
  std::vector<std::string> tokens_;
  bool checked_log_ = false;
};

Headers bearer(const std::string& token, Headers more = {});
// A response header by its lower-case name, "<none>" when absent.
std::string header(const std::map<std::string, std::string>& headers, const std::string& name);
// The response was 200 with Content-Type text/event-stream.
bool is_event_stream(const SseClient& client);
// The WWW-Authenticate of a 401 for `description` ("no token", "token expired", ...).
std::string invalid_token_challenge(const std::string& description);

}  // namespace ssegw::testing
