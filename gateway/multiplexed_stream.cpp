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
  return legs.insert(at, std::move(leg))->get();
}

void MultiplexedStream::remove_leg(MuxLeg* leg) {
  std::erase_if(parked, [leg](const auto& p) { return p.first == leg; });
  std::erase_if(legs, [leg](const auto& l) { return l.get() == leg; });
}

std::string MultiplexedStream::id_line() const {
  size_t size = 7;
  for (const auto& leg : legs) size += leg->entry.size();
  std::string line;
  line.reserve(size);
  line += "id: m1";
  for (const auto& leg : legs) line += leg->entry;
  line.push_back('\n');
  return line;
}

}  // namespace ssegw
