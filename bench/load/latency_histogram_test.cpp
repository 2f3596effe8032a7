#include "latency_histogram.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace confab::bench {
namespace {

TEST(LatencyHistogram, EmptyReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.Quantile(0.5), 0);
  EXPECT_EQ(h.max(), 0);
}

TEST(LatencyHistogram, QuantilesWithinBucketPrecisionOfExactOnes) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(11.0, 1.5);  // ~60 us median, long tail
  std::vector<int64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 100000; ++i) {
    auto v = static_cast<int64_t>(dist(rng));
    values.push_back(v);
    h.Record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    int64_t exact = values[static_cast<size_t>(q * values.size()) - 1];
    int64_t got = h.Quantile(q);
    EXPECT_GE(got, exact) << q;
    EXPECT_LE(got, exact + exact / 32 + 1) << q;  // 64 sub-buckets: < 1/64 relative width
  }
  EXPECT_EQ(h.max(), values.back());
  EXPECT_EQ(h.Quantile(1.0), values.back());
}

TEST(LatencyHistogram, MergeAddsCountsAndKeepsMax) {
  LatencyHistogram a, b;
  for (int i = 1; i <= 10; ++i) a.Record(i * 1000);
  b.Record(5'000'000);
  a.Merge(b);
  EXPECT_EQ(a.count(), 11u);
  EXPECT_EQ(a.max(), 5'000'000);
  EXPECT_EQ(a.Quantile(1.0), 5'000'000);
  EXPECT_LE(a.Quantile(0.5), 6100);
}

TEST(LatencyHistogram, NegativeValuesCountAsZero) {
  LatencyHistogram h;
  h.Record(-5);
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.Quantile(0.5), 0);
}

}  // namespace
}  // namespace confab::bench
