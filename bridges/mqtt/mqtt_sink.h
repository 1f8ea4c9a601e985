#pragma once
// A channel out to MQTT. The channel's tap only appends the frame to a queue (it runs on the
// publisher's thread under the channel lock); the sink's own thread publishes from the
// queue in order and removes an event only once the broker acknowledged it (QoS 1/2) or it
// was written (QoS 0). While the broker is away, or the queue is at max_queue, events go to
// the sink's spool on disk (sink_backlog.h, with spool_bytes > 0) and are published from it
// in order once the broker is back; only a full spool (or, without one, max_queue) holds
// the channel, which pauses the sources feeding it. After a reconnect every unacknowledged
// event is published again: delivery is at least once.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "bridges/common/sink_backlog.h"
#include "bridges/common/spool_flusher.h"
#include "bridges/mqtt/bridge_status_board.h"
#include "bridges/mqtt/mqtt_link.h"
#include "bridges/mqtt/mqtt_sink_config.h"
#include "gateway/bridge.h"

namespace ssegw::mqtt {

class MqttSink : public Bridge, private ChannelTap {
 public:
  // `spool_dir` empty: no spool, whatever config.spool_bytes says.
  MqttSink(MqttSinkConfig config, std::shared_ptr<Channel> channel, std::string spool_dir = "");
  ~MqttSink() override;

  const std::string& name() const override { return config_.name; }
  void start() override;
  void stop() override;
  BridgeStatus status() const override;

 private:
  void on_frame(const FrameRef& frame) override;
  void run();
  // Publishes while connected; returns when the connection is gone, an ack failed, or the
  // sink is stopping and has drained (or given up draining).
  void deliver();
  bool publish_next(std::deque<std::pair<::mqtt::delivery_token_ptr, int64_t>>& inflight);
  void acknowledged();
  bool drain_over();
  void update_hold_locked();
  bool broker_up() const;
  std::unique_ptr<SinkSpool> open_spool() const;
  void close_spool();

  const MqttSinkConfig config_;
  const std::shared_ptr<Channel> channel_;
  const std::string spool_dir_;
  StatusBoard board_;
  std::unique_ptr<MqttLink> link_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> finished_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<int64_t> drain_deadline_ms_{0};

  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Oldest first; the first `inflight` entries are published. Its spool lives as long as the
  // sink runs: stop() closes it so that a reloaded sink of the same name can open it.
  std::unique_ptr<SinkBacklog> backlog_;
  std::unique_ptr<SpoolFlusher> flusher_;
  bool holding_ = false;
  bool tapped_ = false;
  uint64_t frames_seen_ = 0;
  uint64_t overflow_dropped_ = 0;
  int64_t last_overflow_log_ms_ = 0;

  std::atomic<uint64_t> acked_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<size_t> inflight_{0};
};

}  // namespace ssegw::mqtt
