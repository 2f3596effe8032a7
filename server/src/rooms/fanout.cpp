#include "rooms/fanout.hpp"

#include <algorithm>
#include <utility>

namespace confab::rooms {

void Subscriber::Unsubscribe() {
  // Taken out first: Remove may drop the last reference to this subscriber.
  std::shared_ptr<Fanout> f = std::exchange(fanout_, {}).lock();
  if (f) f->Remove(this);
}

void Fanout::Add(const std::weak_ptr<Subscriber>& weak) {
  auto sub = weak.lock();
  if (!sub) return;
  sub->fanout_ = weak_from_this();
  subs_.push_back(std::move(sub));
  ++live_;
}

void Fanout::Remove(const Subscriber* sub) {
  auto it = std::find_if(subs_.begin(), subs_.end(), [&](const auto& s) { return s.get() == sub; });
  if (it == subs_.end()) return;
  if (delivering_ > 0) {
    it->reset();  // compacted when the delivery ends
  } else {
    subs_.erase(it);
  }
  --live_;
}

void Fanout::Deliver(const Broadcast& b) {
  ++delivering_;
  // A subscriber may close (and remove itself) inside Deliver: index, not iterators, and only the
  // ones present when the delivery started.
  const size_t n = subs_.size();
  for (size_t i = 0; i < n; ++i) {
    if (subs_[i]) subs_[i]->Deliver(b);
  }
  if (--delivering_ == 0 && live_ != subs_.size()) {
    std::erase_if(subs_, [](const auto& s) { return !s; });
  }
}

}  // namespace confab::rooms
