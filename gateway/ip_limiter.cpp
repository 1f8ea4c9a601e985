#include "ip_limiter.h"

#include <algorithm>
#include <cstring>

namespace ssegw {
namespace {
constexpr int64_t kSweepIntervalMs = 1000;
}  // namespace

IpLease::IpLease(IpLease&& other) noexcept : limiter_(other.limiter_), key_(other.key_) {
  other.limiter_ = nullptr;
}

IpLease& IpLease::operator=(IpLease&& other) noexcept {
  if (this != &other) {
    reset();
    limiter_ = other.limiter_;
    key_ = other.key_;
    other.limiter_ = nullptr;
  }
  return *this;
}

void IpLease::reset() {
  if (limiter_ != nullptr) limiter_->release(key_);
  limiter_ = nullptr;
}

size_t IpLimiter::KeyHash::operator()(const IpAddress& a) const {
  uint64_t high = 0;
  uint64_t low = 0;
  std::memcpy(&high, a.bytes.data(), 8);
  std::memcpy(&low, a.bytes.data() + 8, 8);
  return std::hash<uint64_t>{}(high * 0x9e3779b97f4a7c15ULL ^ low);
}

bool IpLimiter::take_token(Entry& entry, int64_t rate, int64_t now_ms) const {
  const double capacity = static_cast<double>(rate);
  const double refilled =
      entry.tokens + static_cast<double>(now_ms - entry.refill_ms) * capacity / 1000.0;
  entry.tokens = std::min(capacity, refilled);
  entry.refill_ms = now_ms;
  if (entry.tokens < 1.0) return false;
  entry.tokens -= 1.0;
  return true;
}

// Entries with no open connection whose bucket has refilled say nothing a new entry would
// not: dropping them keeps the table as large as the set of active addresses.
void IpLimiter::sweep(int64_t now_ms, int64_t rate) {
  swept_ms_ = now_ms;
  for (auto it = entries_.begin(); it != entries_.end();) {
    const bool full =
        rate <= 0 || it->second.tokens + static_cast<double>(now_ms - it->second.refill_ms) *
                                             static_cast<double>(rate) / 1000.0 >=
                         static_cast<double>(rate);
    if (it->second.open == 0 && full) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

IpLimiter::Admission IpLimiter::admit(const IpAddress& address, const IpLimits& limits,
                                      int64_t now_ms) {
  Admission admission;
  if (!limits.any()) return admission;
  const IpAddress key = address.limit_key();
  std::lock_guard lock(mu_);
  if (now_ms - swept_ms_ >= kSweepIntervalMs || entries_.size() >= kMaxTracked)
    sweep(now_ms, limits.connect_rate_per_ip);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= kMaxTracked) {
      ++untracked_;
      return admission;
    }
    it = entries_.emplace(key, Entry{0, static_cast<double>(limits.connect_rate_per_ip), now_ms})
             .first;
  }
  Entry& entry = it->second;
  if (limits.connections_per_ip > 0 && entry.open >= limits.connections_per_ip) {
    admission.verdict = LimitVerdict::kTooManyConnections;
    return admission;
  }
  if (limits.connect_rate_per_ip > 0 && !take_token(entry, limits.connect_rate_per_ip, now_ms)) {
    admission.verdict = LimitVerdict::kTooFast;
    return admission;
  }
  ++entry.open;
  admission.lease = IpLease(this, key);
  return admission;
}

void IpLimiter::release(const IpAddress& key) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.open > 0) --it->second.open;
}

size_t IpLimiter::tracked() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

uint64_t IpLimiter::untracked() const {
  std::lock_guard lock(mu_);
  return untracked_;
}

}  // namespace ssegw
