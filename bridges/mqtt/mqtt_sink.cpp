#include "bridges/mqtt/mqtt_sink.h"

#include <chrono>

#include "gateway/clock.h"
#include "gateway/log.h"

namespace ssegw::mqtt {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

MqttSink::MqttSink(MqttSinkConfig config, std::shared_ptr<Channel> channel, std::string spool_dir)
    : config_(std::move(config)),
      channel_(std::move(channel)),
      spool_dir_(config_.spool_bytes > 0 ? std::move(spool_dir) : std::string()) {
  link_ = std::make_unique<MqttLink>(config_.name, config_.connection, board_);
}

// A spool that cannot be opened leaves the sink as it was before spools: it holds the
// channel at max_queue, so nothing is lost, only the sources pause sooner.
std::unique_ptr<SinkSpool> MqttSink::open_spool() const {
  if (spool_dir_.empty()) return nullptr;
  std::string error;
  std::unique_ptr<SinkSpool> spool =
      SinkSpool::open({spool_dir_, static_cast<uint64_t>(config_.spool_bytes), 0}, error);
  if (!spool) {
    log_error("mqtt sink spool unavailable; the channel is held at max_queue instead",
              {{"bridge", config_.name}, {"error", error}});
  }
  return spool;
}

void MqttSink::close_spool() {
  flusher_.reset();  // before the spool it syncs
  std::lock_guard lock(mu_);
  const size_t lost = backlog_->settle_for_stop(wall_ms());
  if (lost > 0) {
    log_warn("mqtt sink stopped with events the broker did not acknowledge",
             {{"bridge", config_.name}, {"undelivered", std::to_string(lost)}});
  }
  if (const SinkSpool* spool = backlog_->spool(); spool && !spool->empty()) {
    log_info("mqtt sink spool kept for the next start",
             {{"bridge", config_.name}, {"events", std::to_string(spool->records())}});
  }
  backlog_->close_spool();
}

MqttSink::~MqttSink() {
  stop();
}

void MqttSink::start() {
  if (thread_.joinable()) return;
  std::unique_ptr<SinkSpool> spool = open_spool();
  if (spool) flusher_ = std::make_unique<SpoolFlusher>(*spool);
  {
    std::lock_guard lock(mu_);
    backlog_ = std::make_unique<SinkBacklog>(
        SinkBacklogLimits{config_.max_queue, config_.max_queue * 4 + 1000,
                          static_cast<uint64_t>(config_.spool_bytes)},
        std::move(spool));
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
  if (backlog_) close_spool();
  std::lock_guard lock(mu_);
  if (holding_) {
    channel_->release_hold();
    holding_ = false;
  }
  board_.set_state(BridgeState::kStopped, "stopped");
}

BridgeStatus MqttSink::status() const {
  BridgeStatus s = board_.snapshot();
  s.events_out = acked_.load(std::memory_order_relaxed);
  s.failed = failed_.load(std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  s.events_in = frames_seen_;
  if (backlog_) {
    s.gauges["queue_depth"] = static_cast<double>(backlog_->queued() + backlog_->waiting());
    backlog_->add_spool_gauges(s.gauges, wall_ms());
  }
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
    const SinkBacklog::Taken taken = backlog_->take(frame, broker_up(), wall_ms());
    if (taken == SinkBacklog::Taken::kDropped) {
      // Sources stop at the hold; only frames already on their way when it began get here.
      ++overflow_dropped_;
      const int64_t now = now_ms();
      if (now - last_overflow_log_ms_ >= 10000) {
        last_overflow_log_ms_ = now;
        log_error("mqtt sink queue full, event dropped",
                  {{"bridge", config_.name},
                   {"channel", channel_->path()},
                   {"queued", std::to_string(backlog_->queued() + backlog_->waiting())},
                   {"dropped_total", std::to_string(overflow_dropped_)}});
      }
      return;
    }
    update_hold_locked();
  }
  cv_.notify_one();
}

// The link counts as connected while a connection attempt is under way; for where an event
// goes, only a connection this sink has started publishing on counts.
bool MqttSink::broker_up() const {
  return link_->connected() && board_.state() == BridgeState::kStreaming;
}

void MqttSink::update_hold_locked() {
  const bool hold = backlog_->should_hold(holding_);
  if (hold == holding_) return;
  holding_ = hold;
  if (hold) {
    channel_->hold();
  } else {
    channel_->release_hold();
  }
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
  // The spool outlives the process: only the memory queue needs draining at stop.
  return backlog_->queued() == 0 || now_ms() >= drain_deadline_ms_.load();
}

void MqttSink::acknowledged() {
  acked_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  backlog_->delivered(wall_ms());
  update_hold_locked();
}

bool MqttSink::publish_next(std::deque<std::pair<::mqtt::delivery_token_ptr, int64_t>>& inflight) {
  const Event* next = nullptr;
  {
    std::lock_guard lock(mu_);
    if (inflight.size() >= config_.max_inflight) return false;
    next = backlog_->at(inflight.size());
    if (!next && inflight.empty() && backlog_->skip_unreadable()) {
      failed_.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    if (!next) return false;
  }
  // Only this thread removes events from the backlog, so `next` stays valid unlocked.
  const Event& event = *next;
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
        cv_.wait_for(lock, std::chrono::milliseconds(100), [&] {
          return backlog_->queued() > 0 || backlog_->has_unread_spool() || stopping_.load();
        });
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
