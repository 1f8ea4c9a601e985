#pragma once
// Log-linear latency histogram (16 sub-buckets per power of two, so about 6% resolution)
// that merges by adding counts: several load-client processes print their buckets and the
// runner sums them before taking percentiles.
#include <array>
#include <cstdint>
#include <string>

namespace ssegw::bench {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 4;
  static constexpr int kBuckets = (64 - kSubBits + 1) << kSubBits;

  void record(uint64_t us);
  void merge(const LatencyHistogram& other);
  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  // Upper bound of the bucket holding quantile q (0..1); the exact max for q >= 1.
  uint64_t percentile(double q) const;
  // {"p50":..,"p90":..,"p99":..,"p999":..,"max":..,"count":..}
  std::string percentiles_json() const;
  // [[low,high,count],...] for non-empty buckets; values in microseconds, high exclusive.
  std::string buckets_json() const;

  static int bucket_of(uint64_t us);
  static uint64_t bucket_low(int bucket);
  static uint64_t bucket_high(int bucket);

 private:
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t max_ = 0;
};

}  // namespace ssegw::bench
