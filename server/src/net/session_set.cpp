#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "net/server_context.hpp"
#include "rooms/io_threads.hpp"

namespace confab::net {

using Clock = std::chrono::steady_clock;

// Tick n of a shard falls at base + n * kTick; slot n % kSlots holds the sessions to visit at tick n.
struct SessionSet::Shard {
  explicit Shard(boost::asio::io_context& io) : io(io), sweep(std::in_place, io) {
    for (SessionLink& head : slots) head.prev = head.next = &head;
  }
  ~Shard() {
    // Sessions still linked (destroyed later, with their io_context's queued handlers) must not
    // reach into a freed wheel.
    for (SessionLink& head : slots) {
      while (head.next != &head) head.next->Unlink();
    }
  }
  Clock::time_point TimeOf(uint64_t tick) const { return base + tick * kTick; }
  // The first tick at or after `t`.
  uint64_t TickAtOrAfter(Clock::time_point t) const {
    if (t <= base) return 0;
    return static_cast<uint64_t>(std::chrono::ceil<std::chrono::seconds>(t - base) / kTick);
  }

  std::array<SessionLink, kSlots> slots;
  uint64_t cursor = 0;  // the next tick to sweep
  size_t count = 0;     // sessions in the wheel
  boost::asio::io_context& io;
  Clock::time_point base;
  std::optional<boost::asio::steady_timer> sweep;
  Clock::time_point armed = Clock::time_point::max();  // when the sweep timer fires; max: not armed
};

SessionSet::SessionSet() = default;
SessionSet::~SessionSet() = default;

void SessionSet::Start(const rooms::IoThreads& threads) {
  const auto now = Clock::now();
  for (size_t i = 0; i < threads.size(); ++i) {
    shards_.push_back(std::make_unique<Shard>(threads.at(i)));
    shards_.back()->base = now;
  }
}

void SessionSet::Stop() {
  for (auto& shard : shards_) shard->sweep.reset();
}

SessionSet::Shard* SessionSet::ShardOf(const WebSocketSession& s) const {
  return s.thread_ < shards_.size() ? shards_[s.thread_].get() : nullptr;
}

void SessionSet::Place(Shard& shard, WebSocketSession& s) {
  s.Unlink();
  // Visited at the first tick at or after its deadline. Further than the wheel reaches, it is visited
  // early and placed again; never in the slot being swept (the cursor has moved past it).
  const uint64_t tick =
      std::clamp(shard.TickAtOrAfter(s.deadline()), shard.cursor, shard.cursor + kSlots - 2);
  SessionLink& head = shard.slots[tick % kSlots];
  s.prev = head.prev;
  s.next = &head;
  head.prev->next = &s;
  head.prev = &s;
  ArmSweep(shard, shard.TimeOf(tick));
}

void SessionSet::Add(WebSocketSession& s) {
  Shard* shard = ShardOf(s);
  if (!shard || s.linked()) return;
  // An empty wheel may have slept through many ticks: start it again from now.
  if (shard->count == 0) shard->cursor = std::max(shard->cursor, shard->TickAtOrAfter(Clock::now()));
  ++shard->count;
  Place(*shard, s);
  size_.fetch_add(1, std::memory_order_relaxed);
}

void SessionSet::Schedule(WebSocketSession& s) {
  Shard* shard = ShardOf(s);
  if (shard && s.linked()) Place(*shard, s);
}

void SessionSet::Remove(WebSocketSession& s) {
  if (!s.linked()) return;
  s.Unlink();
  if (Shard* shard = ShardOf(s)) --shard->count;
  size_.fetch_sub(1, std::memory_order_relaxed);
}

void SessionSet::ArmSweep(Shard& shard, Clock::time_point at) {
  // The timer sleeps until the earliest slot that holds a session: 10,000 sockets that idle for a
  // minute cost no wake-up in between.
  if (!shard.sweep || at >= shard.armed) return;
  shard.armed = at;
  shard.sweep->expires_at(at);  // a wait for a later time ends with operation_aborted
  shard.sweep->async_wait([this, &shard](boost::system::error_code ec) {
    if (ec) return;
    shard.armed = Clock::time_point::max();
    Sweep(shard);
  });
}

void SessionSet::Sweep(Shard& shard) {
  const auto now = Clock::now();
  std::vector<std::shared_ptr<WebSocketSession>> due;
  while (shard.TimeOf(shard.cursor) <= now) {
    SessionLink& head = shard.slots[shard.cursor % kSlots];
    ++shard.cursor;
    if (head.next == &head) continue;
    // Held while their deadlines run: closing one may end it, and with it its place in the list.
    due.clear();
    for (SessionLink* l = head.next; l != &head; l = l->next) {
      if (auto s = static_cast<WebSocketSession*>(l)->weak_from_this().lock()) due.push_back(std::move(s));
    }
    for (auto& s : due) {
      if (!s->linked()) continue;
      if (now >= s->deadline()) s->OnDeadline();
      if (s->linked()) Place(shard, *s);  // later (not due, or now closing with its grace period)
    }
  }
  for (uint64_t tick = shard.cursor; tick < shard.cursor + kSlots; ++tick) {
    const SessionLink& head = shard.slots[tick % kSlots];
    if (head.next != &head) return ArmSweep(shard, shard.TimeOf(tick));
  }
}

void SessionSet::CloseAll(uint16_t code, std::string_view reason) {
  for (auto& shard_ptr : shards_) {
    Shard& shard = *shard_ptr;
    boost::asio::post(shard.io, [&shard, code, reason = std::string(reason)] {
      std::vector<std::shared_ptr<WebSocketSession>> open;
      for (SessionLink& head : shard.slots) {
        for (SessionLink* l = head.next; l != &head; l = l->next) {
          if (auto s = static_cast<WebSocketSession*>(l)->weak_from_this().lock())
            open.push_back(std::move(s));
        }
      }
      for (auto& s : open) s->Close(code, reason);
    });
  }
}

}  // namespace confab::net
