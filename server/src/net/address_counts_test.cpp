// AddressCounts: open connections per address, under the limit, from many threads.
#include "net/address_counts.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace confab::net {
namespace {

namespace ip = boost::asio::ip;

TEST(AddressCounts, RefusesPastTheLimitAndForgetsAnAddressWithNothingOpen) {
  AddressCounts counts;
  counts.set_limit(2);
  const auto a = ip::make_address("10.0.0.1"), b = ip::make_address("10.0.0.2");
  auto* a1 = counts.Acquire(a);
  auto* a2 = counts.Acquire(a);
  ASSERT_TRUE(a1 && a2);
  EXPECT_EQ(counts.Acquire(a), nullptr);
  auto* b1 = counts.Acquire(b);  // another address has its own count
  ASSERT_NE(b1, nullptr);
  EXPECT_EQ(counts.Count(a), 2u);
  AddressCounts::Release(a1);
  EXPECT_EQ(counts.Count(a), 1u);
  auto* a3 = counts.Acquire(a);
  ASSERT_NE(a3, nullptr);
  AddressCounts::Release(a2);
  AddressCounts::Release(a3);
  AddressCounts::Release(b1);
  AddressCounts::Release(nullptr);
  EXPECT_EQ(counts.Count(a), 0u);
  EXPECT_EQ(counts.Count(b), 0u);
}

TEST(AddressCounts, OneAddressWhetherV4OrV4Mapped) {
  AddressCounts counts;
  counts.set_limit(1);
  auto* e = counts.Acquire(ip::make_address("10.0.0.1"));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(counts.Acquire(ip::make_address("::ffff:10.0.0.1")), nullptr);
  EXPECT_TRUE(AddressCounts::Counts(e, ip::make_address("10.0.0.1")));
  EXPECT_FALSE(AddressCounts::Counts(e, ip::make_address("10.0.0.3")));
  AddressCounts::Release(e);
}

TEST(AddressCounts, ManyThreadsNeverPassTheLimit) {
  AddressCounts counts;
  counts.set_limit(5);
  const auto a = ip::make_address("2001:db8::1");
  std::atomic<int> held{0}, max_held{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        auto* e = counts.Acquire(a);
        if (!e) continue;
        const int h = held.fetch_add(1) + 1;
        int m = max_held.load();
        while (h > m && !max_held.compare_exchange_weak(m, h)) {
        }
        held.fetch_sub(1);
        AddressCounts::Release(e);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(max_held.load(), 5);
  EXPECT_EQ(counts.Count(a), 0u);
}

}  // namespace
}  // namespace confab::net
