#include "util/token_bucket.hpp"

#include <gtest/gtest.h>

namespace confab {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(TokenBucket, StartsFullAndRefusesPastTheBurst) {
  const auto t0 = TokenBucket::Clock::now();
  TokenBucket b(3, 1, t0);
  EXPECT_TRUE(b.Full(t0));
  EXPECT_TRUE(b.Take(t0));
  EXPECT_TRUE(b.Take(t0));
  EXPECT_TRUE(b.Take(t0));
  EXPECT_FALSE(b.Take(t0));
  EXPECT_FALSE(b.Full(t0));
}

TEST(TokenBucket, RefillsAtItsRateUpToItsCapacity) {
  const auto t0 = TokenBucket::Clock::now();
  TokenBucket b(2, 10, t0);  // a token every 100 ms
  ASSERT_TRUE(b.Take(t0));
  ASSERT_TRUE(b.Take(t0));
  EXPECT_FALSE(b.Take(t0 + milliseconds(50)));
  EXPECT_TRUE(b.Take(t0 + milliseconds(100)));
  EXPECT_FALSE(b.Take(t0 + milliseconds(100)));
  // A long quiet spell refills to the capacity, not beyond.
  const auto later = t0 + seconds(60);
  EXPECT_TRUE(b.Full(later));
  EXPECT_TRUE(b.Take(later));
  EXPECT_TRUE(b.Take(later));
  EXPECT_FALSE(b.Take(later));
}

TEST(TokenBucket, UntilNextIsTheTimeToOneToken) {
  const auto t0 = TokenBucket::Clock::now();
  TokenBucket b(1, 0.5, t0);  // a token every 2 s
  EXPECT_EQ(b.UntilNext(t0), TokenBucket::Clock::duration::zero());
  ASSERT_TRUE(b.Take(t0));
  EXPECT_EQ(std::chrono::round<milliseconds>(b.UntilNext(t0)), milliseconds(2000));
  EXPECT_EQ(std::chrono::round<milliseconds>(b.UntilNext(t0 + milliseconds(1500))), milliseconds(500));
  EXPECT_EQ(b.UntilNext(t0 + seconds(2)), TokenBucket::Clock::duration::zero());
}

TEST(TokenBucket, TimeGoingBackwardsAddsNothing) {
  const auto t0 = TokenBucket::Clock::now();
  TokenBucket b(1, 1, t0);
  ASSERT_TRUE(b.Take(t0));
  EXPECT_FALSE(b.Take(t0 - seconds(5)));
  EXPECT_FALSE(b.Take(t0 + milliseconds(500)));
  EXPECT_TRUE(b.Take(t0 + seconds(1)));
}

}  // namespace
}  // namespace confab
