#include "multiplexed_stream.h"

#include <algorithm>

#include "composite_id.h"

namespace ssegw {

void MultiplexedStreamDeleter::operator()(MultiplexedStream* mux) const {
  delete mux;
}

std::string Subscription::label() const {
  if (channel) return channel->path();
  return mux ? "multiplexed" : "";
}

MuxLeg* MultiplexedStream::find(const Channel* channel) const {
  for (const auto& leg : legs) {
    if (leg->sub.channel.get() == channel) return leg.get();
  }
  return nullptr;
}

MuxLeg* MultiplexedStream::add_leg(const std::string& path) {
  std::string key = CompositeId::key_for(path);
  auto at = std::lower_bound(legs.begin(), legs.end(), key,
                             [](const auto& leg, const std::string& k) { return leg->key < k; });
  if (at != legs.end() && (*at)->key == key) return nullptr;
  auto leg = std::make_unique<MuxLeg>();
  leg->key = std::move(key);
  joined_stale = true;
  return legs.insert(at, std::move(leg))->get();
}

void MultiplexedStream::remove_leg(MuxLeg* leg) {
  std::erase_if(parked, [leg](const auto& p) { return p.first == leg; });
  std::erase_if(legs, [leg](const auto& l) { return l.get() == leg; });
  joined_stale = true;
}

void MultiplexedStream::set_entry(MuxLeg& leg, std::string_view id) {
  const size_t before = leg.entry.size();
  CompositeId::write_entry(leg.entry, leg.key, id);
  if (!joined_stale && leg.entry.size() == before) {
    joined.replace(leg.at, before, leg.entry);
  } else {
    joined_stale = true;
  }
}

const std::string& MultiplexedStream::id_line() {
  if (!joined_stale) return joined;
  joined = "id: m1";
  for (const auto& leg : legs) {
    leg->at = joined.size();
    joined += leg->entry;
  }
  joined.push_back('\n');
  joined_stale = false;
  return joined;
}

void MultiplexedStream::push_id_line(OutputQueue& out) {
  const std::string& line = id_line();
  // A FrameRef hands out const frames because shared ones never change; this buffer is the
  // stream's own, and only this stream appends to it.
  Frame* buffer = const_cast<Frame*>(lines.get());
  if (buffer && buffer->unique()) buffer->restart();
  if (!buffer || buffer->room() < line.size()) {
    // Room for eight lines: a burst of events costs one allocation per eight deliveries.
    lines = FrameRef::adopt(Frame::make_buffer(std::max<size_t>(512, 8 * line.size())));
    buffer = const_cast<Frame*>(lines.get());
  }
  out.push_view(lines, buffer->append(line.data(), line.size()), line.size());
}

}  // namespace ssegw
