#include "gateway/config.h"

#include <gtest/gtest.h>

#include <map>

namespace ssegw {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// A test-only source type, so bridge parsing can be checked without a real bridge.
struct TestPlan : BridgePlan {
  std::vector<std::string> paths;
  std::unique_ptr<Bridge> build(BridgeContext&) const override { return nullptr; }
  std::vector<std::string> channel_paths() const override { return paths; }
};

BridgeCatalog test_catalog() {
  BridgeCatalog catalog;
  catalog.sources["test"] = [](const ConfigNode& node) {
    node.only_keys({"name", "type", "to"});
    auto plan = std::make_shared<TestPlan>();
    plan->paths = node["to"].string_list();
    return plan;
  };
  return catalog;
}

GatewayConfig load(const std::string& yaml, std::map<std::string, std::string> env = {}) {
  return load_config_text(yaml, "gw.yaml", test_catalog(), fake_env(std::move(env)));
}

std::string error_of(const std::string& yaml, std::map<std::string, std::string> env = {}) {
  try {
    load(yaml, std::move(env));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, DefaultsWhenEmpty) {
  GatewayConfig c = load("");
  ASSERT_EQ(c.server.listen.size(), 1u);
  EXPECT_EQ(c.server.listen[0].text(), "127.0.0.1:8080");
  EXPECT_EQ(c.server.workers, 2);
  EXPECT_EQ(c.server.heartbeat_ms, 15000);
}

TEST(Config, FullExampleParses) {
  GatewayConfig c = load(R"(
server:
  listen: [127.0.0.1:9000, "[::1]:9001"]
  workers: 4
  headers: {X-Served-By: gw1}
  heartbeat: 500ms
  max_connections: 5000
  cors_origins: ["https://app.example.com"]
  max_body_bytes: 64KiB
  subscriber_queue_bytes: 2MiB
  shutdown_timeout: 3s
channels:
  - path: /events
    history: 10
    publish: true
    retry: 1500
  - path: /private
    history: {size: 5, max_age: 1m}
    publish: {token: "{{ TOKEN }}"}
sources:
  - {name: feed, type: test, to: /events}
)",
                         {{"TOKEN", "s3cret"}});
  ASSERT_EQ(c.server.listen.size(), 2u);
  EXPECT_EQ(c.server.listen[1].host, "::1");
  EXPECT_EQ(c.server.listen[1].port, 9001);
  EXPECT_EQ(c.server.workers, 4);
  EXPECT_EQ(c.server.headers[0].first, "X-Served-By");
  EXPECT_EQ(c.server.heartbeat_ms, 500);
  EXPECT_EQ(c.server.max_body_bytes, 64 * 1024);
  EXPECT_EQ(c.server.subscriber_queue_bytes, 2 << 20);
  EXPECT_EQ(c.server.shutdown_timeout_ms, 3000);
  ASSERT_EQ(c.channels.size(), 2u);
  EXPECT_EQ(c.channels[0].history, 10u);
  EXPECT_TRUE(c.channels[0].publish);
  EXPECT_EQ(c.channels[0].retry_ms, 1500);
  EXPECT_EQ(c.channels[1].history, 5u);
  EXPECT_EQ(c.channels[1].history_max_age_ms, 60000);
  EXPECT_EQ(c.channels[1].publish_token, "s3cret");
  ASSERT_EQ(c.sources.size(), 1u);
  EXPECT_EQ(c.sources[0].name, "feed");
}

TEST(Config, UnknownKeyNamesFileLineColumnAndKey) {
  std::string err = error_of("server:\n  listen: 127.0.0.1:1\n  wrokers: 2\n");
  EXPECT_NE(err.find("gw.yaml:3:3"), std::string::npos) << err;
  EXPECT_NE(err.find("server.wrokers"), std::string::npos) << err;
  EXPECT_NE(err.find("unknown key"), std::string::npos) << err;
}

TEST(Config, WrongTypeNamesTheKey) {
  std::string err = error_of("server:\n  workers: many\n");
  EXPECT_NE(err.find("gw.yaml:2:12"), std::string::npos) << err;
  EXPECT_NE(err.find("server.workers"), std::string::npos) << err;
  EXPECT_NE(err.find("integer"), std::string::npos) << err;
}

TEST(Config, OutOfRangeIsAnError) {
  EXPECT_NE(error_of("server: {workers: -1}").find("out of range"), std::string::npos);
}

TEST(Config, BadDurationAndSize) {
  EXPECT_NE(error_of("server: {heartbeat: 5 parsecs}").find("server.heartbeat"), std::string::npos);
  EXPECT_NE(error_of("server: {max_body_bytes: lots}").find("server.max_body_bytes"),
            std::string::npos);
}

TEST(Config, ChannelKeysInListsAreIndexed) {
  std::string err = error_of("channels:\n  - path: /a\n  - path: /b\n    histroy: 3\n");
  EXPECT_NE(err.find("channels[1].histroy"), std::string::npos) << err;
  EXPECT_NE(err.find("gw.yaml:4:5"), std::string::npos) << err;
}

TEST(Config, PathRules) {
  EXPECT_NE(error_of("channels: [{path: events}]").find("must start with '/'"), std::string::npos);
  EXPECT_NE(error_of("channels: [{path: /metrics}]").find("reserved"), std::string::npos);
  EXPECT_NE(error_of("channels: [{path: /a}, {path: /a}]").find("twice"), std::string::npos);
}

TEST(Config, SubscribePathAndTemplates) {
  GatewayConfig c = load(
      "server: {subscribe_path: /mux, max_channels_per_subscription: 7}\n"
      "channels:\n  - {path: '/rooms/{room}', max_channels: 5, idle_ttl: 2m, publish: true}\n");
  EXPECT_EQ(c.server.subscribe_path, "/mux");
  EXPECT_EQ(c.server.max_channels_per_subscription, 7u);
  ASSERT_EQ(c.channels.size(), 1u);
  EXPECT_EQ(c.channels[0].template_path, "/rooms/{room}");
  EXPECT_EQ(c.channels[0].max_channels, 5u);
  EXPECT_EQ(c.channels[0].idle_ttl_ms, 120'000);
  EXPECT_EQ(load("").server.subscribe_path, "/subscribe");
  std::string err = error_of("channels: [{path: /subscribe}]");
  EXPECT_NE(err.find("key 'channels[0].path'"), std::string::npos) << err;
  EXPECT_NE(err.find("subscribe_path"), std::string::npos) << err;
  err = error_of("server: {subscribe_path: 'mux'}");
  EXPECT_NE(err.find("key 'server.subscribe_path'"), std::string::npos) << err;
  err = error_of("server: {max_channels_per_subscription: 5000}");
  EXPECT_NE(err.find("server.max_channels_per_subscription"), std::string::npos) << err;
  err = error_of("channels: [{path: '/rooms/x{room}'}]");
  EXPECT_NE(err.find("whole segment"), std::string::npos) << err;
  err = error_of("channels: [{path: /rooms, max_channels: 3}]");
  EXPECT_NE(err.find("key 'channels[0].max_channels': only a template"), std::string::npos) << err;
  err = error_of("channels: [{path: '/r/{x}', idle_ttl: 0s}]");
  EXPECT_NE(err.find("channels[0].idle_ttl"), std::string::npos) << err;
}

TEST(Config, DurableHistoryKeys) {
  GatewayConfig c = load(
      "server: {state_dir: /var/lib/x, store_size: 64MiB, reset_event: gone}\n"
      "channels:\n  - {path: /a, history: {size: 10, max_age: 24h, store: disk, sync: always}}\n"
      "  - {path: /b, history: {size: 10, store: disk}}\n  - {path: /c, history: 5}\n");
  EXPECT_EQ(c.server.state_dir, "/var/lib/x");
  EXPECT_EQ(c.server.store_size, int64_t{64} << 20);
  EXPECT_EQ(c.server.reset_event, "gone");
  EXPECT_TRUE(c.channels[0].history_on_disk);
  EXPECT_EQ(c.channels[0].history_sync, HistorySync::kAlways);
  EXPECT_EQ(c.channels[1].history_sync, HistorySync::kBatch);
  EXPECT_FALSE(c.channels[2].history_on_disk);
  EXPECT_TRUE(uses_disk_history(c));
  GatewayConfig d = load("");
  EXPECT_EQ(d.server.state_dir, "./state");
  EXPECT_EQ(d.server.store_size, int64_t{1} << 30);
  EXPECT_EQ(d.server.reset_event, "reset");
  EXPECT_FALSE(uses_disk_history(d));
  EXPECT_EQ(load("server: {reset_event: ''}").server.reset_event, "");
  std::string err = error_of("channels: [{path: /a, history: {store: tape}}]");
  EXPECT_NE(err.find("key 'channels[0].history.store': expected memory or disk"), std::string::npos)
      << err;
  err = error_of("channels: [{path: /a, history: {store: disk, sync: sometimes}}]");
  EXPECT_NE(err.find("key 'channels[0].history.sync'"), std::string::npos) << err;
  err = error_of("channels: [{path: /a, history: {sync: always}}]");
  EXPECT_NE(err.find("only a history with store: disk"), std::string::npos) << err;
  err = error_of("server: {store_size: 1KiB}");
  EXPECT_NE(err.find("key 'server.store_size'"), std::string::npos) << err;
  err = error_of("server: {state_dir: ''}");
  EXPECT_NE(err.find("key 'server.state_dir'"), std::string::npos) << err;
}

TEST(Config, MissingEnvironmentVariableIsNamed) {
  std::string err =
      error_of("channels:\n  - path: /a\n    publish: {token: \"{{ PUBLISH_TOKEN }}\"}\n");
  EXPECT_NE(err.find("PUBLISH_TOKEN"), std::string::npos) << err;
  EXPECT_NE(err.find("channels[0].publish.token"), std::string::npos) << err;
  EXPECT_NE(err.find("gw.yaml:3:"), std::string::npos) << err;
}

TEST(Config, EnvSubstitutionInAnyString) {
  GatewayConfig c =
      load("server: {listen: \"{{HOST}}:{{ PORT }}\"}", {{"HOST", "127.0.0.2"}, {"PORT", "81"}});
  EXPECT_EQ(c.server.listen[0].text(), "127.0.0.2:81");
}

TEST(Config, SubstituteEnvRules) {
  auto env = fake_env({{"A", "x"}, {"B", ""}});
  EXPECT_EQ(substitute_env("{{A}}-{{ B }}-{{  A  }}", env, "w"), "x--x");
  EXPECT_EQ(substitute_env("no vars {", env, "w"), "no vars {");
  EXPECT_THROW(substitute_env("{{ A", env, "w"), ConfigError);
  EXPECT_THROW(substitute_env("{{ 1A }}", env, "w"), ConfigError);
  EXPECT_THROW(substitute_env("{{ C }}", env, "w"), ConfigError);
}

TEST(Config, UnknownSourceTypeListsKnownOnes) {
  std::string err =
      error_of("channels: [{path: /a}]\nsources:\n  - {name: x, type: carrier-pigeon}\n");
  EXPECT_NE(err.find("carrier-pigeon"), std::string::npos) << err;
  EXPECT_NE(err.find("known: test"), std::string::npos) << err;
  EXPECT_NE(err.find("sources[0].type"), std::string::npos) << err;
}

TEST(Config, SourceIntoUnconfiguredChannelIsAnError) {
  std::string err =
      error_of("channels: [{path: /a}]\nsources:\n  - {name: x, type: test, to: /b}\n");
  EXPECT_NE(err.find("'/b' is not configured"), std::string::npos) << err;
}

TEST(Config, SourceTemplatesNeedNoChannel) {
  EXPECT_NO_THROW(load("sources:\n  - {name: x, type: test, to: \"/mqtt/{topic}\"}\n"));
}

TEST(Config, DuplicateSourceNames) {
  std::string err = error_of(
      "channels: [{path: /a}]\nsources:\n  - {name: x, type: test, to: /a}\n  - {name: x, type: "
      "test, to: /a}\n");
  EXPECT_NE(err.find("used twice"), std::string::npos) << err;
}

TEST(Config, YamlSyntaxErrorHasLine) {
  std::string err = error_of("server:\n  listen: [unclosed\n");
  EXPECT_NE(err.find("gw.yaml:"), std::string::npos) << err;
  EXPECT_NE(err.find("YAML syntax error"), std::string::npos) << err;
}

TEST(Config, ListenAddressForms) {
  EXPECT_EQ(parse_listen_address(":8080", "w").host, "0.0.0.0");
  EXPECT_EQ(parse_listen_address("[::]:1", "w").host, "::");
  EXPECT_THROW(parse_listen_address("127.0.0.1", "w"), ConfigError);
  EXPECT_THROW(parse_listen_address("127.0.0.1:70000", "w"), ConfigError);
  EXPECT_THROW(parse_listen_address("127.0.0.1:8x", "w"), ConfigError);
}

TEST(Config, DuplicateTopLevelKeyNamesBothLines) {
  std::string err =
      error_of("channels:\n  - path: /a\nserver:\n  workers: 1\nchannels:\n  - path: /b\n");
  EXPECT_NE(err.find("gw.yaml:5:1: key 'channels': duplicate key (first at line 1)"),
            std::string::npos)
      << err;
}

TEST(Config, DuplicateNestedKeysAreFoundInListsAndFlowMaps) {
  std::string err = error_of("channels:\n  - path: /a\n    history: 3\n    history: 4\n");
  EXPECT_NE(err.find("gw.yaml:4:5: key 'channels[0].history': duplicate key (first at line 3)"),
            std::string::npos)
      << err;
  err = error_of("server: {workers: 1, headers: {X-A: a, X-A: b}}\n");
  EXPECT_NE(err.find("key 'server.headers.X-A': duplicate key"), std::string::npos) << err;
}

TEST(Config, AliasesAreWalkedOnce) {
  // Nine levels of nine aliases would be 9^9 maps if each alias were walked again.
  std::string yaml = "x0: &a0 {k: v}\n";
  for (int i = 1; i < 9; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    yaml += "x" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
    for (int j = 1; j < 9; ++j) yaml += ", " + prev;
    yaml += "]\n";
  }
  std::string err = error_of(yaml);
  EXPECT_NE(err.find("unknown key"), std::string::npos) << err;
}

TEST(Config, OverflowingSizesAndDurationsAreErrors) {
  std::string err = error_of("server:\n  max_body_bytes: 17179869184GiB\n");
  EXPECT_NE(err.find("gw.yaml:2:19: key 'server.max_body_bytes'"), std::string::npos) << err;
  EXPECT_NE(err.find("too large"), std::string::npos) << err;
  err = error_of("server:\n  heartbeat: 9999999999999999h\n");
  EXPECT_NE(err.find("gw.yaml:2:14: key 'server.heartbeat'"), std::string::npos) << err;
  EXPECT_NE(err.find("too large"), std::string::npos) << err;
  err = error_of("server: {shutdown_timeout: 99999999999999999999999ms}");
  EXPECT_NE(err.find("too large"), std::string::npos) << err;
  EXPECT_EQ(load("server: {max_body_bytes: 8GiB}").server.max_body_bytes, int64_t{8} << 30);
  EXPECT_EQ(load("server: {heartbeat: 1000h}").server.heartbeat_ms, int64_t{3'600'000'000});
}

ListenResolver refuse_names() {
  return [](const ListenAddress& address, std::string& error) -> std::optional<SocketAddress> {
    if (address.host.find_first_of("abcdefghijklmnopqrstuvwxyz") == std::string::npos)
      return resolve_listen_address(address, error);
    error = "Name or service not known";
    return std::nullopt;
  };
}

TEST(Config, UnresolvableListenHostNamesTheItem) {
  try {
    load_config_text("server:\n  listen:\n    - gw.invalid:8080\n", "gw.yaml", test_catalog(),
                     fake_env({}), refuse_names());
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "gw.yaml:3:7: key 'server.listen[0]': cannot resolve host 'gw.invalid'"),
              std::string::npos)
        << e.what();
  }
}

TEST(Config, ListenHostNamesResolve) {
  std::string error;
  auto v4 = resolve_listen_address({"localhost", 8080}, error);
  ASSERT_TRUE(v4) << error;
  EXPECT_GT(v4->length, 0u);
  auto v6 = resolve_listen_address({"::1", 80}, error);
  ASSERT_TRUE(v6) << error;
  EXPECT_EQ(v6->storage.ss_family, AF_INET6);
}

TEST(Config, MissingFileIsAnError) {
  try {
    load_config_file("/nonexistent/gw.yaml", test_catalog(), fake_env({}));
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/gw.yaml"), std::string::npos);
  }
}

constexpr const char* kAuth = R"(
auth:
  jwt:
    keys:
      - {alg: HS256, secret: "{{ JWT_SECRET }}", kid: h1}
    issuer: https://auth.example.com
    audience: sse-gateway
    cookie: sid
    query_param: access_token
    leeway: 5s
)";

TEST(Config, AuthJwtAndChannelAccess) {
  GatewayConfig c = load(std::string(kAuth) + R"(
server:
  trusted_proxies: [127.0.0.1/32, "10.0.0.0/8", "::1"]
  limits: {connections_per_ip: 5, connect_rate_per_ip: 20}
channels:
  - {path: /orders, subscribe: jwt, publish: jwt}
  - {path: /lan, publish: {from: [10.0.0.0/8, "fd00::/8"]}}
  - {path: /both, publish: {token: t, from: [192.0.2.0/24]}}
  - {path: /open, publish: true, subscribe: anonymous}
)",
                         {{"JWT_SECRET", "0123456789abcdef0123456789abcdef"}});
  const AuthSettings& auth = c.server.auth;
  ASSERT_TRUE(auth.jwt);
  EXPECT_EQ(auth.jwt->keys.size(), 1u);
  EXPECT_EQ(auth.jwt->keys[0].kid, "h1");
  EXPECT_EQ(auth.jwt->issuer, "https://auth.example.com");
  EXPECT_EQ(auth.jwt->audience, "sse-gateway");
  EXPECT_EQ(auth.jwt->leeway_s, 5);
  EXPECT_EQ(auth.cookie, "sid");
  EXPECT_EQ(auth.query_param, "access_token");
  EXPECT_EQ(c.server.trusted_proxies.size(), 3u);
  EXPECT_EQ(c.server.limits.connections_per_ip, 5);
  EXPECT_EQ(c.server.limits.connect_rate_per_ip, 20);
  EXPECT_TRUE(c.channels[0].subscribe_jwt);
  EXPECT_TRUE(c.channels[0].publish_jwt);
  EXPECT_EQ(c.channels[1].publish_from.size(), 2u);
  EXPECT_TRUE(c.channels[1].publish_token.empty());
  EXPECT_EQ(c.channels[2].publish_token, "t");
  EXPECT_TRUE(c.channels[3].publish);
  EXPECT_FALSE(c.channels[3].subscribe_jwt);
}

TEST(Config, AuthDefaultsReadTheSseTokenCookieAndNoQuery) {
  GatewayConfig c = load(R"(
auth: {jwt: {keys: [{alg: HS512, secret: "0123456789abcdef0123456789abcdef"}]}})");
  EXPECT_EQ(c.server.auth.cookie, "sse_token");
  EXPECT_EQ(c.server.auth.query_param, "");
  EXPECT_EQ(c.server.auth.jwt->leeway_s, 30);
  EXPECT_FALSE(load("").server.auth.jwt);
}

TEST(Config, AuthErrorsNameTheKey) {
  const std::string secret = "0123456789abcdef0123456789abcdef";
  struct Case {
    std::string yaml;
    std::string key;
    std::string text;
  };
  const Case cases[] = {
      {"auth: {jwt: {keys: [{alg: HS999, secret: " + secret + "}]}}", "auth.jwt.keys[0].alg",
       "unknown algorithm 'HS999'"},
      {"auth: {jwt: {keys: [{alg: none, secret: " + secret + "}]}}", "auth.jwt.keys[0].alg",
       "unknown algorithm 'none'"},
      {"auth: {jwt: {keys: [{alg: HS256, secret: \"\"}]}}", "auth.jwt.keys[0].secret",
       "at least 32 bytes"},
      {"auth: {jwt: {keys: [{alg: HS256, secret: short}]}}", "auth.jwt.keys[0].secret",
       "at least 32 bytes"},
      {"auth: {jwt: {keys: [{alg: RS256}]}}", "auth.jwt.keys[0]",
       "missing required key 'public_key_file'"},
      {"auth: {jwt: {keys: [{alg: RS256, public_key_file: /nonexistent.pub}]}}",
       "auth.jwt.keys[0].public_key_file", "/nonexistent.pub"},
      {"auth: {jwt: {keys: [{alg: RS256, secret: " + secret + "}]}}", "auth.jwt.keys[0].secret",
       "only HS keys"},
      {"auth: {jwt: {keys: [{jwks_file: /nonexistent.json}]}}", "auth.jwt.keys[0].jwks_file",
       "/nonexistent.json"},
      {"auth: {jwt: {keys: []}}", "auth.jwt.keys", "at least one key"},
      {"auth: {jwt: {keys: [{alg: HS256, secret: " + secret + "}], leeway: 2h}}", "auth.jwt.leeway",
       "between"},
      {"auth: {jwt: {keys: [{alg: HS256, secret: " + secret + "}], cookie: \"a b\"}}",
       "auth.jwt.cookie", "not a valid name"},
      {"auth: {jwt: {keys: [{alg: HS256, secret: " + secret + "}], colour: red}}", "auth.jwt",
       "colour"},
      {"channels: [{path: /a, subscribe: jwt}]", "channels[0].subscribe", "needs auth.jwt"},
      {"channels: [{path: /a, publish: jwt}]", "channels[0].publish", "needs auth.jwt"},
      {"channels: [{path: /a, subscribe: sometimes}]", "channels[0].subscribe",
       "expected anonymous or jwt"},
      {"channels: [{path: /a, publish: {from: [10.0.0.0/33]}}]", "channels[0].publish.from[0]",
       "not an address or CIDR"},
      {"channels: [{path: /a, publish: {}}]", "channels[0].publish", "needs token, from or both"},
      {"server: {trusted_proxies: [nonsense]}", "server.trusted_proxies[0]", "nonsense"},
      {"server: {limits: {connections_per_ip: -1}}", "server.limits.connections_per_ip", "range"},
      {"server: {limits: {per_ip: 1}}", "server.limits", "per_ip"},
  };
  for (const Case& c : cases) {
    const std::string err = error_of(c.yaml);
    EXPECT_NE(err.find("gw.yaml:"), std::string::npos) << c.yaml << "\n" << err;
    EXPECT_NE(err.find(c.key), std::string::npos) << c.yaml << "\n" << err;
    EXPECT_NE(err.find(c.text), std::string::npos) << c.yaml << "\n" << err;
  }
}

}  // namespace
}  // namespace ssegw

namespace ssegw {
namespace {

TEST(Config, StatusPageIsOffUnlessConfiguredAndTakesAPublishRule) {
  EXPECT_FALSE(load("").server.status_page);
  GatewayConfig c = load("server: {status_page: {}}\n");
  ASSERT_TRUE(c.server.status_page);
  EXPECT_EQ(c.server.status_page->path, "/status");
  EXPECT_EQ(c.server.status_page->stream_path(), "/status/stream");
  EXPECT_TRUE(c.server.status_page->access.publish);
  EXPECT_TRUE(c.server.status_page->access.publish_token.empty());
  EXPECT_TRUE(c.server.status_page->access.publish_from.empty());
  c = load("server: {status_page: {path: /ops, auth: {token: s3cret, from: [10.0.0.0/8]}}}\n");
  EXPECT_EQ(c.server.status_page->path, "/ops");
  EXPECT_EQ(c.server.status_page->access.publish_token, "s3cret");
  EXPECT_EQ(c.server.status_page->access.publish_from.size(), 1u);
}

TEST(Config, StatusPageErrorsNameTheirKey) {
  std::string err = error_of("server: {status_page: {path: /status}}\nchannels: [{path: /status}]");
  EXPECT_NE(err.find("key 'channels[0].path'"), std::string::npos) << err;
  EXPECT_NE(err.find("status page"), std::string::npos) << err;
  err = error_of("server: {status_page: {}}\nchannels: [{path: /status/stream}]");
  EXPECT_NE(err.find("key 'channels[0].path'"), std::string::npos) << err;
  err = error_of("server: {status_page: {path: status}}");
  EXPECT_NE(err.find("key 'server.status_page.path'"), std::string::npos) << err;
  err = error_of("server: {status_page: {path: /metrics}}");
  EXPECT_NE(err.find("key 'server.status_page.path'"), std::string::npos) << err;
  err = error_of("server: {status_page: {path: /subscribe}}");
  EXPECT_NE(err.find("subscribe_path"), std::string::npos) << err;
  err = error_of("server: {status_page: {auth: jwt}}");
  EXPECT_NE(err.find("key 'server.status_page.auth'"), std::string::npos) << err;
  EXPECT_NE(err.find("auth.jwt"), std::string::npos) << err;
  err = error_of("server: {status_page: {auth: {from: [not-an-ip]}}}");
  EXPECT_NE(err.find("server.status_page.auth.from"), std::string::npos) << err;
  err = error_of("server: {status_page: {auth: false}}");
  EXPECT_NE(err.find("key 'server.status_page.auth'"), std::string::npos) << err;
  err = error_of("server: {status_page: {colour: red}}");
  EXPECT_NE(err.find("server.status_page.colour"), std::string::npos) << err;
}

}  // namespace
}  // namespace ssegw
