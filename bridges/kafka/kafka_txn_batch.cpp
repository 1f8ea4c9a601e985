#include "bridges/kafka/kafka_txn_batch.h"

#include <algorithm>
#include <map>

namespace ssegw::kafka {

size_t TxnBatch::fill(std::deque<FrameRef>& queue, const BatchLimits& limits, uint64_t& next_seq,
                      Clock::time_point now) {
  size_t taken = 0;
  while (!queue.empty() && items_.size() < limits.max_events) {
    if (items_.empty()) opened_ = now;
    items_.push_back({std::move(queue.front()), next_seq++});
    queue.pop_front();
    ++taken;
  }
  return taken;
}

bool TxnBatch::ready(const BatchLimits& limits, Clock::time_point now) const {
  if (items_.empty()) return false;
  return items_.size() >= limits.max_events || now >= deadline(limits);
}

std::vector<std::pair<std::string, ResumeRecord>> TxnBatch::resume_records(
    const std::string& topic) const {
  std::map<std::string, const Event*> last;  // source -> its last event in the batch
  for (const Item& item : items_) {
    const Event& event = item.frame->event();
    if (!event.source.empty()) last[event.source] = &event;
  }
  std::vector<std::pair<std::string, ResumeRecord>> records;
  for (const auto& [source, event] : last) {
    records.emplace_back(source, ResumeRecord{topic, last_seq(), delivered_id(*event)});
  }
  return records;
}

size_t TxnBatch::drop_committed(uint64_t committed_seq) {
  const auto covered = std::find_if(items_.begin(), items_.end(),
                                    [&](const Item& item) { return item.seq > committed_seq; });
  const size_t dropped = static_cast<size_t>(covered - items_.begin());
  items_.erase(items_.begin(), covered);
  return dropped;
}

}  // namespace ssegw::kafka
