#pragma once
// RoomRegistry: finds or loads the Room of a meeting; idle rooms are unloaded.
// Threading: io thread only (the io_context is the strand every room runs on).
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>

#include "util/status.hpp"

namespace confab::store {
class Store;
struct StoredEvent;
}  // namespace confab::store

namespace confab::rooms {

class Room;

class RoomRegistry {
 public:
  RoomRegistry(boost::asio::io_context& io, store::Store& store);
  ~RoomRegistry();

  // The live room of `meeting_id`, loading it from the store (folding its log) if needed.
  // NotFound when no such meeting exists.
  Status Get(std::string_view meeting_id, std::shared_ptr<Room>* out);

  store::Store& store();
  boost::asio::io_context& io();

  // Rooms with no subscribers and nothing pending are dropped after this long (default 60 s).
  void set_idle_unload(std::chrono::milliseconds after);
  // Installed on every room loaded from now on (Room::set_on_committed): `serve` feeds the views.
  void set_on_committed(std::function<void(const store::StoredEvent&, const nlohmann::json&)> hook);
  // How many rooms are loaded (metrics, tests).
  size_t loaded() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace confab::rooms
