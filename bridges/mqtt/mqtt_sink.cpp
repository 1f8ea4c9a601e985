#include "bridges/mqtt/mqtt_sink.h"

#include <chrono>

#include "gateway/log.h"

namespace ssegw::mqtt {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

MqttSink::MqttSink(MqttSinkConfig config, std::shared_ptr<Channel> channel)
    : config_(std::move(config)),
      channel_(std::move(channel)),
      hard_limit_(config_.max_queue * 4 + 1000) {
  link_ = std::make_unique<MqttLink>(config_.name, config_.connection, board_);
}

MqttSink::~MqttSink() {
  stop();
}

void MqttSink::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    tapped_ = true;
  }
  channel_->add_tap(this);
  thread_ = std::thread([this] { run(); });
}

void MqttSink::stop() {
  if (stopped_.exchange(true)) return;
  bool was_tapped = false;
  {
    std::lock_guard lock(mu_);
    was_tapped = std::exchange(tapped_, false);
  }
  if (was_tapped) channel_->remove_tap(this);
  if (thread_.joinable()) {
    drain_deadline_ms_.store(now_ms() + config_.drain_timeout_ms);
    stopping_.store(true);
    cv_.notify_all();
    // A connected sink drains on its own; one waiting for the broker is told to give up.
    while (!finished_.load() && now_ms() < drain_deadline_ms_.load() && link_->connected()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    link_->request_stop();
    cv_.notify_all();
    thread_.join();
  }
  link_->disconnect();
  std::lock_guard lock(mu_);
  if (holding_) {
    channel_->release_hold();
    holding_ = false;
  }
  if (!queue_.empty()) {
    log_warn("mqtt sink stopped with events the broker did not acknowledge",
             {{"bridge", config_.name}, {"undelivered", std::to_string(queue_.size())}});
  }
  board_.set_state(BridgeState::kStopped, "stopped");
}

BridgeStatus MqttSink::status() const {
  BridgeStatus s = board_.snapshot();
  s.events_out = acked_.load(std::memory_order_relaxed);
  s.failed = failed_.load(std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  s.events_in = frames_seen_;
  s.gauges["queue_depth"] = static_cast<double>(queue_.size());
  s.gauges["inflight"] = static_cast<double>(inflight_.load(std::memory_order_relaxed));
  s.gauges["holding"] = holding_ ? 1 : 0;
  s.gauges["overflow_dropped"] = static_cast<double>(overflow_dropped_);
  s.gauges["connected"] = s.state == BridgeState::kStreaming ? 1 : 0;
  return s;
}

void MqttSink::on_frame(const FrameRef& frame) {
  // Runs under the channel lock on the publisher's thread: enqueue and return.
  {
    std::lock_guard lock(mu_);
    ++frames_seen_;
    if (queue_.size() >= hard_limit_) {
      // Sources stop at the hold; only producers that ignore it (HTTP publishers) get here.
      ++overflow_dropped_;
      const int64_t now = now_ms();
      if (now - last_overflow_log_ms_ >= 10000) {
        last_overflow_log_ms_ = now;
        log_error("mqtt sink queue full, event dropped",
                  {{"bridge", config_.name},
                   {"channel", channel_->path()},
                   {"queued", std::to_string(queue_.size())},
                   {"dropped_total", std::to_string(overflow_dropped_)}});
      }
      return;
    }
    queue_.push_back(frame);
    if (!holding_ && queue_.size() >= config_.max_queue) {
      holding_ = true;
      channel_->hold();
    }
  }
  cv_.notify_one();
}

void MqttSink::run() {
  while (!link_->stop_requested()) {
    if (stopping_.load() && !link_->connected() && drain_over()) break;
    bool session_present = false;
    if (!link_->connect(&session_present)) break;
    board_.set_state(BridgeState::kStreaming, "connected to " + config_.connection.broker);
    deliver();
    if (stopping_.load() && drain_over()) break;
  }
  finished_.store(true);
}

bool MqttSink::drain_over() {
  std::lock_guard lock(mu_);
  return queue_.empty() || now_ms() >= drain_deadline_ms_.load();
}

void MqttSink::acknowledged() {
  acked_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  queue_.pop_front();
  if (holding_ && queue_.size() <= config_.max_queue / 2) {
    holding_ = false;
    channel_->release_hold();
  }
}

bool MqttSink::publish_next(std::deque<std::pair<::mqtt::delivery_token_ptr, int64_t>>& inflight) {
  FrameRef next;
  {
    std::lock_guard lock(mu_);
    if (inflight.size() >= config_.max_inflight || inflight.size() >= queue_.size()) return false;
    next = queue_[inflight.size()];
  }
  const Event& event = next->event();
  ::mqtt::delivery_token_ptr token;
  try {
    token = link_->client().publish(config_.topic.render(event.type), event.data.data(),
                                    event.data.size(), config_.qos, config_.retain);
  } catch (const ::mqtt::exception& e) {
    // The library's own command queue is full: wait for acknowledgements, like a full window.
    if (e.get_return_code() == MQTTASYNC_MAX_BUFFERED_MESSAGES && !inflight.empty()) return false;
    throw;
  }
  inflight.emplace_back(std::move(token), now_ms());
  inflight_.store(inflight.size(), std::memory_order_relaxed);
  return true;
}

void MqttSink::deliver() {
  std::deque<std::pair<::mqtt::delivery_token_ptr, int64_t>> inflight;
  auto give_up = [&](const std::string& reason) {
    failed_.fetch_add(inflight.empty() ? 1 : inflight.size(), std::memory_order_relaxed);
    inflight_.store(0, std::memory_order_relaxed);
    board_.set_state(BridgeState::kBackingOff, reason);
    link_->drop(reason);
  };
  try {
    while (link_->connected() && !link_->stop_requested()) {
      if (stopping_.load() && drain_over()) return;
      if (publish_next(inflight)) continue;
      if (inflight.empty()) {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, std::chrono::milliseconds(100),
                     [&] { return !queue_.empty() || stopping_.load(); });
        continue;
      }
      if (inflight.front().first->wait_for(std::chrono::milliseconds(50))) {
        inflight.pop_front();
        inflight_.store(inflight.size(), std::memory_order_relaxed);
        acknowledged();
      } else if (now_ms() - inflight.front().second > config_.ack_timeout_ms) {
        give_up("no acknowledgement within ack_timeout");
        return;
      }
    }
    // The connection went away: whatever is in flight is published again after reconnect.
    if (!inflight.empty()) failed_.fetch_add(inflight.size(), std::memory_order_relaxed);
    inflight_.store(0, std::memory_order_relaxed);
  } catch (const ::mqtt::exception& e) {
    give_up("publish failed: " + describe_mqtt_error(e));
  }
}

}  // namespace ssegw::mqtt
