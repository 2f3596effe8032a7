#pragma once
// What every session of one server shares. Owned by net::Serve; sessions on every io thread hold a
// reference (everything in it is read-only after start, or guarded).
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "api/router.hpp"
#include "net/static_files.hpp"
#include "net/websocket_session.hpp"

namespace confab::rooms {
class RoomRegistry;
}
namespace confab::store {
class ReaderPool;
}

namespace confab::net {

// The open WebSocket sessions, so a shutdown can close each with 1001 (clients reconnect elsewhere).
// Sessions live on every io thread: the set is guarded by a mutex (taken on open and close only).
class SessionSet {
 public:
  void Add(const std::shared_ptr<WebSocketSession>& s);
  void Remove(WebSocketSession* s);
  // Asks every open session to close, each on its own thread.
  void CloseAll(uint16_t code, std::string_view reason);
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<WebSocketSession*, std::weak_ptr<WebSocketSession>> sessions_;
};

struct ServerContext {
  rooms::RoomRegistry& rooms;
  store::ReaderPool& reader;
  const api::Router& router;
  const StaticFiles& static_files;
  WebSocketOptions websocket;
  SessionSet sessions;
  size_t max_body_bytes = 1 << 20;
};

}  // namespace confab::net
