// A mistake in the auth, access or limits config stops the gateway before it serves: exit
// non-zero, naming file:line:column and the key, as every config error does.
#include <gtest/gtest.h>

#include <cctype>

#include "tests/integration/auth/auth_support.h"

namespace ssegw::testing {
namespace {

using std::chrono::seconds;

const std::string kGoodKey =
    "      - {alg: HS256, secret: \"a-secret-long-enough-for-hs256-0123456789\"}\n";

// Keys on line 4; channels from line 6; server settings after them.
std::string config_with(const std::string& key_line, const std::string& channel_lines = "",
                        const std::string& server_lines = "") {
  return "auth:\n"
         "  jwt:\n"
         "    keys:\n" +
         key_line +
         "channels:\n"
         "  - path: /orders\n" +
         (channel_lines.empty() ? "    subscribe: jwt\n" : channel_lines) +
         (server_lines.empty() ? "" : "server:\n" + server_lines);
}

struct BadConfig {
  std::string name;
  std::string yaml;
  int line;
  std::string key;       // the key the message names (a prefix of it when `mentions` is set)
  std::string mentions;  // more the message must say
};

std::vector<BadConfig> bad_configs() {
  const std::string pub = test_keys().path("rsa.pub");
  return {
      {"unknown alg", config_with("      - {alg: HS999, secret: \"x0123456789\"}\n"), 4,
       "auth.jwt.keys[0].alg", "HS999"},
      {"RS256 without public_key_file", config_with("      - {alg: RS256, kid: k1}\n"), 4,
       "auth.jwt.keys[0]", "public_key_file"},
      {"public_key_file that does not exist",
       config_with("      - {alg: RS256, public_key_file: /nonexistent/rs.pub}\n"), 4,
       "auth.jwt.keys[0].public_key_file", ""},
      {"jwks_file that does not exist",
       config_with("      - {jwks_file: /nonexistent/jwks.json}\n"), 4,
       "auth.jwt.keys[0].jwks_file", ""},
      {"HS256 with an empty secret", config_with("      - {alg: HS256, secret: \"\"}\n"), 4,
       "auth.jwt.keys[0].secret", ""},
      {"subscribe: sometimes", config_with(kGoodKey, "    subscribe: sometimes\n"), 7,
       "channels[0].subscribe", ""},
      {"publish from a /33",
       config_with(kGoodKey, "    subscribe: jwt\n    publish: {from: [\"10.0.0.0/33\"]}\n"), 8,
       "channels[0].publish.from[0]", ""},
      {"trusted_proxies: nonsense",
       config_with(kGoodKey, "", "  trusted_proxies: [\"nonsense\"]\n"), 9,
       "server.trusted_proxies[0]", ""},
      // Not an error: a control that the cases above fail for their own line only.
      {"good", config_with("      - {alg: RS256, public_key_file: " + pub + ", kid: k1}\n"), 0, "",
       ""},
  };
}

// `text` has "<file>:<line>:<column>: " somewhere.
bool names_position(const std::string& text, const std::string& file, int line) {
  const std::string prefix = file + ":" + std::to_string(line) + ":";
  for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
    size_t end = at + prefix.size();
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end > at + prefix.size() && text.compare(end, 2, ": ") == 0) return true;
  }
  return false;
}

TEST(AuthConfigErrors, CheckConfigNamesFileLineColumnAndKey) {
  for (const BadConfig& c : bad_configs()) {
    SCOPED_TRACE(c.name);
    const TempFile config(c.yaml);
    const ToolResult check =
        run_tool({gateway_binary(), "--check-config", "--config", config.path()}, seconds(10));
    if (c.key.empty()) {
      EXPECT_EQ(check.exit_code, 0) << check.output;
      continue;
    }
    EXPECT_NE(check.exit_code, 0) << check.output;
    EXPECT_NE(check.exit_code, -1) << "killed, or did not exit in time:\n" << check.output;
    EXPECT_TRUE(names_position(check.output, config.path(), c.line))
        << "want " << config.path() << ":" << c.line << ":COL:\n"
        << check.output << "\nconfig:\n"
        << c.yaml;
    EXPECT_NE(check.output.find("key '" + c.key), std::string::npos) << check.output;
    if (!c.mentions.empty()) {
      EXPECT_NE(check.output.find(c.mentions), std::string::npos) << check.output;
    }
  }
}

}  // namespace
}  // namespace ssegw::testing
