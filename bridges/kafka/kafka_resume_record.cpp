#include "bridges/kafka/kafka_resume_record.h"

#include <charconv>

namespace ssegw::kafka {
namespace {

constexpr std::string_view kVersionLine = "ssegw-resume 1";

// The text up to the next line break, and `rest` moved past it; nullopt when none is left.
std::optional<std::string_view> take_line(std::string_view& rest) {
  const size_t end = rest.find('\n');
  if (end == std::string_view::npos) return std::nullopt;
  std::string_view line = rest.substr(0, end);
  rest.remove_prefix(end + 1);
  return line;
}

std::optional<uint64_t> parse_u64(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string encode_resume_value(const ResumeRecord& record) {
  std::string value(kVersionLine);
  value.append("\n").append(record.topic).append("\n");
  value.append(std::to_string(record.seq)).append("\n").append(record.origin_id);
  return value;
}

std::optional<ResumeRecord> decode_resume_value(std::string_view value) {
  std::string_view rest = value;
  auto version = take_line(rest);
  if (!version || *version != kVersionLine) return std::nullopt;
  auto topic = take_line(rest);
  auto seq_text = take_line(rest);
  if (!topic || topic->empty() || !seq_text) return std::nullopt;
  auto seq = parse_u64(*seq_text);
  // The id is the rest: an id never has a line break, so one here means a damaged value.
  if (!seq || rest.find('\n') != std::string_view::npos) return std::nullopt;
  return ResumeRecord{std::string(*topic), *seq, std::string(rest)};
}

CommittedResume choose_resume_points(const std::vector<StateEntry>& entries,
                                     const std::string& topic) {
  CommittedResume chosen;
  std::map<std::string, uint64_t> best_seq;
  for (const StateEntry& entry : entries) {
    auto record = decode_resume_value(entry.value);
    if (!record || record->topic != topic || entry.key.empty()) {
      ++chosen.ignored;
      continue;
    }
    chosen.max_seq = std::max(chosen.max_seq, record->seq);
    auto [at, fresh] = best_seq.try_emplace(entry.key, record->seq);
    if (!fresh && record->seq < at->second) continue;  // an older point, not yet compacted
    at->second = record->seq;
    chosen.last_origin_id[entry.key] = record->origin_id;
  }
  return chosen;
}

}  // namespace ssegw::kafka
