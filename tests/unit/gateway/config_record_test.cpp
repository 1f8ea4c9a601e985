#include "gateway/config_record.h"

#include <gtest/gtest.h>

#include "bridges/catalog.h"
#include "gateway/config.h"

namespace ssegw {
namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// The effective config of `yaml` as --print-config prints it.
std::string printed(const std::string& yaml, std::map<std::string, std::string> env = {}) {
  ConfigRecord record;
  load_config_text(yaml, "gw.yaml", make_bridge_catalog(), env_of(std::move(env)),
                   resolve_listen_address, &record);
  return record.yaml();
}

TEST(ConfigRecord, BuildsNestedMapsAndListsInReadOrder) {
  ConfigRecord record;
  record.scalar("server.workers", "2", false);
  record.scalar("channels[1].path", "/b", false);
  record.scalar("channels[0].path", "/a", false);
  record.scalar("channels[0].history.size", "10", false);
  record.scalar("server.workers", "4", false);  // a later read replaces an earlier
  EXPECT_EQ(record.yaml(),
            "server:\n  workers: 4\nchannels:\n  - path: /a\n    history:\n      size: 10\n"
            "  - path: /b\n");
}

TEST(ConfigRecord, MasksSecretsByNameAndEverythingFromTheEnvironment) {
  EXPECT_TRUE(ConfigRecord::secret_key("channels[0].publish.token"));
  EXPECT_TRUE(ConfigRecord::secret_key("sinks[0].password"));
  EXPECT_TRUE(ConfigRecord::secret_key("auth.jwt.keys[2].secret"));
  EXPECT_TRUE(ConfigRecord::secret_key("x.ssl_key_passphrase"));
  EXPECT_FALSE(ConfigRecord::secret_key("auth.jwt.max_token_bytes"));
  EXPECT_FALSE(ConfigRecord::secret_key("auth.jwt.cookie"));
  EXPECT_FALSE(ConfigRecord::secret_key("channels[0].path"));
  ConfigRecord record;
  record.scalar("a.token", "t0p", false);
  record.scalar("a.host", "from-env", true);
  record.map("a.properties", {{"sasl.password", "pw"}, {"sasl.username", "u"}, {"x", "e"}}, {"x"});
  record.map("a.headers", {{"Authorization", "Bearer z"}, {"Accept", "text/event-stream"}}, {});
  const std::string yaml = record.yaml();
  for (const char* secret : {"t0p", "from-env", "pw", "Bearer z", ": e\n"}) {
    EXPECT_EQ(yaml.find(secret), std::string::npos) << secret << " in\n" << yaml;
  }
  EXPECT_NE(yaml.find("sasl.username: u"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("Accept: text/event-stream"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("token: \"***\""), std::string::npos) << yaml;
}

TEST(ConfigRecord, HeadersWrittenAsTextAreMaskedWhenTheyNameASecretHeader) {
  ConfigRecord record;
  record.scalar("sources[0].headers", "Authorization: Bearer sekrit-1, Accept: x", false);
  record.scalar("sources[1].headers[0]", "Cookie: s=sekrit-2", false);
  record.scalar("sources[2].headers", "Accept: text/event-stream", false);
  const std::string yaml = record.yaml();
  EXPECT_EQ(yaml.find("sekrit"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("Accept: text/event-stream"), std::string::npos) << yaml;
}

TEST(ConfigRecord, TheLoaderFillsInDefaultsForSectionsNotWritten) {
  const std::string yaml = printed("channels:\n  - {path: /e}\n");
  for (const char* key :
       {"server:", "  heartbeat: 15000ms", "  max_connections: 100000", "  state_dir: ./state",
        "  log_format: text", "  - path: /e", "    retry: 3000"}) {
    EXPECT_NE(yaml.find(key), std::string::npos) << key << " not in\n" << yaml;
  }
}

TEST(ConfigRecord, WhatItPrintsLoadsAsTheSameConfig) {
  const std::string original =
      "server: {workers: 3, heartbeat: 5s, max_body_bytes: 64KiB, log_format: json}\n"
      "channels:\n"
      "  - {path: /e, history: {size: 50, max_age: 1h}, publish: true}\n"
      "  - {path: '/rooms/{room}', max_channels: 7, history: 5}\n"
      "sources:\n"
      "  - {name: up, type: sse, endpoint: 'http://127.0.0.1:9/x', to: /e}\n";
  const std::string once = printed(original);
  const std::string twice = printed(once);
  EXPECT_EQ(once, twice);
  const GatewayConfig a = load_config_text(original, "a.yaml", make_bridge_catalog(), env_of({}));
  const GatewayConfig b = load_config_text(once, "b.yaml", make_bridge_catalog(), env_of({}));
  EXPECT_EQ(a.server.workers, b.server.workers);
  EXPECT_EQ(a.server.heartbeat_ms, b.server.heartbeat_ms);
  EXPECT_EQ(a.server.max_body_bytes, b.server.max_body_bytes);
  EXPECT_EQ(b.server.log_format, "json");
  ASSERT_EQ(b.channels.size(), 2u);
  EXPECT_EQ(a.channels[0].history, b.channels[0].history);
  EXPECT_EQ(a.channels[0].history_max_age_ms, b.channels[0].history_max_age_ms);
  EXPECT_EQ(a.channels[1].max_channels, b.channels[1].max_channels);
  ASSERT_EQ(b.sources.size(), 1u);
  EXPECT_EQ(b.sources[0].name, "up");
}

TEST(ConfigRecord, ASecretFromTheEnvironmentNeverPrints) {
  const std::string yaml = printed(
      "channels:\n  - {path: /p, publish: {token: '{{ PUB }}'}}\n"
      "sinks:\n  - name: k\n    type: kafka\n    from: /p\n    brokers: '{{ BROKERS }}'\n"
      "    topic: t\n    properties: {sasl.password: '{{ KPASS }}', sasl.username: me}\n",
      {{"PUB", "pub-secret-1"}, {"BROKERS", "10.1.2.3:9092"}, {"KPASS", "kafka-secret-2"}});
  for (const char* secret : {"pub-secret-1", "10.1.2.3", "kafka-secret-2"}) {
    EXPECT_EQ(yaml.find(secret), std::string::npos) << secret << " in\n" << yaml;
  }
  EXPECT_NE(yaml.find("sasl.username: me"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("spool_bytes:"), std::string::npos) << "bridge defaults too\n" << yaml;
}

}  // namespace
}  // namespace ssegw
