#pragma once
// Per-client-address limits shared by every worker: open connections per address and new
// connections per second per address (a token bucket that holds one second of the rate).
// IPv6 addresses are counted per /64 (IpAddress::limit_key). Thread-safe.
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "ip_address.h"

namespace ssegw {

struct IpLimits {
  int64_t connections_per_ip = 0;   // 0: off
  int64_t connect_rate_per_ip = 0;  // per second; 0: off
  bool any() const { return connections_per_ip > 0 || connect_rate_per_ip > 0; }
};

class IpLimiter;

// One admitted connection's place in its address's count, given back when it is destroyed.
class IpLease {
 public:
  IpLease() = default;
  IpLease(IpLimiter* limiter, const IpAddress& key) : limiter_(limiter), key_(key) {}
  IpLease(IpLease&& other) noexcept;
  IpLease& operator=(IpLease&& other) noexcept;
  IpLease(const IpLease&) = delete;
  IpLease& operator=(const IpLease&) = delete;
  ~IpLease() { reset(); }
  void reset();
  bool held() const { return limiter_ != nullptr; }

 private:
  IpLimiter* limiter_ = nullptr;
  IpAddress key_;
};

enum class LimitVerdict { kAdmitted, kTooManyConnections, kTooFast };

class IpLimiter {
 public:
  // Addresses tracked at most; past it (after dropping idle entries) new addresses are let
  // through uncounted rather than refused, so a spray of addresses cannot lock out clients.
  static constexpr size_t kMaxTracked = 1 << 18;

  struct Admission {
    LimitVerdict verdict = LimitVerdict::kAdmitted;
    IpLease lease;  // held when admitted under a connection limit
  };
  // Counts a new connection from `address` under `limits`; a refused one is not counted.
  Admission admit(const IpAddress& address, const IpLimits& limits, int64_t now_ms);
  size_t tracked() const;
  uint64_t untracked() const;

 private:
  friend class IpLease;
  struct Entry {
    int64_t open = 0;
    double tokens = 0;  // connects left in the bucket at refill_ms
    int64_t refill_ms = 0;
  };
  struct KeyHash {
    size_t operator()(const IpAddress& a) const;
  };
  void release(const IpAddress& key);
  bool take_token(Entry& entry, int64_t rate, int64_t now_ms) const;
  void sweep(int64_t now_ms, int64_t rate);

  mutable std::mutex mu_;
  std::unordered_map<IpAddress, Entry, KeyHash> entries_;
  int64_t swept_ms_ = 0;
  uint64_t untracked_ = 0;
};

}  // namespace ssegw
