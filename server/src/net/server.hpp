#pragma once
// Server: `confab serve` — opens the store, rebuilds the views, listens, and runs the io thread
// until SIGINT/SIGTERM; then stops accepting, closes sockets with 1001 and flushes the store.
#include <chrono>
#include <filesystem>
#include <string>

#include "util/status.hpp"

namespace confab::net {

struct ServeOptions {
  std::string listen = "127.0.0.1:4000";
  std::string store = "sqlite:./data/confab.db";
  std::filesystem::path web_dir;
  std::chrono::seconds idle_timeout{60};
  size_t slow_consumer_bytes = 4 << 20;
};

// Runs the server to completion. Returns the process exit code.
int Serve(const ServeOptions& options);

// "host:port" → address and port; false when malformed.
bool ParseListen(const std::string& text, std::string* host, unsigned short* port);

}  // namespace confab::net
