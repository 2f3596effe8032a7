#pragma once
// Server: `confab serve` — opens the store, listens, and runs N io threads (one io_context each;
// connections are spread over them, each meeting's room lives on one) and a reader pool (every
// blocking store read) until SIGINT/SIGTERM; then stops accepting, closes sockets with 1001, stops
// the threads and flushes the store.
#include <chrono>
#include <filesystem>
#include <string>

#include "util/quotas.hpp"
#include "util/status.hpp"

namespace confab::net {

struct ServeOptions {
  std::string listen = "127.0.0.1:4000";
  std::string store = "sqlite:./data/confab.db";
  std::filesystem::path web_dir;
  std::chrono::seconds idle_timeout{60};
  // From a WebSocket message's first byte to its last; from accept (or the previous answer) to a whole
  // HTTP request, the upgrade included (docs/operations.md § Quotas and limits).
  std::chrono::seconds frame_timeout{10};
  std::chrono::seconds handshake_timeout{10};
  size_t slow_consumer_bytes = 4 << 20;
  size_t threads = 0;         // io threads; 0: one per core
  size_t reader_threads = 0;  // reader pool; 0: max(2, cores)
  std::string bus;            // NATS URL: run as one node of a cluster (docs/cluster.md); "" alone
  std::string node_id;        // the node's name on the bus; "": HOST:PORT of `listen`
  Quotas quotas;
};

// Runs the server to completion. Returns the process exit code.
int Serve(const ServeOptions& options);

// "host:port" → address and port; false when malformed.
bool ParseListen(const std::string& text, std::string* host, unsigned short* port);

}  // namespace confab::net
