#include "composite_id.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace ssegw {
namespace {

constexpr std::string_view kDigits =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int digit_value(char c) {
  const size_t at = kDigits.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

std::optional<uint64_t> parse_decimal(std::string_view text) {
  if (text.empty() || text.size() > 20 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

void append_base64_digits(std::string& out, uint64_t value) {
  char digits[11];
  size_t n = 0;
  do {
    digits[n++] = kDigits[value & 63];
    value >>= 6;
  } while (value != 0);
  while (n > 0) out.push_back(digits[--n]);
}

// Canonical only (no leading zero digit), so that one id has one spelling.
std::optional<std::string> decimal_from_digits(std::string_view digits) {
  if (digits.empty() || digits.size() > 11 || (digits.size() > 1 && digits[0] == 'A'))
    return std::nullopt;
  uint64_t value = 0;
  for (char c : digits) {
    const int v = digit_value(c);
    if (v < 0 || value > (UINT64_MAX >> 6)) return std::nullopt;
    value = value << 6 | static_cast<uint64_t>(v);
  }
  return std::to_string(value);
}

// What an id given by a channel may hold to travel inside a composite: printable ASCII other
// than the entry separator.
bool fits_in_entry(std::string_view id) {
  return std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c < 127 && c != '!'; });
}

bool valid_key(std::string_view key) {
  return key.size() == CompositeId::kKeyChars &&
         std::all_of(key.begin(), key.end(), [](char c) { return digit_value(c) >= 0; });
}

std::optional<std::string> decode_value(std::string_view value) {
  if (value.size() < 2) return std::nullopt;
  if (value[0] == 'n') return decimal_from_digits(value.substr(1));
  if (value[0] != 's' || !fits_in_entry(value.substr(1))) return std::nullopt;
  // A decimal id is always written as "n": an "s" one that is decimal is not canonical.
  if (parse_decimal(value.substr(1))) return std::nullopt;
  return std::string(value.substr(1));
}

}  // namespace

std::string CompositeId::key_for(std::string_view channel_path) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : channel_path) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  std::string key;
  for (size_t i = 0; i < kKeyChars; ++i) key.push_back(kDigits[(hash >> (6 * i)) & 63]);
  return key;
}

std::optional<CompositeId> CompositeId::parse(std::string_view text) {
  if (!looks_composite(text) || text.size() > kMaxText) return std::nullopt;
  CompositeId id;
  std::string_view rest = text.substr(2);
  while (!rest.empty()) {
    if (rest[0] != '!' || id.entries_.size() == kMaxEntries) return std::nullopt;
    rest.remove_prefix(1);
    const size_t end = std::min(rest.find('!'), rest.size());
    const std::string_view entry = rest.substr(0, end);
    rest.remove_prefix(end);
    if (entry.size() < kKeyChars || !valid_key(entry.substr(0, kKeyChars))) return std::nullopt;
    std::optional<std::string> value = decode_value(entry.substr(kKeyChars));
    if (!value) return std::nullopt;
    const std::string_view key = entry.substr(0, kKeyChars);
    // Sorted and unique, as encode() writes them: anything else was not made by a gateway.
    if (!id.entries_.empty() && id.entries_.back().first >= key) return std::nullopt;
    id.entries_.emplace_back(std::string(key), std::move(*value));
  }
  return id;
}

void CompositeId::set(std::string_view key, std::string_view value) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key,
                             [](const auto& entry, std::string_view k) { return entry.first < k; });
  const bool found = it != entries_.end() && it->first == key;
  if (value.empty()) {
    if (found) entries_.erase(it);
    return;
  }
  if (found) {
    it->second.assign(value);
  } else {
    entries_.emplace(it, std::string(key), std::string(value));
  }
}

std::optional<std::string_view> CompositeId::find(std::string_view key) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key,
                             [](const auto& entry, std::string_view k) { return entry.first < k; });
  if (it == entries_.end() || it->first != key) return std::nullopt;
  return it->second;
}

std::string CompositeId::encode_entry(std::string_view key, std::string_view id) {
  std::string out;
  write_entry(out, key, id);
  return out;
}

void CompositeId::write_entry(std::string& out, std::string_view key, std::string_view id) {
  out.clear();
  if (id.empty()) return;
  out.push_back('!');
  out += key;
  if (std::optional<uint64_t> decimal = parse_decimal(id)) {
    out.push_back('n');
    append_base64_digits(out, *decimal);
  } else if (fits_in_entry(id)) {
    out.push_back('s');
    out += id;
  } else {
    // An id that cannot travel (a channel never issues one: ids are checked free of CR, LF
    // and NUL, and our own are decimal or Kafka positions) leaves its channel unmentioned,
    // which resumes it from the start of its history rather than from a wrong place.
    out.clear();
  }
}

std::string CompositeId::encode() const {
  std::string out = "m1";
  for (const auto& [key, value] : entries_) out += encode_entry(key, value);
  return out;
}

}  // namespace ssegw
