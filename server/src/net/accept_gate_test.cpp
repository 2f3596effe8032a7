// AcceptGate, Backoff and LogLimiter: the cap under the descriptor limit, pausing and resuming at it,
// the slots kept for plain HTTP, the accept retry delays and the rate-limited log line.
#include "net/accept_gate.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace confab::net {
namespace {

using namespace std::chrono_literals;

TEST(AcceptGate, CapIsTheSoftLimitLessTheReserve) {
  const size_t reserve = AcceptGate::Reserve(2, 2);
  EXPECT_GT(reserve, 32u);
  EXPECT_EQ(AcceptGate::CapFor(1024, reserve), 1024 - reserve);
  EXPECT_EQ(AcceptGate::CapFor(128, reserve), 128 - reserve);
  // A limit under the reserve still lets a few in; "unlimited" is a large but finite cap.
  EXPECT_EQ(AcceptGate::CapFor(20, reserve), 16u);
  EXPECT_EQ(AcceptGate::CapFor(UINT64_MAX, reserve), (size_t{1} << 30) - reserve);
  // More threads, more reserve.
  EXPECT_GT(AcceptGate::Reserve(8, 8), reserve);
}

TEST(AcceptGate, HttpSlotsAreATenthBetweenFourAndThirtyTwo) {
  EXPECT_EQ(AcceptGate::HttpSlotsFor(16), 4u);
  EXPECT_EQ(AcceptGate::HttpSlotsFor(81), 8u);
  EXPECT_EQ(AcceptGate::HttpSlotsFor(100000), 32u);
}

TEST(AcceptGate, PausesAtTheCapAndACloseWakesTheListenerOnce) {
  AcceptGate gate;
  gate.Configure(3, 1);
  int woken = 0;
  gate.set_on_room([&] { ++woken; });
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(gate.TryPause());
    gate.Accepted();
  }
  EXPECT_TRUE(gate.TryPause());
  EXPECT_TRUE(gate.paused());
  gate.Closed();
  EXPECT_EQ(woken, 1);
  EXPECT_FALSE(gate.paused());
  gate.Closed();  // not paused: nobody to wake
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(gate.open(), 1u);
}

TEST(AcceptGate, NoWakeUpWhileRunningOrAfterStop) {
  AcceptGate gate;
  gate.Configure(1, 0);
  int woken = 0;
  gate.set_on_room([&] { ++woken; });
  gate.Accepted();
  gate.Closed();  // the listener was never paused
  EXPECT_EQ(woken, 0);
  gate.Accepted();
  ASSERT_TRUE(gate.TryPause());
  gate.Stop();
  gate.Closed();
  EXPECT_EQ(woken, 0);
}

TEST(AcceptGate, SocketsLeaveTheHttpSlotsFree) {
  AcceptGate gate;
  gate.Configure(10, 3);
  for (int i = 0; i < 7; ++i) EXPECT_TRUE(gate.TryOpenSocket()) << i;
  EXPECT_FALSE(gate.TryOpenSocket());
  EXPECT_EQ(gate.sockets(), 7u);
  gate.SocketClosed();
  EXPECT_TRUE(gate.TryOpenSocket());
}

// Closes on other threads racing the listener's pause: every pause ends, by a wake-up or by the
// listener seeing the room itself; never both (two accept chains) and never neither (a stuck server).
TEST(AcceptGate, ConcurrentClosesNeverLoseOrDoubleAWakeUp) {
  AcceptGate gate;
  gate.Configure(4, 0);
  std::atomic<int> woken{0};
  gate.set_on_room([&] { woken.fetch_add(1); });
  std::atomic<int> to_close{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> closers;
  for (int t = 0; t < 3; ++t) {
    closers.emplace_back([&] {
      while (!done.load()) {
        int n = to_close.load();
        if (n > 0 && to_close.compare_exchange_weak(n, n - 1)) {
          gate.Closed();
        } else {
          std::this_thread::yield();
        }
      }
    });
  }
  int pauses = 0;
  for (int round = 0; round < 500; ++round) {
    // The listener: accept until paused (a close that slips in lets it go on by itself) ...
    while (!gate.TryPause()) {
      gate.Accepted();
      to_close.fetch_add(1);
    }
    // ... then it waits for exactly one wake-up.
    ++pauses;
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (woken.load() < pauses && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
    ASSERT_EQ(woken.load(), pauses) << "a pause was never ended (round " << round << ")";
  }
  done = true;
  for (auto& t : closers) t.join();
  EXPECT_EQ(woken.load(), pauses);  // no second wake-up for one pause
}

TEST(Backoff, DoublesFromTenMillisecondsToOneSecondAndResets) {
  Backoff b;
  EXPECT_EQ(b.Next(), 10ms);
  EXPECT_EQ(b.Next(), 20ms);
  EXPECT_EQ(b.Next(), 40ms);
  for (int i = 0; i < 20; ++i) b.Next();
  EXPECT_EQ(b.Next(), 1000ms);
  b.Reset();
  EXPECT_EQ(b.Next(), 10ms);
}

TEST(LogLimiter, OneLinePerPeriodWithTheCountLeftOut) {
  LogLimiter log(10s);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  uint64_t n = 99;
  ASSERT_TRUE(log.Allow(t0, &n));
  EXPECT_EQ(n, 0u);
  for (int i = 1; i <= 1000; ++i) EXPECT_FALSE(log.Allow(t0 + i * 1ms, &n));
  ASSERT_TRUE(log.Allow(t0 + 10s, &n));
  EXPECT_EQ(n, 1000u);
  EXPECT_FALSE(log.Allow(t0 + 11s, &n));
  ASSERT_TRUE(log.Allow(t0 + 25s, &n));
  EXPECT_EQ(n, 1u);
}

}  // namespace
}  // namespace confab::net
