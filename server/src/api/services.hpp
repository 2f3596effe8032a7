#pragma once
// What the HTTP routes work with, owned by the server and shared by reference.
// Threading: handlers run on whichever io thread read the request, several at once. Nothing here may
// block such a thread: every Store read goes through `reader` (see read_then_respond.hpp); Append is
// non-blocking and fine anywhere; rooms are reached through RoomRegistry::Get, whose callback runs
// on the room's own thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "util/keyed_buckets.hpp"

namespace confab::store {
class Store;
class ReaderPool;
}  // namespace confab::store
namespace confab::rooms {
class RoomRegistry;
}
namespace confab::views {
class ViewHub;
}

namespace confab::api {

struct Services {
  store::Store& store;
  store::ReaderPool& reader;
  rooms::RoomRegistry& rooms;
  views::ViewHub& views;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  // Lines /metrics appends, from layers above this one (the cluster: bus and peers). Never blocks.
  std::function<std::string()> more_metrics;
  // POST /api/meetings per client address (Quotas::meetings_per_address_per_minute); null: no limit.
  std::shared_ptr<KeyedBuckets> meeting_creations;

  // `per_minute` meetings per client address at once, refilled over a minute; 0: no limit.
  void LimitMeetingCreations(uint32_t per_minute) {
    meeting_creations.reset();
    if (per_minute > 0) meeting_creations = std::make_shared<KeyedBuckets>(per_minute, per_minute / 60.0);
  }
};

class Router;
// Registers every /api route, the health routes (/healthz, /readyz, /livez) and /metrics.
void AddMeetingRoutes(Router& router, Services& services);
void AddViewRoutes(Router& router, Services& services);
void AddHealthRoutes(Router& router, Services& services);

inline void AddAllRoutes(Router& router, Services& services) {
  AddMeetingRoutes(router, services);
  AddViewRoutes(router, services);
  AddHealthRoutes(router, services);
}

}  // namespace confab::api
