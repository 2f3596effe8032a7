#include "net/server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <functional>
#include <iostream>

#include "api/services.hpp"
#include "net/listener.hpp"
#include "net/server_context.hpp"
#include "rooms/room_registry.hpp"
#include "store/store.hpp"
#include "views/view_hub.hpp"

namespace confab::net {

namespace asio = boost::asio;

bool ParseListen(const std::string& text, std::string* host, unsigned short* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string h = text.substr(0, colon);
  const bool open = h.front() == '[', close = h.back() == ']';
  if (open != close) return false;  // "[::1:80", "::1]:80"
  if (open) {
    if (h.size() <= 2) return false;  // "[]:80"
    h = h.substr(1, h.size() - 2);
  }
  std::string_view p(text.data() + colon + 1, text.size() - colon - 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || end != p.data() + p.size() || value > 65535 || p.empty()) return false;
  *host = h;
  *port = static_cast<unsigned short>(value);
  return true;
}

int Serve(const ServeOptions& options) {
  std::string host;
  unsigned short port = 0;
  if (!ParseListen(options.listen, &host, &port)) {
    spdlog::error("--listen must be HOST:PORT, got '{}'", options.listen);
    return 2;
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) {
    spdlog::error("--listen: '{}' is not an IP address", host);
    return 2;
  }

  std::unique_ptr<store::Store> store;
  if (Status s = store::OpenStore(options.store, &store); !s.ok()) {
    spdlog::error("cannot open store {}: {}", options.store, s.ToString());
    return 1;
  }
  spdlog::info("store opened: {}", store->Describe());

  views::ViewHub hub;
  if (Status s = hub.RebuildAll(*store); !s.ok()) {
    spdlog::error("rebuilding views failed: {}", s.ToString());
    return 1;
  }

  asio::io_context io(1);
  rooms::RoomRegistry rooms(io, *store);
  rooms.set_on_committed([&hub](const store::StoredEvent& e, const nlohmann::json& parsed) {
    hub.OnCommitted(e, parsed);
  });
  api::Router router;
  api::Services services{io, *store, rooms, hub};
  api::AddAllRoutes(router, services);
  StaticFiles static_files(options.web_dir);
  ServerContext ctx{rooms, router, static_files, {}, {}};
  ctx.websocket.idle_timeout = options.idle_timeout;
  ctx.websocket.slow_consumer_bytes = options.slow_consumer_bytes;

  auto listener = std::make_shared<Listener>(io, ctx);
  if (Status s = listener->Open({address, port}); !s.ok()) {
    spdlog::error("{}", s.ToString());
    return 1;
  }
  listener->Run();
  auto bound = listener->local_endpoint();
  std::string url = "http://" + (address.is_v6() ? "[" + bound.address().to_string() + "]"
                                                  : bound.address().to_string()) +
                    ":" + std::to_string(bound.port()) + "/";
  if (static_files.has_app()) {
    spdlog::info("serving the web app from {}", static_files.root().string());
  } else {
    spdlog::warn("no web app at '{}' (index.html missing): serving a placeholder page",
                 static_files.root().string());
  }
  spdlog::info("listening on {}", url);
  std::cout << "Confab is running at " << url << std::endl;

  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer drain_deadline(io);
  std::function<void()> drain_wait;  // outlives the signal handler that starts it
  signals.async_wait([&](boost::system::error_code, int signo) {
    spdlog::info("signal {}: closing {} sockets and stopping", signo, ctx.sessions.size());
    listener->Stop();
    ctx.sessions.ForEach([](WebSocketSession& s) { s.Close(1001, "going away"); });
    // Give close frames a moment to leave (stop as soon as every socket is gone), but never hang on
    // a client that does not answer.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    drain_wait = [&, give_up] {
      if (ctx.sessions.size() == 0 || std::chrono::steady_clock::now() >= give_up) {
        io.stop();
        return;
      }
      drain_deadline.expires_after(std::chrono::milliseconds(20));
      drain_deadline.async_wait([&](boost::system::error_code) { drain_wait(); });
    };
    drain_wait();
  });
  io.run();
  store->Flush();
  spdlog::info("stopped");
  return 0;
}

}  // namespace confab::net
