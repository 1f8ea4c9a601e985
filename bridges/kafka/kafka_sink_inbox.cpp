#include "bridges/kafka/kafka_sink_inbox.h"

namespace ssegw::kafka {

bool SinkInbox::push(const FrameRef& frame) {
  const bool wake = queue.empty();
  queue.push_back(frame);
  ++undelivered;
  status.events_in++;
  hold.update(undelivered);
  return wake;
}

void SinkInbox::delivered(size_t count) {
  undelivered -= count;
  status.events_out += count;
  hold.update(undelivered);
}

BridgeStatus SinkInbox::snapshot() const {
  BridgeStatus copy = status;
  copy.gauges["queue_depth"] = static_cast<double>(undelivered);
  copy.gauges["holding"] = hold.holding() ? 1 : 0;
  return copy;
}

}  // namespace ssegw::kafka
