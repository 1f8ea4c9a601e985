#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bridges/kafka/kafka_backbone.h"
#include "bridges/kafka/kafka_sink.h"
#include "bridges/kafka/kafka_source.h"

namespace ssegw::kafka {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

const EnvLookup kEnv = [](const std::string& name) -> std::optional<std::string> {
  if (name == "KAFKA") return "10.0.0.1:9092";
  return std::nullopt;
};

ConfigNode node(const std::string& yaml) {
  return ConfigNode(YAML::Load(yaml), "gw.yaml", "sources[0]", &kEnv);
}

std::string source_error(const std::string& yaml) {
  try {
    parse_source(node(yaml));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::string sink_error(const std::string& yaml) {
  try {
    parse_sink(node(yaml));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

const std::string kSource =
    "name: orders\ntype: kafka\nbrokers: 127.0.0.1:9092\ntopics: [orders]\nto: /orders\n";
const std::string kSink =
    "name: p\ntype: kafka\nfrom: /prices\nbrokers: 127.0.0.1:9092\ntopic: prices\n";

TEST(KafkaSourceConfig, ReadsTheIssueExample) {
  SourceSettings s =
      parse_source(node("name: orders\ntype: kafka\nbrokers: '{{ KAFKA }}'\ntopics: [orders, "
                        "refunds]\nstart: earliest\n"
                        "event_type: {header: type}\nformat: json\nbad_data: fail\nto: /orders\n"
                        "properties: {security.protocol: plaintext}\n"));
  EXPECT_EQ(s.feed.name, "orders");
  EXPECT_EQ(s.feed.brokers, "10.0.0.1:9092");
  EXPECT_EQ(s.feed.topics, (std::vector<std::string>{"orders", "refunds"}));
  EXPECT_TRUE(s.feed.start_earliest);
  EXPECT_EQ(s.feed.rules.type_from, EventRules::TypeFrom::kHeader);
  EXPECT_EQ(s.feed.rules.type_value, "type");
  EXPECT_TRUE(s.feed.rules.json);
  EXPECT_TRUE(s.feed.rules.fail_on_bad);
  EXPECT_EQ(s.to, (std::vector<std::string>{"/orders"}));
  EXPECT_EQ(s.feed.properties.at("security.protocol"), "plaintext");
}

TEST(KafkaSourceConfig, Defaults) {
  SourceSettings s = parse_source(node(kSource));
  EXPECT_FALSE(s.feed.start_earliest);
  EXPECT_EQ(s.feed.rules.type_from, EventRules::TypeFrom::kDefault);
  EXPECT_FALSE(s.feed.rules.json);
}

TEST(KafkaSourceConfig, FixedTypeAndBrokerList) {
  SourceSettings s =
      parse_source(node("name: o\ntype: kafka\nbrokers: [a:1, b:2]\ntopics: t\nevent_type: {fixed: "
                        "order}\nto: [/a, /b]\n"));
  EXPECT_EQ(s.feed.brokers, "a:1,b:2");
  EXPECT_EQ(s.feed.topics, (std::vector<std::string>{"t"}));
  EXPECT_EQ(s.feed.rules.type_from, EventRules::TypeFrom::kFixed);
  EXPECT_EQ(s.feed.rules.type_value, "order");
  EXPECT_EQ(s.to.size(), 2u);
}

TEST(KafkaSourceConfig, ErrorsNameTheKeyAndLine) {
  EXPECT_THAT(source_error(kSource + "strat: latest\n"), HasSubstr("strat"));
  EXPECT_THAT(source_error(kSource + "start: newest\n"),
              AllOf(HasSubstr("gw.yaml:6"), HasSubstr("latest or earliest")));
  EXPECT_THAT(source_error(kSource + "format: xml\n"), HasSubstr("json or raw"));
  EXPECT_THAT(source_error(kSource + "bad_data: drop\n"), HasSubstr("only to format: json"));
  EXPECT_THAT(source_error(kSource + "format: json\nbad_data: keep\n"), HasSubstr("drop or fail"));
  EXPECT_THAT(source_error(kSource + "event_type: {header: a, fixed: b}\n"),
              HasSubstr("event_type"));
  EXPECT_THAT(source_error(kSource + "event_type: {colour: red}\n"), HasSubstr("colour"));
  EXPECT_THAT(source_error(kSource + "properties: {no.such.property: 1}\n"),
              AllOf(HasSubstr("no.such.property"), HasSubstr("librdkafka")));
  EXPECT_THAT(source_error(kSource + "properties: {bootstrap.servers: x:1}\n"),
              HasSubstr("brokers"));
  EXPECT_THAT(source_error("name: o\ntype: kafka\nbrokers: a:1\ntopics: []\nto: /o\n"),
              HasSubstr("topic"));
  EXPECT_THAT(source_error("name: o\ntype: kafka\nbrokers: a:1\nto: /o\n"), HasSubstr("topics"));
  EXPECT_THAT(source_error("name: o\ntype: kafka\nbrokers: 'a:1, b:2'\ntopics: t\nto: /o\n"),
              HasSubstr("host:port"));
  EXPECT_THAT(source_error("name: o\ntype: kafka\nbrokers: '{{ NOPE }}'\ntopics: t\nto: /o\n"),
              HasSubstr("NOPE"));
}

TEST(KafkaSinkConfig, ReadsTheIssueExample) {
  SinkSettings s =
      parse_sink(node(kSink + "key: {json: /symbol}\nproperties: {compression.type: lz4}\n"));
  EXPECT_EQ(s.from, "/prices");
  EXPECT_EQ(s.topic, "prices");
  EXPECT_EQ(s.key_from, SinkSettings::KeyFrom::kJsonPointer);
  EXPECT_EQ(s.key_pointer, "/symbol");
  EXPECT_EQ(s.properties.at("compression.type"), "lz4");
}

TEST(KafkaSinkConfig, KeyChoices) {
  EXPECT_EQ(parse_sink(node(kSink)).key_from, SinkSettings::KeyFrom::kNone);
  EXPECT_EQ(parse_sink(node(kSink + "key: none\n")).key_from, SinkSettings::KeyFrom::kNone);
  EXPECT_EQ(parse_sink(node(kSink + "key: event_id\n")).key_from, SinkSettings::KeyFrom::kEventId);
  EXPECT_THAT(sink_error(kSink + "key: symbol\n"), HasSubstr("none, event_id or {json"));
  EXPECT_THAT(sink_error(kSink + "key: {json: symbol}\n"), HasSubstr("JSON pointer"));
  EXPECT_THAT(sink_error(kSink + "key: {xml: /a}\n"), HasSubstr("xml"));
  EXPECT_THAT(sink_error(kSink + "topik: x\n"), HasSubstr("topik"));
  EXPECT_THAT(sink_error(kSink + "queue_limit: 0\n"), HasSubstr("queue_limit"));
  EXPECT_THAT(sink_error(kSink + "properties: {acks: sometimes}\n"), HasSubstr("acks"));
}

TEST(KafkaSinkConfig, TransactionalDefaultsFollowTheSinksName) {
  SinkSettings idempotent = parse_sink(node(kSink));
  EXPECT_FALSE(idempotent.transactional);
  SinkSettings s = parse_sink(node(kSink + "transactional: true\n"));
  EXPECT_TRUE(s.transactional);
  EXPECT_EQ(s.transactional_id, "p");
  EXPECT_EQ(s.state_topic, "p.resume");
  EXPECT_EQ(s.batch.max_events, 1000u);
  EXPECT_EQ(s.batch.interval, std::chrono::milliseconds(100));
}

TEST(KafkaSinkConfig, TransactionalOverrides) {
  SinkSettings s = parse_sink(node(kSink + "transactional: true\ntransactional_id: prices-eu-1\n"
                                           "state_topic: prices.state\ntransaction_max_events: 50\n"
                                           "transaction_interval: 20ms\n"));
  EXPECT_EQ(s.transactional_id, "prices-eu-1");
  EXPECT_EQ(s.state_topic, "prices.state");
  EXPECT_EQ(s.batch.max_events, 50u);
  EXPECT_EQ(s.batch.interval, std::chrono::milliseconds(20));
}

TEST(KafkaSinkConfig, TransactionalMistakesNameTheLineAndKey) {
  const std::string txn = kSink + "transactional: true\n";  // kSink has 5 lines
  EXPECT_THAT(sink_error(txn + "transaction_max_events: 0\n"),
              AllOf(HasSubstr("gw.yaml:7"), HasSubstr("transaction_max_events")));
  EXPECT_THAT(
      sink_error(txn + "transaction_interval: 0ms\n"),
      AllOf(HasSubstr("gw.yaml:7"), HasSubstr("transaction_interval"), HasSubstr("1ms to 30s")));
  EXPECT_THAT(sink_error(txn + "transaction_interval: 2m\n"), HasSubstr("1ms to 30s"));
  EXPECT_THAT(sink_error(txn + "transaction_interval: soon\n"), HasSubstr("duration"));
  EXPECT_THAT(sink_error(txn + "state_topic: 'a/b'\n"),
              AllOf(HasSubstr("gw.yaml:7"), HasSubstr("state_topic"), HasSubstr("topic name")));
  EXPECT_THAT(sink_error(txn + "state_topic: prices\n"), HasSubstr("must differ from topic"));
  EXPECT_THAT(sink_error(txn + "transactional_id: ''\n"), HasSubstr("transactional_id"));
  EXPECT_THAT(sink_error(kSink + "transactional: maybe\n"), HasSubstr("transactional"));
  // A name that cannot make a topic name asks for state_topic.
  EXPECT_THAT(sink_error("name: 'prices to kafka'\ntype: kafka\nfrom: /p\nbrokers: b:1\n"
                         "topic: t\ntransactional: true\n"),
              AllOf(HasSubstr("gw.yaml:1"), HasSubstr("set state_topic")));
}

TEST(KafkaSinkConfig, TransactionKeysNeedTransactional) {
  for (const std::string key : {"transactional_id: x", "state_topic: x",
                                "transaction_max_events: 5", "transaction_interval: 1s"}) {
    EXPECT_THAT(sink_error(kSink + key + "\n"),
                AllOf(HasSubstr("gw.yaml:6"), HasSubstr("needs transactional: true")))
        << key;
  }
  EXPECT_THAT(sink_error(kSink + "transactional: false\nproperties: {transactional.id: x}\n"),
              HasSubstr("transactional.id needs transactional: true"));
}

TEST(KafkaSinkConfig, SpoolsByDefaultExceptInTheTransactionalMode) {
  EXPECT_EQ(parse_sink(node(kSink)).spool_bytes, int64_t{256} << 20);
  EXPECT_EQ(parse_sink(node(kSink + "spool_bytes: 1MiB\n")).spool_bytes, int64_t{1} << 20);
  EXPECT_EQ(parse_sink(node(kSink + "spool_bytes: 0\n")).spool_bytes, 0);
  EXPECT_THAT(sink_error(kSink + "spool_bytes: 100\n"),
              AllOf(HasSubstr("gw.yaml:6"), HasSubstr("at least 4KiB")));
  // The spool's folder is named for the sink.
  EXPECT_THAT(sink_error("name: 'a/b'\ntype: kafka\nfrom: /p\nbrokers: b:1\ntopic: t\n"),
              AllOf(HasSubstr("gw.yaml:1"), HasSubstr("spool folder")));
  EXPECT_EQ(parse_sink(node("name: 'a/b'\ntype: kafka\nfrom: /p\nbrokers: b:1\ntopic: t\n"
                            "spool_bytes: 0\n"))
                .spool_bytes,
            0);
  const std::string txn = kSink + "transactional: true\n";
  EXPECT_EQ(parse_sink(node(txn)).spool_bytes, 0);
  EXPECT_THAT(sink_error(txn + "spool_bytes: 1MiB\n"),
              AllOf(HasSubstr("gw.yaml:7"), HasSubstr("does not spool")));
}

TEST(KafkaSinkKey, FromSettings) {
  SinkSettings s = parse_sink(node(kSink + "key: {json: /symbol}\n"));
  Event event;
  event.id = "17";
  event.data = R"({"symbol":"ACME","price":1})";
  EXPECT_EQ(sink_key(s, event), "ACME");
  event.data = "not json";
  EXPECT_EQ(sink_key(s, event), std::nullopt);
  s.key_from = SinkSettings::KeyFrom::kEventId;
  EXPECT_EQ(sink_key(s, event), "17");
  event.origin_id = "up-9";
  EXPECT_EQ(sink_key(s, event), "up-9");
  s.key_from = SinkSettings::KeyFrom::kNone;
  EXPECT_EQ(sink_key(s, event), std::nullopt);
}

TEST(KafkaBackboneConfig, ReadsBrokersAndTopic) {
  BackboneSettings s =
      parse_backbone(node("{brokers: 127.0.0.1:9092, topic: gw-events}"), "/events");
  EXPECT_EQ(s.channel_path, "/events");
  EXPECT_EQ(s.brokers, "127.0.0.1:9092");
  EXPECT_EQ(s.topic, "gw-events");
  EXPECT_THROW(parse_backbone(node("{brokers: a:1}"), "/e"), ConfigError);
  EXPECT_THROW(parse_backbone(node("{brokers: a:1, topic: t, group: g}"), "/e"), ConfigError);
}

}  // namespace
}  // namespace ssegw::kafka
