#pragma once
// Sets the limits of a ServerContext from the serve options before the listener starts: the connection
// cap from the soft RLIMIT_NOFILE (net/accept_gate.hpp), connections per address, trusted proxies and
// the timeouts; logs what it chose. docs/operations.md § Quotas and limits, § Descriptors.
#include <cstddef>

#include "net/server.hpp"
#include "util/status.hpp"

namespace confab::net {

struct ServerContext;

// Invalid when a trusted proxy is not an IP address.
Status ApplyLimits(const ServeOptions& options, size_t io_threads, size_t reader_threads, ServerContext* ctx);

}  // namespace confab::net
