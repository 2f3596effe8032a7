#pragma once
// NatsBus: cluster::Bus over the NATS C client (libnats).
//
// Connection: Open succeeds even when the server is not reachable yet and keeps trying in the
// background (a node may start while NATS restarts); after that it reconnects forever, every ~250 ms
// with jitter. While disconnected, publishes are buffered up to 8 MiB, then refused as Unavailable.
//
// Threading contract:
// - Handlers run on libnats's global delivery pool (a few threads shared by every subscription of
//   every NatsBus in the process), one subscription always on the same thread, so a slow handler
//   delays other subscriptions too.
// - Destroying a Subscription waits for its handler if it is running on another thread. A handler
//   may destroy its own Subscription (it is not waited for; it simply gets no further messages) or
//   another one, but two handlers destroying each other's Subscriptions at once deadlock.
// - on_reconnected runs on libnats's connection-callback thread, one for the whole process: it must
//   be quick too.
// - The NatsBus must not be destroyed from its own callbacks. Subscriptions should go first; one
//   that outlives its bus stays safe to destroy and just receives nothing more.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "cluster/bus.hpp"
#include "util/status.hpp"

struct __natsConnection;  // natsConnection, without pulling the whole C API into every includer

namespace confab::cluster {

class NatsBus final : public Bus {
 public:
  // `url` is one NATS url, or several comma-separated, and may carry credentials
  // ("nats://user:pass@host:4222"); they never reach the logs. `client_name` shows in the server's
  // connection list. Fails only for a malformed url or options, not for an unreachable server.
  static Status Open(const std::string& url, const std::string& client_name, std::unique_ptr<NatsBus>* out);

  // Flushes what is buffered (at most ~0.5 s), closes, and waits until no callback of this bus runs.
  ~NatsBus() override;
  NatsBus(const NatsBus&) = delete;
  NatsBus& operator=(const NatsBus&) = delete;

  Status Publish(std::string_view subject, std::string_view data) override;
  Status Subscribe(const std::string& subject, Handler handler, std::unique_ptr<Subscription>* out) override;
  // Also called after a first connect that Open did not wait for: subscribers were deaf until then.
  // Once this returns, the previous fn is not running and will not run again; so it must not be
  // called from inside fn.
  void set_on_reconnected(std::function<void()> fn) override;
  bool connected() const override;
  std::string Describe() const override;

  // Round trip to the server: once Ok, it has processed everything sent before (subscriptions
  // included). Blocks; for tests and orderly shutdown, not for hot paths.
  Status Flush(std::chrono::milliseconds timeout);
  // Whether connected() became `want` within `timeout` (start-up, health checks, tests).
  bool WaitUntilConnected(bool want, std::chrono::milliseconds timeout) const;

  // "nats://user:pass@host:4222,nats://tok@h2" -> "nats://host:4222,nats://h2".
  static std::string StripCredentials(std::string_view urls);

 private:
  struct Callbacks;
  explicit NatsBus(std::string description) : description_(std::move(description)) {}
  void NotifyStateChanged();
  void RunOnReconnected();

  const std::string description_;
  __natsConnection* nc_ = nullptr;

  // Connection state changes are signalled here so waiters need not poll.
  mutable std::mutex state_mu_;
  mutable std::condition_variable state_cv_;
  bool closed_ = false;               // the closed callback ran: no callback of this bus will run again
  std::atomic<bool> closing_{false};  // our own close: its disconnect is not news

  // Held while on_reconnected_ runs, so replacing it also waits for a call in progress.
  std::mutex callback_mu_;
  std::function<void()> on_reconnected_;
  std::atomic<std::thread::id> callback_thread_{};  // running on_reconnected_ now, if any
};

}  // namespace confab::cluster
