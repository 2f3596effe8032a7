#include "rooms/room_registry.hpp"

#include <boost/asio/steady_timer.hpp>
#include <map>
#include <string>

#include "rooms/room.hpp"
#include "store/store.hpp"

namespace confab::rooms {

struct RoomRegistry::Impl {
  Impl(boost::asio::io_context& io, store::Store& store) : io(io), store(store), sweep(io) {}

  // Arms the sweep while rooms are loaded; with none loaded no timer is pending, so a registry with
  // nothing to unload never keeps io_context::run() busy.
  void ArmSweep() {
    if (sweep_armed) return;
    sweep_armed = true;
    sweep.expires_after(idle_after / 2 + std::chrono::milliseconds(1));
    sweep.async_wait([this, alive = std::weak_ptr<bool>(alive)](const boost::system::error_code& ec) {
      if (ec || alive.expired()) return;
      sweep_armed = false;
      Sweep();
    });
  }

  void Sweep() {
    const auto now = std::chrono::steady_clock::now();
    for (auto it = rooms.begin(); it != rooms.end();) {
      const Room& room = *it->second;
      if (room.idle() && now - room.idle_since() >= idle_after) {
        it = rooms.erase(it);
      } else {
        ++it;
      }
    }
    if (!rooms.empty()) ArmSweep();
  }

  boost::asio::io_context& io;
  store::Store& store;
  std::map<std::string, std::shared_ptr<Room>, std::less<>> rooms;
  std::chrono::milliseconds idle_after{60'000};
  boost::asio::steady_timer sweep;
  bool sweep_armed = false;
  Room::CommitHook on_committed;
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
};

RoomRegistry::RoomRegistry(boost::asio::io_context& io, store::Store& store)
    : impl_(std::make_unique<Impl>(io, store)) {}

RoomRegistry::~RoomRegistry() {
  impl_->sweep.cancel();
}

Status RoomRegistry::Get(std::string_view meeting_id, std::shared_ptr<Room>* out) {
  if (auto it = impl_->rooms.find(meeting_id); it != impl_->rooms.end()) {
    *out = it->second;
    return Status::Ok();
  }
  std::shared_ptr<Room> room;
  if (Status s = Room::Load(impl_->io, impl_->store, std::string(meeting_id), &room); !s.ok()) return s;
  if (impl_->on_committed) room->set_on_committed(impl_->on_committed);
  impl_->rooms.emplace(std::string(meeting_id), room);
  // Loaded for a reader who may never join (the HTTP API): unload it later unless someone does.
  impl_->ArmSweep();
  *out = std::move(room);
  return Status::Ok();
}

store::Store& RoomRegistry::store() {
  return impl_->store;
}
boost::asio::io_context& RoomRegistry::io() {
  return impl_->io;
}
void RoomRegistry::set_idle_unload(std::chrono::milliseconds after) {
  impl_->idle_after = after;
}
void RoomRegistry::set_on_committed(
    std::function<void(const store::StoredEvent&, const nlohmann::json&)> hook) {
  impl_->on_committed = std::move(hook);
}
size_t RoomRegistry::loaded() const {
  return impl_->rooms.size();
}

}  // namespace confab::rooms
