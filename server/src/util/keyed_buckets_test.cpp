#include "util/keyed_buckets.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace confab {
namespace {

using std::chrono::seconds;

TEST(KeyedBuckets, EachKeyHasItsOwnBucket) {
  const auto t0 = KeyedBuckets::Clock::now();
  KeyedBuckets q(2, 2.0 / 60, t0);  // 2 a minute
  EXPECT_TRUE(q.Take("10.0.0.1", t0).allowed);
  EXPECT_TRUE(q.Take("10.0.0.1", t0).allowed);
  const KeyedBuckets::Verdict no = q.Take("10.0.0.1", t0);
  EXPECT_FALSE(no.allowed);
  EXPECT_EQ(no.retry_after, seconds(30));  // one token back after 60 s / 2
  EXPECT_TRUE(q.Take("10.0.0.2", t0).allowed);
  EXPECT_TRUE(q.Take("", t0).allowed);  // unknown address: one key like any other
}

TEST(KeyedBuckets, RetryAfterCountsDownAndIsAtLeastOneSecond) {
  const auto t0 = KeyedBuckets::Clock::now();
  KeyedBuckets q(1, 1.0 / 60, t0);
  ASSERT_TRUE(q.Take("a", t0).allowed);
  EXPECT_EQ(q.Take("a", t0 + seconds(20)).retry_after, seconds(40));
  EXPECT_EQ(q.Take("a", t0 + std::chrono::milliseconds(59'900)).retry_after, seconds(1));
  EXPECT_TRUE(q.Take("a", t0 + seconds(60)).allowed);
}

TEST(KeyedBuckets, ForgetsKeysOnceTheirBucketHasRefilled) {
  const auto t0 = KeyedBuckets::Clock::now();
  KeyedBuckets q(30, 30.0 / 60, t0);  // refills completely in 60 s
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(q.Take("10.1." + std::to_string(i), t0).allowed);
  EXPECT_EQ(q.size(), 500u);
  // A minute later every one of them is full again: the next call sweeps them.
  ASSERT_TRUE(q.Take("10.2.0.1", t0 + seconds(61)).allowed);
  EXPECT_EQ(q.size(), 1u);
}

TEST(KeyedBuckets, ManyKeysWithinOnePeriodStayBounded) {
  // One token a key, refilled 2 s later: a spray of new keys (one action each, 1000 a second) leaves
  // only the keys of the last few seconds held, however long it goes on.
  const auto t0 = KeyedBuckets::Clock::now();
  KeyedBuckets q(1, 0.5, t0);
  size_t most = 0;
  for (int i = 0; i < 100'000; ++i) {
    ASSERT_TRUE(q.Take("k" + std::to_string(i), t0 + std::chrono::milliseconds(i)).allowed);
    most = std::max(most, q.size());
  }
  EXPECT_LE(most, 8'000u);  // ~2 s of keys (2,000), doubled before a sweep, plus slack
}

TEST(KeyedBuckets, ManyThreadsShareTheQuotaExactly) {
  KeyedBuckets q(100, 100.0 / 3600);  // nothing refills during the test (one token per 36 s)
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) allowed += q.Take("same").allowed ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 100);
}

}  // namespace
}  // namespace confab
