#pragma once
// Counts the frames a hostile HTTP/2 peer floods with, per one-second window: streams it
// resets (the rapid-reset attack, CVE-2023-44487), PINGs, SETTINGS and frames that carry
// nothing. Each costs the gateway work and the peer almost none; beyond its budget the
// connection ends with GOAWAY ENHANCE_YOUR_CALM.
#include <cstdint>
#include <string_view>

namespace ssegw {

class Http2FloodGuard {
 public:
  enum Kind { kReset, kPing, kSettings, kEmpty, kKinds };

  // False once `kind` is over its budget in the current window.
  bool allow(Kind kind, int64_t now_ms) {
    if (now_ms - window_start_ms_ >= 1000) {
      window_start_ms_ = now_ms;
      for (uint32_t& c : counts_) c = 0;
    }
    return ++counts_[kind] <= kBudget[kind];
  }
  static std::string_view reason(Kind kind) {
    constexpr std::string_view kNames[] = {"rapid_reset", "ping_flood", "settings_flood",
                                           "empty_frames"};
    return kNames[kind];
  }

 private:
  // Generous for browsers (a page that navigates cancels tens of streams) and far below
  // what a flood needs to hurt.
  static constexpr uint32_t kBudget[kKinds] = {200, 50, 50, 200};
  int64_t window_start_ms_ = 0;
  uint32_t counts_[kKinds] = {};
};

}  // namespace ssegw
