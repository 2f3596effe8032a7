#pragma once
// Bus: the message bus between Confab nodes (NATS in production: cluster/nats_bus.hpp).
//
// A fast path only. Messages are delivered at most once, in publish order per publisher and subject,
// and may be lost (the bus restarting, a slow consumer): whoever listens must be able to recover
// what it missed from the store (rooms catch up from the log when they see a gap in seqs).
//
// Threading: every method is safe from any thread and never blocks on the network (a publish is
// buffered, and while disconnected buffered up to a bound, then dropped with an error). Handlers run
// on the bus's own threads: they must be quick and hand their work to the thread that owns it.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "util/status.hpp"

namespace confab::cluster {

class Subscription {
 public:
  // Unsubscribes. After the destructor returns the handler is not running and will not run again.
  virtual ~Subscription() = default;
};

class Bus {
 public:
  virtual ~Bus() = default;

  // Sends `data` to every subscriber of `subject` (including this process's own subscriptions).
  // Unavailable when the bus cannot take it now.
  virtual Status Publish(std::string_view subject, std::string_view data) = 0;

  using Handler = std::function<void(std::string_view subject, std::string_view data)>;
  // Delivers every message published on `subject` from now on to `handler` until the returned
  // Subscription is destroyed. `subject` may use NATS wildcards ("confab.node.*").
  virtual Status Subscribe(const std::string& subject, Handler handler,
                           std::unique_ptr<Subscription>* out) = 0;

  // Called (on a bus thread) each time the connection is re-established after it was lost: messages
  // published in between may be lost, so listeners re-read what they may have missed.
  virtual void set_on_reconnected(std::function<void()> fn) = 0;

  // Whether the bus is connected now (health, metrics).
  virtual bool connected() const = 0;
  // Where it is, for logs, without credentials ("nats://127.0.0.1:4222").
  virtual std::string Describe() const = 0;
};

}  // namespace confab::cluster
