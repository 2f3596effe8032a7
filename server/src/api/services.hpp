#pragma once
// What the HTTP routes work with, owned by the server and shared by reference.
// Threading: handlers run on the io thread; Store and ViewHub are also safe from other threads.
#include <chrono>

#include <boost/asio/io_context.hpp>

namespace confab::store {
class Store;
}
namespace confab::rooms {
class RoomRegistry;
}
namespace confab::views {
class ViewHub;
}

namespace confab::api {

struct Services {
  boost::asio::io_context& io;
  store::Store& store;
  rooms::RoomRegistry& rooms;
  views::ViewHub& views;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

class Router;
// Registers every /api route, /healthz and /metrics.
void AddMeetingRoutes(Router& router, Services& services);
void AddViewRoutes(Router& router, Services& services);
void AddHealthRoutes(Router& router, Services& services);

inline void AddAllRoutes(Router& router, Services& services) {
  AddMeetingRoutes(router, services);
  AddViewRoutes(router, services);
  AddHealthRoutes(router, services);
}

}  // namespace confab::api
