#pragma once
// `?events=a,b` on a subscription: only events of these types are sent. The stream's ids
// still advance past the others, so a resume from the last id sent stays exact.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssegw {

class EventTypeFilter {
 public:
  static constexpr size_t kMaxTypes = 64;
  static constexpr size_t kMaxTypeBytes = 256;

  // nullopt when the list is empty, names more than kMaxTypes types, or holds an empty
  // name, one longer than kMaxTypeBytes or one with CR, LF or NUL. "message" names the
  // events sent without a type, as EventSource does.
  static std::optional<EventTypeFilter> parse(std::string_view list);
  bool wants(std::string_view type) const;

 private:
  std::vector<std::string> types_;  // sorted
};

}  // namespace ssegw
