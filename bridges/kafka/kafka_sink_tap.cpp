#include "bridges/kafka/kafka_sink_tap.h"

namespace ssegw::kafka {

KafkaSinkTap::KafkaSinkTap(std::string name, std::shared_ptr<Channel> channel, size_t queue_limit)
    : name_(std::move(name)), channel_(std::move(channel)), inbox_(channel_, queue_limit, name_) {}

BridgeStatus KafkaSinkTap::status() const {
  std::lock_guard lock(mu_);
  return inbox_.snapshot();
}

bool KafkaSinkTap::ready() const {
  std::lock_guard lock(mu_);
  return inbox_.streaming();
}

void KafkaSinkTap::on_frame(const FrameRef& frame) {
  std::lock_guard lock(mu_);
  if (inbox_.push(frame)) cv_.notify_one();
}

void KafkaSinkTap::tap() {
  channel_->add_tap(this);
  tapped_ = true;
}

// Not under mu_: Channel::publish calls on_frame, which takes mu_, with the channel lock
// held, so taking the channel lock inside mu_ would be the opposite order.
void KafkaSinkTap::untap() {
  if (!tapped_) return;
  channel_->remove_tap(this);
  tapped_ = false;
}

void KafkaSinkTap::mark_stopped() {
  std::lock_guard lock(mu_);
  inbox_.hold.release();
  inbox_.status.state = BridgeState::kStopped;
}

}  // namespace ssegw::kafka
