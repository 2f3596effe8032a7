#pragma once
// What every session of one server shares. Owned by net::Serve; sessions on every io thread hold a
// reference (everything in it is read-only after start, or guarded).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "api/router.hpp"
#include "net/accept_gate.hpp"
#include "net/address_counts.hpp"
#include "net/static_files.hpp"
#include "net/websocket_session.hpp"

namespace confab::rooms {
class IoThreads;
class RoomRegistry;
}  // namespace confab::rooms
namespace confab::store {
class ReaderPool;
}

namespace confab::net {

// The open WebSocket sessions of every io thread, one shard per thread, touched only on that thread
// (apart from size()): so a shutdown can close each with 1001 (clients reconnect elsewhere), and so
// that sessions need no timer of their own. Each shard keeps its sessions in a wheel of kSlots
// one-second slots by deadline (idle timeout, close grace); its one timer sleeps until the earliest
// slot that holds a session, and a session found not due yet (it read something since) moves to a
// later slot. A session costs two pointers here, where a steady_timer and its pending wait cost ~300
// bytes, and the timer wakes only in seconds in which some deadline falls.
class SessionSet {
 public:
  static constexpr std::chrono::seconds kTick{1};
  static constexpr size_t kSlots = 64;

  SessionSet();
  ~SessionSet();
  SessionSet(const SessionSet&) = delete;
  SessionSet& operator=(const SessionSet&) = delete;

  // One shard per io thread; each sweeps on its own thread. Before the first session opens.
  void Start(const rooms::IoThreads& threads);
  // Cancels the sweeps (before the io_contexts go); sessions destroyed later still Remove themselves.
  void Stop();

  // On the session's own thread. Add: it is open (and placed by its deadline); Schedule: its deadline
  // changed (it started closing); Remove: it is closed (no-op when not added).
  void Add(WebSocketSession& s);
  void Schedule(WebSocketSession& s);
  void Remove(WebSocketSession& s);
  // Asks every open session to close, each on its own thread.
  void CloseAll(uint16_t code, std::string_view reason);
  size_t size() const { return size_.load(std::memory_order_relaxed); }

 private:
  struct Shard;
  Shard* ShardOf(const WebSocketSession& s) const;
  void Place(Shard& shard, WebSocketSession& s);
  void ArmSweep(Shard& shard, std::chrono::steady_clock::time_point at);
  void Sweep(Shard& shard);

  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<size_t> size_{0};
};

struct ServerContext {
  rooms::RoomRegistry& rooms;
  store::ReaderPool& reader;
  const api::Router& router;
  const StaticFiles& static_files;
  WebSocketOptions websocket;
  SessionSet sessions;
  size_t max_body_bytes = 1 << 20;
  // Limits (net/serve_limits.hpp sets them before the listener starts; docs/operations.md § Quotas and
  // limits): the descriptor cap, connections per client address, who may name the client in
  // X-Forwarded-For, and how long an HTTP request (the upgrade included) may take to arrive.
  AcceptGate gate{};
  AddressCounts per_address{};
  std::vector<boost::asio::ip::address> trusted_proxies{};
  std::chrono::seconds handshake_timeout{10};
};

}  // namespace confab::net
