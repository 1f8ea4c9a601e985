#pragma once
// Resume from Kafka itself: a subscriber whose Last-Event-ID is older than the channel's
// history gets the events between its id and the history from the topic, read by a
// short-lived consumer assigned to exactly those offsets. One fetch at a time per source,
// on its own thread, so a reconnect storm cannot open a consumer per subscriber at once.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bridges/kafka/kafka_feed.h"
#include "gateway/channel.h"

namespace ssegw::kafka {

struct ResumeLimits {
  std::chrono::milliseconds timeout{15000};  // per fetch
  size_t max_events = 100000;                // per fetch
};

class KafkaResumeProvider : public ResumeProvider {
 public:
  KafkaResumeProvider(const KafkaFeed& feed, ResumeLimits limits);
  ~KafkaResumeProvider() override;

  void start();
  void stop();

  bool understands(std::string_view last_event_id) const override;
  void fetch(std::string after_id, std::string before_id, std::string through_id,
             std::function<void(bool ok, std::vector<Event> events)> done) override;

  // True when the subscriber holding last_event_id has already seen the frame with frame_id:
  // ids that are not byte-equal may still name the same events (another gateway's
  // interleaving of the partitions), so the worker should drop covered frames from the
  // history replay and from the live stream rather than send them twice.
  bool covers(std::string_view last_event_id, std::string_view frame_id) const override;

  // The work of one fetch, on the calling thread (public for tests).
  bool fetch_now(const std::string& after_id, const std::string& before_id,
                 const std::string& through_id, std::vector<Event>& events);

 private:
  struct Job {
    std::string after_id, before_id, through_id;
    std::function<void(bool, std::vector<Event>)> done;
  };
  void run();

  const KafkaFeed& feed_;
  const ResumeLimits limits_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ssegw::kafka
