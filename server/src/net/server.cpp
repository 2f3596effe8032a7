#include "net/server.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <functional>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

#include "api/services.hpp"
#include "channels/connection.hpp"
#include "cluster/cluster_node.hpp"
#include "cluster/envelope.hpp"
#include "cluster/nats_bus.hpp"
#include "net/listener.hpp"
#include "net/serve_limits.hpp"
#include "net/server_context.hpp"
#include "rooms/room_registry.hpp"
#include "store/reader_pool.hpp"
#include "store/store.hpp"
#include "util/thread_role.hpp"
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

namespace {

size_t Cores() {
  return std::max<size_t>(1, std::thread::hardware_concurrency());
}

// Runs one io thread until its io_context is stopped. A handler that throws loses what it held (its
// connection or request ends) and is logged; the thread and every other connection carry on.
void RunIoThread(asio::io_context& io, size_t index) {
  MarkIoThread();
  // Named, so top -H, perf and /proc/PID/task tell the io threads apart (15 characters at most).
  pthread_setname_np(pthread_self(), ("confab-io-" + std::to_string(index)).substr(0, 15).c_str());
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("io thread {}: a handler threw: {}", index, e.what());
    } catch (...) {
      spdlog::error("io thread {}: a handler threw a non-exception", index);
    }
  }
}

}  // namespace

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
    spdlog::error("cannot open store {}: {}", store::RedactStoreUrl(options.store), s.ToString());
    return 1;
  }
  spdlog::info("store opened: {}", store->Describe());

  // A cluster's nodes share one log: a file on this machine cannot be it.
  std::unique_ptr<cluster::NatsBus> bus;
  const std::string node_id = options.node_id.empty() ? options.listen : options.node_id;
  if (!options.bus.empty()) {
    if (store->Describe().rfind("sqlite:", 0) == 0) {
      spdlog::error(
          "--bus runs this server as a cluster node, which needs a shared store (--store postgres://…)");
      return 2;
    }
    if (!cluster::ValidNodeId(node_id)) {
      spdlog::error("--node-id must be 1-64 letters, digits, '_', '-', '.' or ':', got '{}'", node_id);
      return 2;
    }
    if (Status s = cluster::NatsBus::Open(options.bus, "confab " + node_id, &bus); !s.ok()) {
      spdlog::error("cannot use bus {}: {}", cluster::NatsBus::StripCredentials(options.bus), s.ToString());
      return 2;
    }
  }
  const size_t n_threads = options.threads == 0 ? Cores() : options.threads;
  const size_t n_readers =
      options.reader_threads == 0 ? std::max<size_t>(2, Cores()) : options.reader_threads;

  {
    // Declared first, destroyed explicitly below: handlers still queued in them are destroyed while
    // everything they refer to is alive.
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    std::vector<asio::io_context*> raw;
    for (size_t i = 0; i < n_threads; ++i) {
      contexts.push_back(std::make_unique<asio::io_context>(1));
      raw.push_back(contexts.back().get());
    }
    asio::io_context& main_io = *contexts.front();
    store::ReaderPool reader(*store, n_readers);
    // The views fold nothing at start: they answer from the store and fold meetings on demand.
    views::ViewHub hub(*store);
    rooms::RoomRegistry rooms(raw, reader);
    channels::InstallBroadcastEncoder(rooms);
    rooms.set_limits({options.quotas.members_per_meeting, options.quotas.events_per_meeting_per_second});
    std::optional<cluster::ClusterNode> node;
    if (bus) {
      node.emplace(*bus, rooms, node_id, main_io);
      if (Status s = node->Start(); !s.ok()) {
        spdlog::error("cluster: {}", s.ToString());
        return 1;
      }
    }
    rooms.set_on_committed(
        [&hub](const store::StoredEvent& e, const nlohmann::json& parsed) { hub.OnCommitted(e, parsed); });
    api::Router router;
    api::Services services{*store, reader, rooms, hub};
    services.LimitMeetingCreations(options.quotas.meetings_per_address_per_minute);
    if (node) services.more_metrics = [&node] { return node->Metrics(); };
    api::AddAllRoutes(router, services);
    StaticFiles static_files(options.web_dir);
    ServerContext ctx{rooms, reader, router, static_files, {}, {}};
    ctx.websocket.idle_timeout = options.idle_timeout;
    ctx.websocket.slow_consumer_bytes = options.slow_consumer_bytes;
    ctx.sessions.Start(rooms.threads());
    if (Status s = ApplyLimits(options, n_threads, n_readers, &ctx); !s.ok()) {
      spdlog::error("{}", s.ToString());
      return 2;
    }

    auto listener = std::make_shared<Listener>(main_io, raw, ctx);
    if (Status s = listener->Open({address, port}); !s.ok()) {
      spdlog::error("{}", s.ToString());
      return 1;
    }
    listener->Run();
    auto bound = listener->local_endpoint();
    std::string url =
        "http://" +
        (address.is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string()) + ":" +
        std::to_string(bound.port()) + "/";
    if (static_files.has_app()) {
      spdlog::info("serving the web app from {}", static_files.root().string());
    } else {
      spdlog::warn("no web app at '{}' (index.html missing): serving a placeholder page",
                   static_files.root().string());
    }
    spdlog::info("listening on {} with {} io threads and {} store readers", url, n_threads, n_readers);
    std::cout << "Confab is running at " << url << std::endl;

    // Keeps every io_context running while idle; released at shutdown.
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
    for (auto& io : contexts) guards.push_back(asio::make_work_guard(*io));

    // Optional so they can go before the io_contexts they belong to.
    std::optional<asio::signal_set> signals(std::in_place, main_io, SIGINT, SIGTERM);
    std::optional<asio::steady_timer> drain_deadline(std::in_place, main_io);
    std::function<void()> drain_wait;  // outlives the signal handler that starts it
    signals->async_wait([&](boost::system::error_code, int signo) {
      spdlog::info("signal {}: closing {} sockets and stopping", signo, ctx.sessions.size());
      listener->Stop();
      if (node) node->Stop();
      ctx.sessions.CloseAll(1001, "going away");
      // Give close frames a moment to leave (stop as soon as every socket is gone), but never hang on
      // a client that does not answer.
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      drain_wait = [&, give_up] {
        if (ctx.sessions.size() == 0 || std::chrono::steady_clock::now() >= give_up) {
          for (auto& io : contexts) io->stop();
          return;
        }
        drain_deadline->expires_after(std::chrono::milliseconds(20));
        drain_deadline->async_wait([&](boost::system::error_code) { drain_wait(); });
      };
      drain_wait();
    });

    std::vector<std::thread> threads;
    for (size_t i = 1; i < n_threads; ++i)
      threads.emplace_back([&io = *contexts[i], i] { RunIoThread(io, i); });
    RunIoThread(main_io, 0);
    for (auto& t : threads) t.join();
    MarkIoThread(false);
    ctx.gate.Stop();  // sessions destroyed with their io_contexts below must not wake the listener
    // No io thread runs now. The reader pool finishes what it is doing (and posts nothing more), the
    // rooms go, then the contexts drop what is still queued (sessions, their connections).
    reader.Stop();
    rooms.Shutdown();
    node.reset();
    signals.reset();
    drain_deadline.reset();
    listener.reset();
    ctx.sessions.Stop();
    guards.clear();
    contexts.clear();
  }
  store->Flush();
  spdlog::info("stopped");
  return 0;
}

}  // namespace confab::net
