#include "rooms/room_registry.hpp"

#include <boost/asio/steady_timer.hpp>
#include <map>
#include <string>

#include "store/reader_pool.hpp"
#include "store/store.hpp"

namespace confab::rooms {

// The rooms of one io thread. Every member is touched on that thread only.
struct RoomRegistry::Shard {
  explicit Shard(boost::asio::io_context& io)
      : io(io), sweep(std::make_unique<boost::asio::steady_timer>(io)) {}

  boost::asio::io_context& io;
  std::map<std::string, std::shared_ptr<Room>, std::less<>> rooms;
  std::map<std::string, std::vector<GetDone>, std::less<>> loading;  // waiters, by meeting
  std::unique_ptr<boost::asio::steady_timer> sweep;                  // reset by Shutdown
  bool sweep_armed = false;
};

RoomRegistry::RoomRegistry(std::vector<boost::asio::io_context*> threads, store::ReaderPool& reader)
    : threads_(std::move(threads)), reader_(reader) {
  for (size_t i = 0; i < threads_.size(); ++i) shards_.push_back(std::make_unique<Shard>(threads_.at(i)));
}

RoomRegistry::RoomRegistry(boost::asio::io_context& io, store::ReaderPool& reader)
    : RoomRegistry(std::vector<boost::asio::io_context*>{&io}, reader) {}

RoomRegistry::~RoomRegistry() {
  Shutdown();
}

void RoomRegistry::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  alive_.reset();
  for (auto& shard : shards_) {
    shard->rooms.clear();
    shard->loading.clear();
    shard->sweep.reset();
  }
  loaded_ = 0;
}

void RoomRegistry::Get(std::string meeting_id, GetDone done) {
  if (shut_down_) return;
  Shard& shard = *shards_[threads_.HomeOf(meeting_id)];
  RunOn(shard.io, [this, &shard, id = std::move(meeting_id), done = std::move(done)]() mutable {
    if (auto it = shard.rooms.find(id); it != shard.rooms.end()) return done(Status::Ok(), it->second);
    auto [waiting, first] = shard.loading.try_emplace(id);
    waiting->second.push_back(std::move(done));
    if (first) LoadInto(shard, id);
  });
}

void RoomRegistry::IfLoaded(std::string meeting_id, std::function<void(Room&)> fn) {
  if (shut_down_) return;
  Shard& shard = *shards_[threads_.HomeOf(meeting_id)];
  RunOn(shard.io, [&shard, id = std::move(meeting_id), fn = std::move(fn)] {
    if (auto it = shard.rooms.find(id); it != shard.rooms.end()) fn(*it->second);
  });
}

void RoomRegistry::ForEachLoaded(std::function<void(Room&)> fn) {
  if (shut_down_) return;
  for (auto& shard : shards_) {
    RunOn(shard->io, [&shard = *shard, fn, alive = std::weak_ptr<bool>(alive_)] {
      if (alive.expired()) return;
      for (auto& [id, room] : shard.rooms) fn(*room);
    });
  }
}

void RoomRegistry::LoadInto(Shard& shard, const std::string& meeting_id) {
  reader_.Run(
      shard.io.get_executor(),
      [this, meeting_id](store::Store&) {
        std::shared_ptr<Room> room;
        Status s = Room::Load(threads_, reader_, meeting_id, &room);
        return std::make_pair(std::move(s), std::move(room));
      },
      [this, &shard, meeting_id,
       alive = std::weak_ptr<bool>(alive_)](std::pair<Status, std::shared_ptr<Room>> r) {
        if (alive.expired() || shut_down_) return;
        auto node = shard.loading.extract(meeting_id);
        std::vector<GetDone> waiters = node.empty() ? std::vector<GetDone>{} : std::move(node.mapped());
        std::shared_ptr<Room> room = std::move(r.second);
        if (r.first.ok()) {
          if (on_committed_) room->set_on_committed(on_committed_);
          if (encoder_) room->set_encoder(encoder_);
          room->set_limits(limits_);
          if (on_loaded_) on_loaded_(*room);
          shard.rooms.emplace(meeting_id, room);
          loaded_.fetch_add(1, std::memory_order_relaxed);
          ArmSweep(shard);
        }
        for (GetDone& w : waiters) w(r.first, room);
      });
}

void RoomRegistry::ArmSweep(Shard& shard) {
  // A pending timer keeps io_context::run() busy, so it is armed only while rooms are loaded.
  if (shard.sweep_armed) return;
  shard.sweep_armed = true;
  shard.sweep->expires_after(idle_after_ / 2 + std::chrono::milliseconds(1));
  shard.sweep->async_wait(
      [this, &shard, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (ec || alive.expired() || shut_down_) return;
        shard.sweep_armed = false;
        const auto now = std::chrono::steady_clock::now();
        for (auto it = shard.rooms.begin(); it != shard.rooms.end();) {
          const Room& room = *it->second;
          if (room.idle() && now - room.idle_since() >= idle_after_) {
            it = shard.rooms.erase(it);
            loaded_.fetch_sub(1, std::memory_order_relaxed);
          } else {
            ++it;
          }
        }
        if (!shard.rooms.empty()) ArmSweep(shard);
      });
}

store::Store& RoomRegistry::store() {
  return reader_.store();
}
store::ReaderPool& RoomRegistry::reader() {
  return reader_;
}
IoThreads& RoomRegistry::threads() {
  return threads_;
}
void RoomRegistry::set_idle_unload(std::chrono::milliseconds after) {
  idle_after_ = after;
}
void RoomRegistry::set_on_committed(Room::CommitHook hook) {
  on_committed_ = std::move(hook);
}
void RoomRegistry::set_encoder(FrameEncoder encoder) {
  encoder_ = std::move(encoder);
}
void RoomRegistry::set_limits(RoomLimits limits) {
  limits_ = limits;
}
void RoomRegistry::set_on_loaded(std::function<void(Room&)> fn) {
  on_loaded_ = std::move(fn);
}
size_t RoomRegistry::loaded() const {
  return loaded_.load(std::memory_order_relaxed);
}

}  // namespace confab::rooms
