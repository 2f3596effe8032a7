#pragma once
// What every session of one server shares. Owned by net::Server; sessions hold a reference.
#include <unordered_set>

#include "api/router.hpp"
#include "net/static_files.hpp"
#include "net/websocket_session.hpp"

namespace confab::rooms {
class RoomRegistry;
}

namespace confab::net {

// The open WebSocket sessions, so a shutdown can close each with 1001 (clients reconnect elsewhere).
class SessionSet {
 public:
  void Add(WebSocketSession* s) { sessions_.insert(s); }
  void Remove(WebSocketSession* s) { sessions_.erase(s); }
  template <typename F>
  void ForEach(F f) {
    auto copy = sessions_;
    for (auto* s : copy) f(*s);
  }
  size_t size() const { return sessions_.size(); }

 private:
  std::unordered_set<WebSocketSession*> sessions_;
};

struct ServerContext {
  rooms::RoomRegistry& rooms;
  const api::Router& router;
  const StaticFiles& static_files;
  WebSocketOptions websocket;
  SessionSet sessions;
  size_t max_body_bytes = 1 << 20;
};

}  // namespace confab::net
