#include "tests/integration/kafka/kafka_test_client.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>

#include "tests/support/process.h"

namespace ssegw::testing::kafka {
namespace {

using Clock = std::chrono::steady_clock;

struct KafkaDeleter {
  void operator()(rd_kafka_t* k) const { rd_kafka_destroy(k); }
};
using Client = std::unique_ptr<rd_kafka_t, KafkaDeleter>;

Client client(rd_kafka_type_t type, std::map<std::string, std::string> settings) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  settings["bootstrap.servers"] = bootstrap();
  for (const auto& [key, value] : settings) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) !=
        RD_KAFKA_CONF_OK) {
      ADD_FAILURE() << key << ": " << error;
    }
  }
  rd_kafka_t* k = rd_kafka_new(type, conf, error, sizeof error);
  if (!k) {
    ADD_FAILURE() << error;
    rd_kafka_conf_destroy(conf);
  }
  return Client(k);
}

}  // namespace

std::optional<std::string> Record::header(const std::string& name) const {
  std::optional<std::string> found;
  for (const auto& [k, v] : headers) {
    if (k == name) found = v;
  }
  return found;
}

std::string state_dir() {
  const char* dir = std::getenv("SSEGW_KAFKA_STATE");
  return dir && *dir ? dir : "/tmp/ssegw-kafka";
}

std::string bootstrap() {
  std::ifstream in(state_dir() + "/bootstrap");
  std::string address;
  in >> address;
  if (address.empty()) ADD_FAILURE() << "no broker: " << state_dir() << "/bootstrap is missing";
  return address;
}

bool broker_command(const std::string& subcommand) {
  ChildProcess script(
      {"/bin/bash", source_dir() + "/tests/brokers/kafka.sh", subcommand, state_dir()});
  auto status = script.wait_exit(std::chrono::seconds(120));
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

std::string unique_topic(const std::string& prefix) {
  static std::atomic<int> counter{0};
  std::random_device random;
  return prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(random() % 100000);
}

void create_topic(const std::string& topic, int partitions) {
  Client admin = client(RD_KAFKA_PRODUCER, {});
  ASSERT_TRUE(admin);
  char error[512];
  rd_kafka_NewTopic_t* spec =
      rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, error, sizeof error);
  ASSERT_NE(spec, nullptr) << error;
  rd_kafka_queue_t* queue = rd_kafka_queue_new(admin.get());
  rd_kafka_CreateTopics(admin.get(), &spec, 1, nullptr, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 30000);
  ASSERT_NE(event, nullptr) << "CreateTopics timed out";
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event);
  size_t count = 0;
  const rd_kafka_topic_result_t** topics = rd_kafka_CreateTopics_result_topics(result, &count);
  ASSERT_EQ(count, 1u);
  EXPECT_EQ(rd_kafka_topic_result_error(topics[0]), RD_KAFKA_RESP_ERR_NO_ERROR)
      << rd_kafka_topic_result_error_string(topics[0]);
  rd_kafka_event_destroy(event);
  rd_kafka_queue_destroy(queue);
  rd_kafka_NewTopic_destroy(spec);
}

size_t produce(const std::string& topic, const std::vector<OutRecord>& records) {
  static std::atomic<size_t> acked;
  acked = 0;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap().c_str(), error, sizeof error);
  rd_kafka_conf_set(conf, "enable.idempotence", "true", error, sizeof error);
  rd_kafka_conf_set(conf, "linger.ms", "5", error, sizeof error);
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) acked++;
  });
  Client producer(rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error));
  if (!producer) {
    ADD_FAILURE() << error;
    return 0;
  }
  for (const OutRecord& record : records) {
    rd_kafka_headers_t* headers = rd_kafka_headers_new(record.headers.size());
    for (const auto& [k, v] : record.headers)
      rd_kafka_header_add(headers, k.c_str(), -1, v.data(), v.size());
    const void* key = record.key ? record.key->data() : nullptr;
    size_t key_size = record.key ? record.key->size() : 0;
    while (true) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(record.partition),
          RD_KAFKA_V_KEY(key, key_size),
          RD_KAFKA_V_VALUE(const_cast<char*>(record.value.data()), record.value.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(producer.get(), 50);
        continue;
      }
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        ADD_FAILURE() << rd_kafka_err2str(err);
        rd_kafka_headers_destroy(headers);
      }
      break;
    }
  }
  rd_kafka_flush(producer.get(), 30000);
  return acked;
}

std::vector<Record> read_all(const std::string& topic, std::chrono::milliseconds timeout,
                             Isolation isolation) {
  std::vector<Record> records;
  const char* level =
      isolation == Isolation::kReadCommitted ? "read_committed" : "read_uncommitted";
  Client consumer = client(RD_KAFKA_CONSUMER, {{"group.id", "ssegw-test-reader"},
                                               {"enable.auto.commit", "false"},
                                               {"enable.partition.eof", "true"},
                                               {"auto.offset.reset", "earliest"},
                                               {"isolation.level", level}});
  if (!consumer) return records;
  rd_kafka_poll_set_consumer(consumer.get());
  rd_kafka_topic_t* handle = rd_kafka_topic_new(consumer.get(), topic.c_str(), nullptr);
  const rd_kafka_metadata_t* metadata = nullptr;
  if (rd_kafka_metadata(consumer.get(), 0, handle, &metadata, 10000) !=
          RD_KAFKA_RESP_ERR_NO_ERROR ||
      metadata->topic_cnt != 1) {
    ADD_FAILURE() << "no metadata for " << topic;
    rd_kafka_topic_destroy(handle);
    return records;
  }
  const int partitions = metadata->topics[0].partition_cnt;
  rd_kafka_metadata_destroy(metadata);
  rd_kafka_topic_destroy(handle);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(consumer.get(), list);
  rd_kafka_topic_partition_list_destroy(list);
  int open = partitions;
  const auto deadline = Clock::now() + timeout;
  std::vector<bool> ended(partitions, false);
  while (open > 0 && Clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer.get(), 100);
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (m->partition >= 0 && m->partition < partitions && !ended[m->partition]) {
        ended[m->partition] = true;
        --open;
      }
    } else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      Record r;
      r.partition = m->partition;
      r.offset = m->offset;
      if (m->key) r.key = std::string(static_cast<const char*>(m->key), m->key_len);
      if (m->payload) r.value.assign(static_cast<const char*>(m->payload), m->len);
      rd_kafka_headers_t* headers = nullptr;
      if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
                           RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
          r.headers.emplace_back(name,
                                 value ? std::string(static_cast<const char*>(value), size) : "");
        }
      }
      records.push_back(std::move(r));
    }
    rd_kafka_message_destroy(m);
  }
  if (open > 0) ADD_FAILURE() << "read_all(" << topic << ") timed out";
  rd_kafka_consumer_close(consumer.get());
  return records;
}

}  // namespace ssegw::testing::kafka
