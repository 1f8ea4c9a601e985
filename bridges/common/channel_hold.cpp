#include "bridges/common/channel_hold.h"

#include "gateway/log.h"

namespace ssegw {

ChannelHold::ChannelHold(std::shared_ptr<Channel> channel, size_t limit, std::string sink_name)
    : channel_(std::move(channel)), limit_(limit), sink_name_(std::move(sink_name)) {}

void ChannelHold::update(size_t undelivered) {
  if (!holding_ && undelivered > limit_) {
    set(true, undelivered);
  } else if (holding_ && undelivered <= limit_ / 2) {
    set(false, undelivered);
  }
}

void ChannelHold::set(bool hold, size_t undelivered) {
  if (pinned_ || hold == holding_) return;
  if (hold) {
    holding_ = true;
    channel_->hold();
    log_warn("sink queue full, pausing the channel's sources",
             {{"sink", sink_name_}, {"queued", std::to_string(undelivered)}});
  } else {
    release();
    log_info("sink queue drained, sources resume", {{"sink", sink_name_}});
  }
}

void ChannelHold::pin() {
  pinned_ = true;
  if (holding_) return;
  holding_ = true;
  channel_->hold();
}

void ChannelHold::release() {
  pinned_ = false;
  if (!holding_) return;
  holding_ = false;
  channel_->release_hold();
}

}  // namespace ssegw
