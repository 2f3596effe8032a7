#pragma once
// RoomRegistry: finds or loads the Room of a meeting; idle rooms are unloaded.
//
// Each meeting's room lives on one io thread (IoThreads::HomeOf); the registry keeps one shard of
// rooms per thread, touched only on that thread, so finding a room takes no lock. Loading (reading
// the latest snapshot and the events after it) runs on the ReaderPool, never on an io thread;
// several Gets of a meeting that is loading wait for the same load.
//
// Threading: Get may be called from any thread; `done` runs on the room's thread. loaded() is safe
// from anywhere.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rooms/io_threads.hpp"
#include "rooms/room.hpp"
#include "util/status.hpp"

namespace confab::store {
class Store;
class ReaderPool;
struct StoredEvent;
}  // namespace confab::store

namespace confab::rooms {

class RoomRegistry {
 public:
  RoomRegistry(std::vector<boost::asio::io_context*> threads, store::ReaderPool& reader);
  // One io thread (tests, tools).
  RoomRegistry(boost::asio::io_context& io, store::ReaderPool& reader);
  ~RoomRegistry();

  // The live room of `meeting_id`, loaded if needed. `done` runs on the room's thread with the room,
  // or with NotFound (no such meeting) / another store error and a null room.
  using GetDone = std::function<void(Status, std::shared_ptr<Room>)>;
  void Get(std::string meeting_id, GetDone done);

  // Runs fn(room) on the room's thread if it is loaded (and does nothing if not): for work that
  // concerns a live room only, such as a channel leaving it.
  void IfLoaded(std::string meeting_id, std::function<void(Room&)> fn);

  store::Store& store();
  store::ReaderPool& reader();
  IoThreads& threads();

  // Rooms with no subscribers and nothing pending are dropped after this long (default 60 s).
  // Call before the io threads run.
  void set_idle_unload(std::chrono::milliseconds after);
  // Installed on every room loaded from now on (Room::set_on_committed): `serve` feeds the views.
  // Runs on the room's thread. Call before the io threads run.
  void set_on_committed(Room::CommitHook hook);
  // Installed on every room loaded from now on: the channels layer's broadcast framing.
  void set_encoder(FrameEncoder encoder);
  // Installed on every room loaded from now on: the per-meeting quotas. Call before the io threads run.
  void set_limits(RoomLimits limits);
  // Runs on the room's thread for every room loaded from now on, before anyone waiting for it gets it
  // (the cluster layer subscribes the room to the bus). Call before the io threads run.
  void set_on_loaded(std::function<void(Room&)> fn);
  // Runs fn(room) on each loaded room's thread, for every room loaded at that moment.
  void ForEachLoaded(std::function<void(Room&)> fn);
  // After the io threads have stopped and before their io_contexts are destroyed: drops every room
  // and timer, and makes later calls no-ops (handlers destroyed with the io_contexts may still call).
  void Shutdown();
  // How many rooms are loaded (metrics, tests).
  size_t loaded() const;

 private:
  struct Shard;
  void LoadInto(Shard& shard, const std::string& meeting_id);
  void ArmSweep(Shard& shard);

  IoThreads threads_;
  store::ReaderPool& reader_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::chrono::milliseconds idle_after_{60'000};
  Room::CommitHook on_committed_;
  FrameEncoder encoder_;
  RoomLimits limits_;
  std::function<void(Room&)> on_loaded_;
  std::atomic<size_t> loaded_{0};
  bool shut_down_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace confab::rooms
