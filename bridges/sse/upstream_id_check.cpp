#include "bridges/sse/upstream_id_check.h"

#include <algorithm>
#include <optional>

#include "gateway/start_position.h"

namespace ssegw::sse {
namespace {

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Decimal strings of any length compared as numbers: without leading zeros, the longer is
// larger, and equal lengths compare as text.
bool larger_number(std::string_view a, std::string_view b) {
  a.remove_prefix(std::min(a.find_first_not_of('0'), a.size()));
  b.remove_prefix(std::min(b.find_first_not_of('0'), b.size()));
  if (a.size() != b.size()) return a.size() > b.size();
  return a > b;
}

}  // namespace

std::string_view to_string(UpstreamIdVerdict verdict) {
  switch (verdict) {
    case UpstreamIdVerdict::kAccepted:
      return "accepted";
    case UpstreamIdVerdict::kMissing:
      return "missing";
    case UpstreamIdVerdict::kTooLong:
      return "too long";
    case UpstreamIdVerdict::kBadBytes:
      return "bytes outside printable ASCII, or '!'";
    case UpstreamIdVerdict::kStartPosition:
      return "reads as a start position (earliest, latest, a time) in ?lastEventId=";
    case UpstreamIdVerdict::kNotGrowing:
      return "not larger than the previous id";
    case UpstreamIdVerdict::kRepeated:
      return "repeats a recent id";
  }
  return "unknown";
}

UpstreamIdVerdict UpstreamIdCheck::form_of(std::string_view id) {
  if (id.empty()) return UpstreamIdVerdict::kMissing;
  if (id.size() > kMaxIdBytes) return UpstreamIdVerdict::kTooLong;
  const bool printable = std::all_of(id.begin(), id.end(), [](char c) {
    return c > ' ' && c < 127 && c != '!';  // char may be signed: non-ASCII is below ' '
  });
  if (!printable) return UpstreamIdVerdict::kBadBytes;
  const StartPosition start = start_position(nullptr, std::string(id));
  return start.kind == StartPosition::Kind::kId ? UpstreamIdVerdict::kAccepted
                                                : UpstreamIdVerdict::kStartPosition;
}

void UpstreamIdCheck::start_after(std::string_view id) {
  if (form_of(id) != UpstreamIdVerdict::kAccepted) return;
  previous_.assign(id);
  remember(id);
}

UpstreamIdVerdict UpstreamIdCheck::check(std::string_view id, bool had_id_field) {
  if (!had_id_field) return UpstreamIdVerdict::kMissing;
  const UpstreamIdVerdict form = form_of(id);
  if (form != UpstreamIdVerdict::kAccepted) return form;
  if (all_digits(previous_) && all_digits(id) && !larger_number(id, previous_)) {
    return UpstreamIdVerdict::kNotGrowing;
  }
  if (recent_.find(std::string(id)) != recent_.end()) return UpstreamIdVerdict::kRepeated;
  previous_.assign(id);
  remember(id);
  return UpstreamIdVerdict::kAccepted;
}

void UpstreamIdCheck::remember(std::string_view id) {
  auto [it, inserted] = recent_.emplace(id);
  if (!inserted) return;
  order_.push_back(&*it);
  if (order_.size() > kRecentIds) {
    recent_.erase(recent_.find(*order_.front()));
    order_.pop_front();
  }
}

}  // namespace ssegw::sse
