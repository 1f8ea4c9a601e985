#include "bridges/kafka/kafka_client.h"

#include <algorithm>
#include <random>
#include <stdexcept>

#include "gateway/log.h"

namespace ssegw::kafka {
namespace {

void set_property(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) !=
      RD_KAFKA_CONF_OK) {
    throw std::invalid_argument("property '" + key + "': " + error);
  }
}

// librdkafka's own log lines, in the gateway's format rather than its "%3|..." one.
void forward_log(const rd_kafka_t* client, int level, const char* facility, const char* text) {
  LogLevel ours = level <= 3   ? LogLevel::kError
                  : level <= 5 ? LogLevel::kWarn
                  : level == 6 ? LogLevel::kInfo
                               : LogLevel::kDebug;
  // Connection failures are reported again, once and clearly, by the bridges' error callbacks.
  if (ours == LogLevel::kError) ours = LogLevel::kWarn;
  log_line(ours, "librdkafka",
           {{"client", rd_kafka_name(client)}, {"facility", facility}, {"text", text}});
}

}  // namespace

ConfPtr make_conf(const std::string& brokers, const Properties& defaults, const Properties& user) {
  ConfPtr conf(rd_kafka_conf_new());
  rd_kafka_conf_set_log_cb(conf.get(), &forward_log);
  set_property(conf.get(), "bootstrap.servers", brokers);
  for (const auto& [key, value] : defaults) {
    if (!user.contains(key)) set_property(conf.get(), key, value);
  }
  for (const auto& [key, value] : user) set_property(conf.get(), key, value);
  return conf;
}

HandlePtr make_client(rd_kafka_type_t type, ConfPtr conf) {
  char error[512];
  rd_kafka_t* client = rd_kafka_new(type, conf.get(), error, sizeof error);
  if (!client) throw std::runtime_error(std::string("cannot create Kafka client: ") + error);
  conf.release();  // owned by the client now
  return HandlePtr(client);
}

std::optional<std::vector<int32_t>> partition_counts(rd_kafka_t* client,
                                                     const std::vector<std::string>& topics,
                                                     std::chrono::milliseconds timeout,
                                                     std::string& error) {
  std::vector<int32_t> counts;
  for (const std::string& name : topics) {
    rd_kafka_topic_t* topic = rd_kafka_topic_new(client, name.c_str(), nullptr);
    const rd_kafka_metadata_t* raw = nullptr;
    rd_kafka_resp_err_t err =
        rd_kafka_metadata(client, 0, topic, &raw, static_cast<int>(timeout.count()));
    rd_kafka_topic_destroy(topic);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      error = rd_kafka_err2str(err);
      return std::nullopt;
    }
    MetadataPtr metadata(raw);
    if (metadata->topic_cnt != 1 || metadata->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR ||
        metadata->topics[0].partition_cnt == 0) {
      error =
          "topic '" + name + "': " +
          (metadata->topic_cnt == 1 ? rd_kafka_err2str(metadata->topics[0].err) : "no metadata");
      return std::nullopt;
    }
    counts.push_back(metadata->topics[0].partition_cnt);
  }
  return counts;
}

std::optional<Watermarks> query_watermarks(rd_kafka_t* client, const std::string& topic,
                                           int32_t partition, std::chrono::milliseconds timeout) {
  Watermarks marks;
  if (rd_kafka_query_watermark_offsets(client, topic.c_str(), partition, &marks.low, &marks.high,
                                       static_cast<int>(timeout.count())) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  return marks;
}

std::optional<std::string> header_value(const rd_kafka_message_t* message, const char* name) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return std::nullopt;
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  if (!value) return std::string();
  return std::string(static_cast<const char*>(value), size);
}

}  // namespace ssegw::kafka
