#include "tests/integration/auth/auth_support.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "tests/support/raw_connection.h"

namespace ssegw::testing {
namespace {

using std::chrono::seconds;

constexpr const char* kHs256SecretVariable = "SSEGW_TEST_HS256_SECRET";
// At least as long as each hash's output (RFC 7518 section 3.2).
const std::string kHs256Secret = "hs256-secret-from-the-environment-0123456789";
const std::string kHs384Secret = "hs384-secret-written-in-the-config-0123456789abcdef";
const std::string kHs512Secret =
    "hs512-secret-written-in-the-config-0123456789abcdef0123456789abcdef";

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string json_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const std::string& item : items) out += (out.size() > 1 ? "," : "") + json_string(item);
  return out + "]";
}

std::string spec_json(const TokenSpec& spec) {
  std::string headers = "{";
  if (!spec.kid.empty()) headers += "\"kid\":" + json_string(spec.kid);
  if (!spec.header_alg.empty())
    headers +=
        std::string(headers.size() > 1 ? "," : "") + "\"alg\":" + json_string(spec.header_alg);
  headers += "}";
  std::string line = "{\"alg\":" + json_string(spec.alg);
  if (!spec.key_file.empty()) line += ",\"key\":" + json_string(spec.key_file);
  if (!spec.secret.empty()) line += ",\"secret\":" + json_string(spec.secret);
  if (spec.claims.expires_in) line += ",\"expires_in\":" + std::to_string(*spec.claims.expires_in);
  if (spec.claims.not_before_in)
    line += ",\"not_before_in\":" + std::to_string(*spec.claims.not_before_in);
  return line + ",\"claims\":" + spec.claims.json() + ",\"headers\":" + headers +
         ",\"forge\":" + json_string(spec.forge) + "}";
}

bool looks_like_token(const std::string& line) {
  const size_t dots = static_cast<size_t>(std::count(line.begin(), line.end(), '.'));
  return dots == 2 && line.find_first_of(" \t:") == std::string::npos;
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TestKeys::TestKeys() {
  const char* shared = std::getenv("SSEGW_AUTH_KEYS");
  if (shared && std::filesystem::exists(std::string(shared) + "/jwks_b.json")) {
    dir_ = shared;
    return;
  }
  made_.emplace();
  dir_ = made_->path();
  const ToolResult made = run_tool(
      {"bash", source_dir() + "/tests/integration/auth/make_test_keys.sh", dir_, SSEGW_AUTH_PYTHON},
      seconds(60));
  if (made.exit_code != 0) throw std::runtime_error("make_test_keys.sh failed:\n" + made.output);
}

const TestKeys& test_keys() {
  static const TestKeys keys;
  return keys;
}

std::string Claims::json() const {
  std::string out = "{\"sub\":\"auth-suite\"";
  if (!issuer.empty()) out += ",\"iss\":" + json_string(issuer);
  if (!audience.empty()) out += ",\"aud\":" + json_string(audience);
  if (sse) {
    out += ",\"sse\":{\"subscribe\":" + json_list(subscribe);
    if (!publish.empty()) out += ",\"publish\":" + json_list(publish);
    out += "}";
  }
  return out + "}";
}

TokenSpec signed_by(const std::string& alg, Claims claims) {
  TokenSpec spec;
  spec.alg = alg;
  spec.claims = std::move(claims);
  if (alg == "HS256") spec.secret = kHs256Secret;
  if (alg == "HS384") spec.secret = kHs384Secret;
  if (alg == "HS512") spec.secret = kHs512Secret;
  if (alg.rfind("RS", 0) == 0 || alg.rfind("PS", 0) == 0)
    spec.key_file = test_keys().path("rsa.key");
  if (alg == "RS256") spec.kid = "k1";
  if (alg == "ES256") spec.key_file = test_keys().path("ec256.key");
  if (alg == "ES384") spec.key_file = test_keys().path("ec384.key");
  if (alg == "EdDSA") spec.key_file = test_keys().path("ed25519.key");
  if (spec.secret.empty() && spec.key_file.empty())
    throw std::invalid_argument("no standard key for " + alg);
  return spec;
}

TokenSpec signed_by_jwk(const std::string& kid, Claims claims) {
  struct JwkKey {
    const char* kid;
    const char* alg;
    const char* file;
  };
  static const JwkKey kJwkKeys[] = {
      {"jwk-rsa", "RS256", "rsa.key"},         {"jwk-ec256", "ES256", "jwk_ec256.key"},
      {"jwk-ec384", "ES384", "jwk_ec384.key"}, {"jwk-ed25519", "EdDSA", "jwk_ed25519.key"},
      {"rot-a", "ES256", "rot_a.key"},         {"rot-b", "EdDSA", "rot_b.key"},
  };
  for (const JwkKey& k : kJwkKeys) {
    if (kid != k.kid) continue;
    TokenSpec spec;
    spec.alg = k.alg;
    spec.key_file = test_keys().path(k.file);
    spec.kid = k.kid;
    spec.claims = std::move(claims);
    return spec;
  }
  throw std::invalid_argument("no JWK with kid " + kid);
}

std::vector<std::string> mint(const std::vector<TokenSpec>& specs) {
  std::string lines;
  for (const TokenSpec& spec : specs) lines += spec_json(spec) + "\n";
  const TempFile spec_file(lines, ".jsonl");
  const ToolResult run =
      run_tool({SSEGW_AUTH_PYTHON, source_dir() + "/tests/integration/auth/mint.py", "--specs",
                spec_file.path()},
               seconds(30));
  std::vector<std::string> tokens;
  std::istringstream out(run.output);
  for (std::string line; std::getline(out, line);)
    if (looks_like_token(line)) tokens.push_back(line);
  if (run.exit_code != 0 || tokens.size() != specs.size())
    throw std::runtime_error("mint.py failed (exit " + std::to_string(run.exit_code) + "):\n" +
                             run.output + "\nspecs:\n" + lines);
  return tokens;
}

std::string signature_of(const std::string& token) {
  return token.substr(token.rfind('.') + 1);
}

std::string standard_keys() {
  const std::string k = test_keys().path("");
  std::string keys =
      "      - {alg: HS256, secret: \"{{ " + std::string(kHs256SecretVariable) + " }}\"}\n";
  keys += "      - {alg: HS384, secret: \"" + kHs384Secret + "\"}\n";
  keys += "      - {alg: HS512, secret: \"" + kHs512Secret + "\"}\n";
  keys += "      - {alg: RS256, public_key_file: " + k + "rsa.pub, kid: k1}\n";
  for (const char* alg : {"RS384", "RS512", "PS256", "PS384", "PS512"})
    keys += "      - {alg: " + std::string(alg) + ", public_key_file: " + k + "rsa.pub}\n";
  keys += "      - {alg: ES256, public_key_file: " + k + "ec256.pub}\n";
  keys += "      - {alg: ES384, public_key_file: " + k + "ec384.pub}\n";
  keys += "      - {alg: EdDSA, public_key_file: " + k + "ed25519.pub}\n";
  keys += "      - {jwks_file: " + k + "jwks.json}\n";
  return keys;
}

std::string auth_config(const AuthConfig& c) {
  std::string yaml =
      "server:\n"
      "  listen: 127.0.0.1:0\n"
      "  workers: " +
      std::to_string(c.workers) +
      "\n"
      "  log_level: debug\n"
      "  trusted_proxies: " +
      c.trusted_proxies +
      "\n"
      "  limits:\n"
      "    connections_per_ip: " +
      std::to_string(c.connections_per_ip) +
      "\n"
      "    connect_rate_per_ip: " +
      std::to_string(c.connect_rate_per_ip) +
      "\n"
      "  cors_origins: [\"" +
      kAllowedOrigin +
      "\"]\n"
      "  cors_credentials: true\n"
      "auth:\n"
      "  jwt:\n"
      "    keys:\n" +
      (c.keys.empty() ? standard_keys() : c.keys) + "    issuer: " + kIssuer +
      "\n"
      "    audience: " +
      kAudience + "\n    leeway: " + c.leeway + "\n";
  if (!c.cookie.empty()) yaml += "    cookie: " + c.cookie + "\n";
  if (!c.query_param.empty()) yaml += "    query_param: " + c.query_param + "\n";
  yaml +=
      "channels:\n"
      "  - path: /orders\n"
      "    history: 100\n"
      "    subscribe: jwt\n"
      "    publish: " +
      c.orders_publish +
      "\n"
      "  - path: /rooms/a\n"
      "    subscribe: jwt\n"
      "  - path: /rooms/a/b\n"
      "    subscribe: jwt\n"
      "  - path: /open\n"
      "    publish: true\n"
      "  - path: /internal\n"
      "    publish: {from: [10.0.0.0/8]}\n";
  return yaml;
}

AuthGateway::AuthGateway(const AuthConfig& config)
    : gateway_(auth_config(config), {}, {{kHs256SecretVariable, kHs256Secret}}) {}

AuthGateway::~AuthGateway() {
  if (!checked_log_) expect_no_token_logged();
}

void AuthGateway::expect_no_token_logged() {
  checked_log_ = true;
  const std::string log = output();
  for (const std::string& token : tokens_) {
    const std::string signature = signature_of(token);
    if (signature.empty()) continue;  // an unsigned token has nothing secret to leak
    EXPECT_EQ(log.find(signature), std::string::npos)
        << "the gateway logged a token's signature: " << signature << "\nlog:\n"
        << log;
  }
}

std::vector<std::string> AuthGateway::mint(const std::vector<TokenSpec>& specs) {
  std::vector<std::string> tokens = ssegw::testing::mint(specs);
  tokens_.insert(tokens_.end(), tokens.begin(), tokens.end());
  return tokens;
}

double AuthGateway::metric(const std::string& series, double at_least) const {
  double value = -1;
  wait_until(
      [&] {
        const HttpResponse r = http_request(port(), "GET", "/metrics");
        if (r.status == 200) value = metric_sample(r.body, series);
        return value >= at_least;
      },
      seconds(5));
  return value;
}

bool AuthGateway::reload() {
  const std::string done = "config reloaded";
  const size_t before = count_of(output(), done);
  gateway_.process().signal(SIGHUP);
  return wait_until([&] { return count_of(output(), done) > before; }, seconds(10));
}

Headers bearer(const std::string& token, Headers more) {
  more.emplace_back("Authorization", "Bearer " + token);
  return more;
}

std::string header(const std::map<std::string, std::string>& headers, const std::string& name) {
  auto it = headers.find(name);
  return it == headers.end() ? "<none>" : it->second;
}

bool is_event_stream(const SseClient& client) {
  return client.status() == 200 &&
         header(client.headers(), "content-type").rfind("text/event-stream", 0) == 0;
}

std::string invalid_token_challenge(const std::string& description) {
  return "Bearer realm=\"sse-gateway\", error=\"invalid_token\", error_description=\"" +
         description + "\"";
}

}  // namespace ssegw::testing
