#include "bridges/sse/sse_source_options.h"

#include <gtest/gtest.h>

#include <map>

#include "bridges/sse/upstream_connection.h"

namespace ssegw::sse {
namespace {

class SseSourceOptionsTest : public ::testing::Test {
 protected:
  SseSourceOptions parse(const std::string& yaml) {
    ConfigNode node(YAML::Load(yaml), "gw.yaml", "sources[0]", &env_);
    return parse_sse_source_options(node);
  }
  std::string error_of(const std::string& yaml) {
    try {
      parse(yaml);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }
  std::map<std::string, std::string> vars_{{"BROKER_TOKEN", "s3cret"}};
  EnvLookup env_ = [this](const std::string& name) -> std::optional<std::string> {
    auto it = vars_.find(name);
    if (it == vars_.end()) return std::nullopt;
    return it->second;
  };
};

TEST_F(SseSourceOptionsTest, ReadsTheIssueExample) {
  const SseSourceOptions o = parse(R"(
name: market
type: sse
endpoint: https://feed.example.com/sse/prices
headers: "Authorization: Bearer {{ BROKER_TOKEN }},Accept: text/event-stream"
events: "price_update,trade"
format: json
bad_data: drop
to: /prices
)");
  EXPECT_EQ(o.name, "market");
  EXPECT_TRUE(o.endpoint.tls);
  EXPECT_EQ(o.endpoint.host, "feed.example.com");
  EXPECT_EQ(o.headers,
            (HeaderList{{"Authorization", "Bearer s3cret"}, {"Accept", "text/event-stream"}}));
  EXPECT_EQ(o.events, (std::set<std::string>{"price_update", "trade"}));
  EXPECT_EQ(o.format, DataFormat::kJson);
  EXPECT_EQ(o.bad_data, BadDataAction::kDrop);
  EXPECT_EQ(o.to, std::vector<std::string>{"/prices"});
  EXPECT_EQ(o.idle_timeout_ms, 60000);
  EXPECT_EQ(o.max_event_size, 1 << 20);
  EXPECT_TRUE(o.tls);  // https: system CAs loaded
}

TEST_F(SseSourceOptionsTest, AcceptsMapsListsAndLimits) {
  const SseSourceOptions o = parse(R"(
name: s
type: sse
endpoint: http://127.0.0.1:9000/x
headers: {X-Url: "http://a:8080", X-Token: "{{ BROKER_TOKEN }}"}
events: [a, b]
to: [/one, /two]
idle_timeout: 5s
max_event_size: 64KiB
)");
  EXPECT_EQ(o.headers, (HeaderList{{"X-Token", "s3cret"}, {"X-Url", "http://a:8080"}}));
  EXPECT_EQ(o.events, (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(o.to, (std::vector<std::string>{"/one", "/two"}));
  EXPECT_EQ(o.idle_timeout_ms, 5000);
  EXPECT_EQ(o.max_event_size, 65536);
  EXPECT_EQ(o.format, DataFormat::kRaw);
  EXPECT_FALSE(o.tls);
}

TEST_F(SseSourceOptionsTest, MalformedHeaderPairIsAConfigErrorNamingThePair) {
  const std::string e = error_of(R"(
name: s
type: sse
endpoint: http://h/x
headers: "A: 1,Authorization Bearer {{ BROKER_TOKEN }}"
to: /x
)");
  EXPECT_NE(e.find("gw.yaml:5:"), std::string::npos) << e;
  EXPECT_NE(e.find("sources[0].headers"), std::string::npos) << e;
  EXPECT_NE(e.find("header pair 2"), std::string::npos) << e;
  EXPECT_EQ(e.find("s3cret"), std::string::npos) << "the error must not reveal the secret: " << e;
}

TEST_F(SseSourceOptionsTest, BadValuesAreConfigErrorsWithTheirKey) {
  const std::string base = "name: s\ntype: sse\nto: /x\n";
  EXPECT_NE(error_of(base + "endpoint: ftp://h/x\n").find("sources[0].endpoint"),
            std::string::npos);
  EXPECT_NE(error_of(base + "endpoint: http://h/x\nformat: xml\n").find("json or raw"),
            std::string::npos);
  EXPECT_NE(
      error_of(base + "endpoint: http://h/x\nformat: json\nbad_data: keep\n").find("drop or fail"),
      std::string::npos);
  EXPECT_NE(error_of(base + "endpoint: http://h/x\nbad_data: drop\n").find("only to format: json"),
            std::string::npos);
  EXPECT_NE(error_of(base + "endpoint: http://h/x\nevents: \"a,,b\"\n").find("empty event type"),
            std::string::npos);
  EXPECT_NE(error_of(base + "endpoint: http://h/x\ntls: {ca_file: /nonexistent.pem}\n")
                .find("sources[0].tls.ca_file"),
            std::string::npos);
  EXPECT_NE(error_of(base + "endpoint: http://h/x\ntls: {cafile: /x}\n").find("unknown key"),
            std::string::npos);
  EXPECT_NE(error_of(base + "endpoint: http://h/x\nretries: 3\n").find("sources[0].retries"),
            std::string::npos);
  EXPECT_NE(error_of("name: s\ntype: sse\nendpoint: http://h/x\nto: relative\n")
                .find("must start with '/'"),
            std::string::npos);
  EXPECT_NE(error_of("name: s\ntype: sse\nendpoint: http://h/x\n").find("'to'"), std::string::npos);
  EXPECT_NE(
      error_of(base + "endpoint: http://h/x\nheaders: \"X: {{ MISSING }}\"\n").find("MISSING"),
      std::string::npos);
}

TEST_F(SseSourceOptionsTest, IdsAndLastEventId) {
  const std::string base = "name: s\ntype: sse\nendpoint: http://h/x\nto: /x\n";
  const SseSourceOptions plain = parse(base);
  EXPECT_EQ(plain.ids, IdSource::kGateway);
  EXPECT_EQ(plain.last_event_id, "");
  const SseSourceOptions relay = parse(base + "ids: upstream\nlast_event_id: \"p0:41\"\n");
  EXPECT_EQ(relay.ids, IdSource::kUpstream);
  EXPECT_EQ(relay.last_event_id, "p0:41");
  EXPECT_EQ(parse(base + "ids: gateway\n").ids, IdSource::kGateway);
  EXPECT_NE(error_of(base + "ids: mine\n").find("sources[0].ids"), std::string::npos);
  EXPECT_NE(error_of(base + "ids: mine\n").find("gateway or upstream"), std::string::npos);
  EXPECT_NE(error_of(base + "last_event_id: \"a\\r\\nX: y\"\n").find("sources[0].last_event_id"),
            std::string::npos);
  EXPECT_NE(error_of(base + "last_event_id: \" 7\"\n").find("space"), std::string::npos);
}

TEST_F(SseSourceOptionsTest, CaFileThatIsNotACertificateIsAConfigError) {
  const std::string e = error_of(
      "name: s\ntype: sse\nto: /x\nendpoint: https://h/x\ntls: {ca_file: /etc/hostname}\n");
  EXPECT_NE(e.find("cannot load CA certificates"), std::string::npos) << e;
}

TEST(UpstreamRequest, CarriesTheStandardHeadersAndLastEventId) {
  UpstreamRequest request;
  request.url = *parse_http_url("http://feed:8080/sse?x=1");
  request.headers = {{"Authorization", "Bearer t"}, {"accept", "text/event-stream, */*"}};
  request.last_event_id = "41";
  const std::string text = build_request(request);
  EXPECT_EQ(text.substr(0, text.find("\r\n")), "GET /sse?x=1 HTTP/1.1");
  EXPECT_NE(text.find("\r\nHost: feed:8080\r\n"), std::string::npos);
  EXPECT_NE(text.find("\r\nCache-Control: no-cache\r\n"), std::string::npos);
  EXPECT_NE(text.find("\r\nAuthorization: Bearer t\r\n"), std::string::npos);
  EXPECT_NE(text.find("\r\naccept: text/event-stream, */*\r\n"), std::string::npos);
  EXPECT_EQ(text.find("\r\nAccept: text/event-stream\r\n"), std::string::npos);  // replaced
  EXPECT_NE(text.find("\r\nLast-Event-ID: 41\r\n"), std::string::npos);
  EXPECT_EQ(text.substr(text.size() - 4), "\r\n\r\n");
  request.last_event_id.clear();
  EXPECT_EQ(build_request(request).find("Last-Event-ID"), std::string::npos);
}

}  // namespace
}  // namespace ssegw::sse
