#include "bridges/common/spooled_event.h"

#include <cstdint>

namespace ssegw {
namespace {

constexpr char kVersion = 1;

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void put_string(std::string& out, std::string_view s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

// Reads from the front of `in`, shrinking it; false when too short.
bool take_u32(std::string_view& in, uint32_t& v) {
  if (in.size() < 4) return false;
  v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  in.remove_prefix(4);
  return true;
}

bool take_string(std::string_view& in, std::string& s) {
  uint32_t n = 0;
  if (!take_u32(in, n) || in.size() < n) return false;
  s.assign(in.substr(0, n));
  in.remove_prefix(n);
  return true;
}

}  // namespace

std::string encode_spooled_event(const Event& event) {
  std::string out;
  out.reserve(1 + 4 * 6 + event.id.size() + event.type.size() + event.data.size() +
              event.origin_id.size() + event.source.size());
  out.push_back(kVersion);
  for (const std::string* s :
       {&event.id, &event.type, &event.data, &event.origin_id, &event.source})
    put_string(out, *s);
  put_u32(out, static_cast<uint32_t>(event.attributes.size()));
  for (const auto& [name, value] : event.attributes) {
    put_string(out, name);
    put_string(out, value);
  }
  return out;
}

std::optional<Event> decode_spooled_event(std::string_view in) {
  if (in.empty() || in[0] != kVersion) return std::nullopt;
  in.remove_prefix(1);
  Event e;
  for (std::string* s : {&e.id, &e.type, &e.data, &e.origin_id, &e.source})
    if (!take_string(in, *s)) return std::nullopt;
  uint32_t count = 0;
  // Each pair takes at least 8 bytes: a count beyond that is damage, not a reason to allocate.
  if (!take_u32(in, count) || count > in.size() / 8) return std::nullopt;
  e.attributes.resize(count);
  for (auto& [name, value] : e.attributes)
    if (!take_string(in, name) || !take_string(in, value)) return std::nullopt;
  if (!in.empty()) return std::nullopt;
  return e;
}

}  // namespace ssegw
