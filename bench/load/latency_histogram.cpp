#include "latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace confab::bench {

int LatencyHistogram::BucketOf(uint64_t v) {
  if (v < (1u << kSubBits)) return static_cast<int>(v);
  int e = 63 - __builtin_clzll(v);  // e >= kSubBits
  int sub = static_cast<int>((v >> (e - kSubBits)) & ((1 << kSubBits) - 1));
  return (e - kSubBits + 1) * (1 << kSubBits) + sub;
}

uint64_t LatencyHistogram::UpperEdge(int bucket) {
  if (bucket < (1 << kSubBits)) return static_cast<uint64_t>(bucket);
  int e = bucket / (1 << kSubBits) + kSubBits - 1;
  uint64_t sub = static_cast<uint64_t>(bucket % (1 << kSubBits));
  uint64_t lower = (uint64_t{1} << e) | (sub << (e - kSubBits));
  return lower + (uint64_t{1} << (e - kSubBits)) - 1;
}

void LatencyHistogram::Record(int64_t ns) {
  uint64_t v = ns < 0 ? 0 : static_cast<uint64_t>(ns);
  ++buckets_[BucketOf(v)];
  ++count_;
  sum_ += v;
  max_ = std::max<int64_t>(max_, static_cast<int64_t>(v));
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (int i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

int64_t LatencyHistogram::Quantile(double q) const {
  if (count_ == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * count_));
  rank = std::max<uint64_t>(rank, 1);
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::min<int64_t>(static_cast<int64_t>(UpperEdge(i)), max_);
  }
  return max_;
}

}  // namespace confab::bench
