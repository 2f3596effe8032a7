#include "net/accept_gate.hpp"

#include <algorithm>

namespace confab::net {

namespace {

// Below this many connections the cap does not go, whatever the limit (a limit that low fails
// elsewhere first; the accept backoff still keeps the server from spinning).
constexpr size_t kMinCap = 16;

}  // namespace

size_t AcceptGate::Reserve(size_t io_threads, size_t reader_threads) {
  // 32 for stdio, logs, the listening socket, the bus, signal and health-probe descriptors; 3 per io
  // thread (epoll, eventfd, timerfd); 3 per store connection (SQLite: the database, -wal, -shm; one
  // per reader plus the writer).
  return 32 + 3 * io_threads + 3 * (reader_threads + 1);
}

size_t AcceptGate::CapFor(uint64_t soft_limit, size_t reserve) {
  constexpr uint64_t kHuge = uint64_t{1} << 30;  // RLIM_INFINITY and the like
  const uint64_t limit = std::min(soft_limit, kHuge);
  if (limit <= reserve + kMinCap) return kMinCap;
  return static_cast<size_t>(limit - reserve);
}

size_t AcceptGate::HttpSlotsFor(size_t cap) {
  return std::clamp<size_t>(cap / 10, 4, 32);
}

void AcceptGate::Configure(size_t cap, size_t http_slots) {
  cap_ = std::max<size_t>(cap, 1);
  http_slots_ = std::min(http_slots, cap_ - 1);
}

bool AcceptGate::TryPause() {
  if (open_.load() < cap_) return false;
  paused_.store(true);
  // A close between the two loads saw paused_ still false and woke nobody: take the room ourselves,
  // unless that close's on_room already has it (then it resumes the listener).
  if (open_.load() < cap_ && paused_.exchange(false)) return false;
  return true;
}

void AcceptGate::Closed() {
  open_.fetch_sub(1);
  if (paused_.load() && paused_.exchange(false) && !stopped_.load() && on_room_) on_room_();
}

bool AcceptGate::TryOpenSocket() {
  const size_t limit = cap_ - http_slots_;
  size_t n = sockets_.load(std::memory_order_relaxed);
  do {
    if (n >= limit) return false;
  } while (!sockets_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
  return true;
}

std::chrono::milliseconds Backoff::Next() {
  const auto delay = next_;
  next_ = std::min(next_ * 2, kMax);
  return delay;
}

bool LogLimiter::Allow(std::chrono::steady_clock::time_point now, uint64_t* suppressed) {
  if (logged_ && now - last_ < every_) {
    ++suppressed_;
    return false;
  }
  logged_ = true;
  last_ = now;
  *suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

}  // namespace confab::net
