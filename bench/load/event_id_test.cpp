#include "event_id.hpp"

#include <gtest/gtest.h>

#include <set>

namespace confab::bench {
namespace {

TEST(EventId, IsAVersion4ShapedUuidThatCarriesTheSendTime) {
  for (uint64_t t : {uint64_t{0}, uint64_t{1}, uint64_t{123456789012345}, ~uint64_t{0}}) {
    std::string id = MakeEventId(t, 77);
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[8], '-');
    EXPECT_EQ(id[13], '-');
    EXPECT_EQ(id[18], '-');
    EXPECT_EQ(id[23], '-');
    EXPECT_EQ(id[14], '4');
    EXPECT_EQ(id[19], '8');
    uint64_t back = 0;
    ASSERT_TRUE(DecodeEventSendNs(id, &back)) << id;
    EXPECT_EQ(back, t);
  }
}

TEST(EventId, CounterMakesIdsUnique) {
  std::set<std::string> ids;
  for (uint64_t c = 0; c < 1000; ++c) ids.insert(MakeEventId(42, c));
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(EventId, CounterComesBackWithItsLow56Bits) {
  for (uint64_t c :
       {uint64_t{0}, uint64_t{77}, (uint64_t{5} << 48) | (uint64_t{1234} << 32) | 99, ~uint64_t{0}}) {
    uint64_t back = 1;
    ASSERT_TRUE(DecodeEventCounter(MakeEventId(123456789, c), &back));
    EXPECT_EQ(back, c & ((uint64_t{1} << 56) - 1));
  }
  uint64_t c = 0;
  EXPECT_FALSE(DecodeEventCounter("c0a8", &c));
}

TEST(EventId, ForeignIdsAreNotDecoded) {
  uint64_t t = 0;
  EXPECT_FALSE(DecodeEventSendNs("c0a8", &t));
  EXPECT_FALSE(DecodeEventSendNs("3f2b1c9e-7d1a-1b2c-9d3e-4f5a6b7c8d9e", &t));  // version 1
  EXPECT_FALSE(DecodeEventSendNs("zzzzzzzz-0000-4000-8000-000000000000", &t));
}

TEST(EventId, MonotonicClockAdvances) {
  int64_t a = MonotonicNs();
  int64_t b = MonotonicNs();
  EXPECT_GT(a, 0);
  EXPECT_GE(b, a);
}

}  // namespace
}  // namespace confab::bench
