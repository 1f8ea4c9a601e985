#include "bench/latency_histogram.h"

#include <bit>
#include <sstream>

namespace ssegw::bench {

namespace {
constexpr uint64_t kSubCount = uint64_t{1} << LatencyHistogram::kSubBits;
}

int LatencyHistogram::bucket_of(uint64_t us) {
  if (us < kSubCount) return static_cast<int>(us);
  const int exponent = 63 - std::countl_zero(us);  // >= kSubBits
  const int shift = exponent - kSubBits;
  const uint64_t mantissa = (us >> shift) & (kSubCount - 1);
  return static_cast<int>(kSubCount + static_cast<uint64_t>(shift) * kSubCount + mantissa);
}

uint64_t LatencyHistogram::bucket_low(int bucket) {
  const auto b = static_cast<uint64_t>(bucket);
  if (b < kSubCount) return b;
  const uint64_t shift = (b - kSubCount) / kSubCount;
  const uint64_t mantissa = (b - kSubCount) % kSubCount;
  return (kSubCount + mantissa) << shift;
}

uint64_t LatencyHistogram::bucket_high(int bucket) {
  const auto b = static_cast<uint64_t>(bucket);
  if (b < kSubCount) return b + 1;
  const uint64_t shift = (b - kSubCount) / kSubCount;
  return bucket_low(bucket) + (uint64_t{1} << shift);
}

void LatencyHistogram::record(uint64_t us) {
  ++counts_[static_cast<size_t>(bucket_of(us))];
  ++count_;
  if (us > max_) max_ = us;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  if (other.max_ > max_) max_ = other.max_;
}

uint64_t LatencyHistogram::percentile(double q) const {
  if (count_ == 0) return 0;
  if (q >= 1.0) return max_;
  const auto rank = static_cast<uint64_t>(q * static_cast<double>(count_));
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[static_cast<size_t>(i)];
    if (seen > rank) {
      const uint64_t high = bucket_high(i) - 1;
      return high < max_ ? high : max_;
    }
  }
  return max_;
}

std::string LatencyHistogram::percentiles_json() const {
  std::ostringstream out;
  out << "{\"p50\":" << percentile(0.5) << ",\"p90\":" << percentile(0.9)
      << ",\"p99\":" << percentile(0.99) << ",\"p999\":" << percentile(0.999) << ",\"max\":" << max_
      << ",\"count\":" << count_ << "}";
  return out.str();
}

std::string LatencyHistogram::buckets_json() const {
  std::ostringstream out;
  out << "[";
  bool first = true;
  for (int i = 0; i < kBuckets; ++i) {
    const uint64_t c = counts_[static_cast<size_t>(i)];
    if (c == 0) continue;
    out << (first ? "" : ",") << "[" << bucket_low(i) << "," << bucket_high(i) << "," << c << "]";
    first = false;
  }
  out << "]";
  return out.str();
}

}  // namespace ssegw::bench
