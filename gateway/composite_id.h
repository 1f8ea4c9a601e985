#pragma once
// The Last-Event-ID of a subscription to several channels: every channel's last id in one
// ASCII token, so that a reconnect (to this gateway or another on the same Kafka backbone)
// resumes each channel exactly where it was.
//
//   composite := "m1" entry*                    entries sorted by key, no key twice
//   entry     := "!" key value
//   key       := 8 base64url chars              48 bits of FNV-1a-64 of the channel path
//   value     := "n" base64url-digits           a decimal id up to 2^64-1, in base 64
//              | "s" id                         any other id (Kafka positions: digits @ : , .)
//
// A channel's decimal id (19 digits) takes 11 characters, so 100 channels of this gateway's
// own ids take at most 2 + 100 * 21 = 2,102 characters. Anything malformed parses to nullopt:
// the subscription is then resumed as from an unknown id, never trusted in part.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ssegw {

class CompositeId {
 public:
  static constexpr size_t kKeyChars = 8;
  static constexpr size_t kMaxEntries = 1000;
  static constexpr size_t kMaxText = 32 * 1024;

  static std::string key_for(std::string_view channel_path);
  static bool looks_composite(std::string_view text) { return text.substr(0, 2) == "m1"; }
  static std::optional<CompositeId> parse(std::string_view text);

  // The channel's last id; empty ids remove the entry.
  void set(std::string_view key, std::string_view id);
  std::optional<std::string_view> find(std::string_view key) const;
  size_t size() const { return entries_.size(); }
  std::string encode() const;
  // One entry as encode() writes it ("!" key value), or empty for an id that cannot travel.
  // A stream keeps each channel's entry and joins them per event (multiplexed_stream.h).
  static std::string encode_entry(std::string_view key, std::string_view id);
  // The same, written over `out` (its capacity kept: no allocation per event once warm).
  static void write_entry(std::string& out, std::string_view key, std::string_view id);

 private:
  std::vector<std::pair<std::string, std::string>> entries_;  // key -> id, sorted by key
};

}  // namespace ssegw
