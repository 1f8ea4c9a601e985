#include "bridges/kafka/kafka_resume.h"

#include <map>

#include "gateway/log.h"

namespace ssegw::kafka {
namespace {

using Clock = std::chrono::steady_clock;

struct Fetched {
  int64_t timestamp = 0;
  int64_t offset = 0;
  bool ok = false;
  Event event;
};

struct Range {
  int64_t from = 0;
  int64_t to = 0;  // exclusive
  bool done = false;
};

// The target cut a fetch must reach, from whichever bound the worker gave.
std::optional<Cut> target_cut(const KafkaFeed& feed, const std::string& before_id,
                              const std::string& through_id, std::chrono::milliseconds timeout) {
  if (!before_id.empty()) {
    auto before = decode_position(before_id);
    if (!before) return std::nullopt;
    return cut_before_event(*before);
  }
  if (!through_id.empty()) {
    auto through = decode_position(through_id);
    if (!through) return std::nullopt;
    return through->cut;
  }
  // Nothing published yet in this run: the seam is where the live feed began.
  return feed.initial_cut(timeout);
}

// Interleaves the partitions by timestamp, keeping each partition's order, and gives every
// event the cut a subscriber has seen once it has it.
void merge_into(std::map<PartitionKey, std::vector<Fetched>>& fetched, Cut running,
                std::vector<Event>& events) {
  std::map<PartitionKey, size_t> next;
  while (true) {
    const PartitionKey* best = nullptr;
    int64_t best_ts = 0;
    for (auto& [key, list] : fetched) {
      size_t i = next[key];
      if (i >= list.size()) continue;
      if (!best || list[i].timestamp < best_ts) {
        best = &key;
        best_ts = list[i].timestamp;
      }
    }
    if (!best) return;
    Fetched& item = fetched[*best][next[*best]++];
    running[*best] = item.offset + 1;
    if (!item.ok) continue;
    item.event.id = encode_position(Position{*best, running});
    events.push_back(std::move(item.event));
  }
}

}  // namespace

KafkaResumeProvider::KafkaResumeProvider(const KafkaFeed& feed, ResumeLimits limits)
    : feed_(feed), limits_(limits) {}

KafkaResumeProvider::~KafkaResumeProvider() {
  stop();
}

void KafkaResumeProvider::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void KafkaResumeProvider::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Whoever still waits is told to make do with history.
  for (Job& job : jobs_) job.done(false, {});
  jobs_.clear();
}

bool KafkaResumeProvider::understands(std::string_view last_event_id) const {
  auto position = decode_position(last_event_id);
  if (!position) return false;
  for (const auto& [key, offset] : position->cut) {
    if (key.topic < 0 || static_cast<size_t>(key.topic) >= feed_.options().topics.size())
      return false;
  }
  return true;
}

bool KafkaResumeProvider::covers(std::string_view last_event_id, std::string_view frame_id) const {
  auto subscriber = decode_position(last_event_id);
  auto frame = decode_position(frame_id);
  if (!subscriber || !frame) return false;
  return has_seen(*subscriber, *frame);
}

void KafkaResumeProvider::fetch(std::string after_id, std::string before_id, std::string through_id,
                                std::function<void(bool, std::vector<Event>)> done) {
  std::unique_lock lock(mu_);
  if (stopping_ || !thread_.joinable()) {
    lock.unlock();
    done(false, {});
    return;
  }
  jobs_.push_back(
      Job{std::move(after_id), std::move(before_id), std::move(through_id), std::move(done)});
  cv_.notify_one();
}

void KafkaResumeProvider::run() {
  while (true) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    std::vector<Event> events;
    bool ok = fetch_now(job.after_id, job.before_id, job.through_id, events);
    job.done(ok, std::move(events));
  }
}

bool KafkaResumeProvider::fetch_now(const std::string& after_id, const std::string& before_id,
                                    const std::string& through_id, std::vector<Event>& events) {
  const FeedOptions& options = feed_.options();
  auto after = decode_position(after_id);
  if (!after || !understands(after_id)) return false;
  auto target = target_cut(feed_, before_id, through_id, limits_.timeout);
  if (!target) return false;

  std::map<PartitionKey, Range> ranges;
  Cut running = after->cut;
  PartitionListPtr assignment(rd_kafka_topic_partition_list_new(8));
  for (const auto& [key, to] : *target) {
    if (static_cast<size_t>(key.topic) >= options.topics.size()) continue;
    auto seen = after->cut.find(key);
    int64_t from = seen == after->cut.end() ? 0 : seen->second;
    if (seen == after->cut.end()) running[key] = 0;
    if (to <= from) continue;
    ranges[key] = Range{from, to, false};
    rd_kafka_topic_partition_list_add(assignment.get(), options.topics[key.topic].c_str(),
                                      key.partition)
        ->offset = from;
  }
  if (ranges.empty()) return true;

  HandlePtr consumer;
  try {
    consumer =
        make_client(RD_KAFKA_CONSUMER, make_conf(options.brokers,
                                                 {{"group.id", "ssegw-" + options.name + "-resume"},
                                                  {"enable.auto.commit", "false"},
                                                  {"enable.partition.eof", "true"},
                                                  {"auto.offset.reset", "earliest"}},
                                                 options.properties));
  } catch (const std::exception& e) {
    log_error("kafka resume consumer", {{"source", options.name}, {"error", e.what()}});
    return false;
  }
  rd_kafka_poll_set_consumer(consumer.get());
  rd_kafka_assign(consumer.get(), assignment.get());

  std::map<PartitionKey, std::vector<Fetched>> fetched;
  size_t open = ranges.size();
  size_t count = 0;
  const auto deadline = Clock::now() + limits_.timeout;
  while (open > 0 && count < limits_.max_events && Clock::now() < deadline) {
    MessagePtr message(rd_kafka_consumer_poll(consumer.get(), 100));
    if (!message) continue;
    PartitionKey key{0, message->partition};
    for (size_t t = 0; t < options.topics.size(); ++t) {
      if (options.topics[t] == rd_kafka_topic_name(message->rkt))
        key.topic = static_cast<int32_t>(t);
    }
    auto range = ranges.find(key);
    if (range == ranges.end() || range->second.done) continue;
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      range->second.done = true;  // retention or truncation: nothing more to get
      --open;
      continue;
    }
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    if (message->offset >= range->second.to) {
      range->second.done = true;
      --open;
      continue;
    }
    Fetched item;
    item.offset = message->offset;
    item.timestamp = rd_kafka_message_timestamp(message.get(), nullptr);
    std::string why;
    item.ok =
        decode_message(message.get(), options.rules, options.name, item.event, why) == Decoded::kOk;
    fetched[key].push_back(std::move(item));
    ++count;
    if (message->offset + 1 >= range->second.to) {
      range->second.done = true;
      --open;
    }
  }
  rd_kafka_consumer_close(consumer.get());
  if (open > 0) {
    log_error("kafka resume incomplete",
              {{"source", options.name},
               {"after", after_id},
               {"fetched", std::to_string(count)},
               {"reason", count >= limits_.max_events ? "max events" : "timeout"}});
  }
  merge_into(fetched, running, events);
  return true;
}

}  // namespace ssegw::kafka
