#include "net/serve_limits.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include "net/client_address.hpp"
#include "net/server_context.hpp"

namespace confab::net {

Status ApplyLimits(const ServeOptions& options, size_t io_threads, size_t reader_threads,
                   ServerContext* ctx) {
  std::string bad;
  if (!ParseTrustedProxies(options.quotas.trusted_proxies, &ctx->trusted_proxies, &bad))
    return Status::Invalid("--trusted-proxies: '" + bad + "' is not an IP address");
  ctx->per_address.set_limit(options.quotas.connections_per_address);
  ctx->handshake_timeout = options.handshake_timeout;
  ctx->websocket.frame_timeout = options.frame_timeout;

  rlimit nofile{};
  uint64_t soft = uint64_t{1} << 30;
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY) soft = nofile.rlim_cur;
  const size_t reserve = AcceptGate::Reserve(io_threads, reader_threads);
  const size_t cap = AcceptGate::CapFor(soft, reserve);
  ctx->gate.Configure(cap, AcceptGate::HttpSlotsFor(cap));
  spdlog::info(
      "descriptors: soft limit {}, {} kept for the store and the process: at most {} connections, the "
      "last {} for plain HTTP",
      soft, reserve, ctx->gate.cap(), ctx->gate.http_slots());
  if (soft < 4096)
    spdlog::warn("the descriptor limit ({}) is low for a server: raise it (ulimit -n, LimitNOFILE=)", soft);
  return Status::Ok();
}

}  // namespace confab::net
