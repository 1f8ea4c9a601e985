#include "bridges/kafka/kafka_position.h"

#include <charconv>
#include <limits>

namespace ssegw::kafka {
namespace {

template <typename T>
bool parse_number(std::string_view text, T& out) {
  if (text.empty() || text.size() > 19) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::optional<PartitionKey> parse_key(std::string_view text) {
  PartitionKey key;
  size_t dot = text.find('.');
  if (dot == std::string_view::npos) {
    if (!parse_number(text, key.partition)) return std::nullopt;
    return key;
  }
  if (!parse_number(text.substr(0, dot), key.topic)) return std::nullopt;
  if (!parse_number(text.substr(dot + 1), key.partition)) return std::nullopt;
  return key;
}

int64_t offset_in(const Cut& cut, PartitionKey key) {
  auto it = cut.find(key);
  return it == cut.end() ? 0 : it->second;
}

}  // namespace

std::string encode_key(PartitionKey key) {
  if (key.topic == 0) return std::to_string(key.partition);
  return std::to_string(key.topic) + "." + std::to_string(key.partition);
}

std::string encode_cut(const Cut& cut) {
  std::string out;
  for (const auto& [key, offset] : cut) {
    if (!out.empty()) out += ',';
    out += encode_key(key);
    out += ':';
    out += std::to_string(offset);
  }
  return out;
}

std::string encode_position(const Position& position) {
  return encode_key(position.own) + "@" + encode_cut(position.cut);
}

std::optional<Position> decode_position(std::string_view text) {
  size_t at = text.find('@');
  if (at == std::string_view::npos) return std::nullopt;
  Position position;
  auto own = parse_key(text.substr(0, at));
  if (!own) return std::nullopt;
  position.own = *own;
  std::string_view rest = text.substr(at + 1);
  if (rest.empty()) return std::nullopt;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view entry = rest.substr(0, comma);
    size_t colon = entry.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto key = parse_key(entry.substr(0, colon));
    int64_t offset = 0;
    if (!key || !parse_number(entry.substr(colon + 1), offset)) return std::nullopt;
    if (!position.cut.emplace(*key, offset).second) return std::nullopt;  // duplicate key
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  // The event's own partition must be part of the cut and past at least that event.
  if (offset_in(position.cut, position.own) < 1) return std::nullopt;
  return position;
}

CutOrder compare_cuts(const Cut& a, const Cut& b) {
  bool a_ahead = false;
  bool b_ahead = false;
  auto visit = [&](PartitionKey key) {
    int64_t x = offset_in(a, key);
    int64_t y = offset_in(b, key);
    if (x > y) a_ahead = true;
    if (y > x) b_ahead = true;
  };
  for (const auto& entry : a) visit(entry.first);
  for (const auto& entry : b) visit(entry.first);
  if (a_ahead && b_ahead) return CutOrder::kConcurrent;
  if (a_ahead) return CutOrder::kAfter;
  if (b_ahead) return CutOrder::kBefore;
  return CutOrder::kSame;
}

bool covered_by(const Cut& a, const Cut& b) {
  CutOrder order = compare_cuts(a, b);
  return order == CutOrder::kBefore || order == CutOrder::kSame;
}

bool has_seen(const Position& seen, const Position& event) {
  return offset_in(seen.cut, event.own) >= offset_in(event.cut, event.own);
}

Cut cut_before_event(const Position& position) {
  Cut cut = position.cut;
  auto it = cut.find(position.own);
  if (it != cut.end() && it->second > 0) --it->second;
  return cut;
}

}  // namespace ssegw::kafka
