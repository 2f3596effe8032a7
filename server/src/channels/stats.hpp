#pragma once
// Process-wide counters of the socket layer, for /metrics (Prometheus counters: monotonic since start).
// Incremented on the io thread, read from anywhere (relaxed atomics: each value is exact on its own, a
// set of them is not a snapshot).
#include <atomic>
#include <cstdint>

namespace confab::channels {

struct ChannelStats {
  std::atomic<uint64_t> joins{0};             // successful joins
  std::atomic<uint64_t> join_errors{0};       // joins answered with an error
  std::atomic<uint64_t> pushes{0};            // client events acknowledged ok (durable or transient)
  std::atomic<uint64_t> push_errors{0};       // client events answered with an error
  std::atomic<uint64_t> deliveries{0};        // broadcast frames queued on a socket (one per subscriber)
  std::atomic<uint64_t> rate_limited{0};      // messages refused by the per-socket token bucket
  std::atomic<uint64_t> malformed_frames{0};  // frames that closed their connection or got invalid_payload
  std::atomic<uint64_t> heartbeats{0};
  // Kept by the transport (net/websocket_session).
  std::atomic<uint64_t> connections_open{0};      // a gauge: incremented on open, decremented on close
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> slow_consumer_closes{0};
};

// The one instance.
ChannelStats& Stats();

inline void Bump(std::atomic<uint64_t>& counter) {
  counter.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace confab::channels
