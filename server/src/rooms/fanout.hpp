#pragma once
// Fanout: the subscribers of one room that live on one io thread. A room hands each broadcast once
// to every thread that has subscribers (one post per thread, not one per subscriber); the Fanout
// then queues the same encoded frame on each of them.
// Threading: every method runs on the Fanout's own io thread only.
#include <cstddef>
#include <memory>
#include <vector>

#include "rooms/subscriber.hpp"

namespace confab::rooms {

class Fanout : public std::enable_shared_from_this<Fanout> {
 public:
  // Subscribes `sub` unless it is gone already (its channel closed while the join was on its way).
  void Add(const std::weak_ptr<Subscriber>& sub);
  // Unsubscribes; ignored when not subscribed.
  void Remove(const Subscriber* sub);
  void Deliver(const Broadcast& b);
  size_t size() const { return live_; }

 private:
  std::vector<std::shared_ptr<Subscriber>> subs_;  // entries nulled while delivering
  size_t live_ = 0;
  int delivering_ = 0;
};

}  // namespace confab::rooms
