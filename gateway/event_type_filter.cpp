#include "event_type_filter.h"

#include <algorithm>

#include "sse_framer.h"

namespace ssegw {

std::optional<EventTypeFilter> EventTypeFilter::parse(std::string_view list) {
  EventTypeFilter filter;
  while (true) {
    const size_t comma = list.find(',');
    const std::string_view type = list.substr(0, comma);
    if (type.empty() || type.size() > kMaxTypeBytes || !is_valid_field_value(type) ||
        filter.types_.size() == kMaxTypes) {
      return std::nullopt;
    }
    filter.types_.emplace_back(type);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  std::sort(filter.types_.begin(), filter.types_.end());
  filter.types_.erase(std::unique(filter.types_.begin(), filter.types_.end()), filter.types_.end());
  return filter;
}

bool EventTypeFilter::wants(std::string_view type) const {
  if (type.empty()) type = "message";
  return std::binary_search(types_.begin(), types_.end(), type);
}

}  // namespace ssegw
