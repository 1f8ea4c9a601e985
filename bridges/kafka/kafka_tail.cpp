#include "bridges/kafka/kafka_tail.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "bridges/kafka/kafka_event_rules.h"

namespace ssegw::kafka {
namespace {

using Clock = std::chrono::steady_clock;

std::optional<uint64_t> parse_seq(const std::string& text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<TailFindings> read_topic_tail(const std::string& brokers,
                                            const Properties& properties, const std::string& topic,
                                            int64_t scan, std::chrono::milliseconds timeout,
                                            std::string& error) {
  HandlePtr consumer = make_client(RD_KAFKA_CONSUMER, make_conf(brokers,
                                                                {{"group.id", "ssegw-sink-tail"},
                                                                 {"enable.auto.commit", "false"},
                                                                 {"enable.partition.eof", "true"},
                                                                 {"auto.offset.reset", "earliest"}},
                                                                properties));
  rd_kafka_poll_set_consumer(consumer.get());
  const auto deadline = Clock::now() + timeout;
  auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  };
  auto counts = partition_counts(consumer.get(), {topic}, left(), error);
  if (!counts) {
    if (error.find("Unknown topic") != std::string::npos ||
        error.find("unknown topic") != std::string::npos) {
      return TailFindings{};  // nothing delivered yet
    }
    return std::nullopt;
  }
  PartitionListPtr assignment(rd_kafka_topic_partition_list_new((*counts)[0]));
  std::vector<int64_t> ends((*counts)[0], 0);
  size_t open = 0;
  for (int32_t p = 0; p < (*counts)[0]; ++p) {
    auto marks = query_watermarks(consumer.get(), topic, p, left());
    if (!marks) {
      error = "cannot read the offsets of " + topic;
      return std::nullopt;
    }
    ends[p] = marks->high;
    if (marks->high <= marks->low) continue;
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), p)->offset =
        std::max(marks->low, marks->high - scan);
    ++open;
  }
  TailFindings findings;
  if (open == 0) return findings;
  rd_kafka_assign(consumer.get(), assignment.get());
  std::vector<bool> done(ends.size(), false);
  std::map<std::string, std::pair<uint64_t, std::string>> newest;  // source -> seq, id
  while (open > 0) {
    if (Clock::now() >= deadline) {
      error = "timed out reading the end of " + topic;
      return std::nullopt;
    }
    MessagePtr message(rd_kafka_consumer_poll(consumer.get(), 100));
    if (!message || message->partition < 0 ||
        message->partition >= static_cast<int32_t>(ends.size()))
      continue;
    const int32_t p = message->partition;
    if (done[p]) continue;
    bool at_end = message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      auto source = header_value(message.get(), kSourceHeader);
      auto id = header_value(message.get(), kIdHeader);
      auto seq_text = header_value(message.get(), kSeqHeader);
      auto seq = seq_text ? parse_seq(*seq_text) : std::nullopt;
      if (seq && *seq >= findings.max_seq) findings.max_seq = *seq;
      if (source && id && seq && !source->empty()) {
        auto& best = newest[*source];
        if (*seq >= best.first) best = {*seq, *id};
      }
      at_end = message->offset + 1 >= ends[p];
    }
    if (at_end) {
      done[p] = true;
      --open;
    }
  }
  rd_kafka_consumer_close(consumer.get());
  for (auto& [source, best] : newest) findings.last_origin_id[source] = best.second;
  return findings;
}

}  // namespace ssegw::kafka
