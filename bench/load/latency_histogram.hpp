#pragma once
// LatencyHistogram: log-linear buckets over nanoseconds (64 sub-buckets per power of two, so a reported
// percentile is within ~1.6% of the true value), plus the exact maximum. Fixed size, no allocation on
// Record. Threading: not synchronised; one owner records, Merge after the owners have stopped.
#include <array>
#include <cstdint>

namespace confab::bench {

class LatencyHistogram {
 public:
  void Record(int64_t ns);
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  int64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0; }
  // The value at quantile q in [0, 1] (upper edge of its bucket, capped at max); 0 when empty.
  int64_t Quantile(double q) const;

 private:
  static constexpr int kSubBits = 6;
  static constexpr int kBuckets = (64 - kSubBits) * (1 << kSubBits) + (1 << kSubBits);
  static int BucketOf(uint64_t v);
  static uint64_t UpperEdge(int bucket);

  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  int64_t max_ = 0;
  __int128 sum_ = 0;
};

}  // namespace confab::bench
