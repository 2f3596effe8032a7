#include "views/state_at.hpp"

#include <algorithm>
#include <exception>
#include <limits>
#include <optional>
#include <vector>

#include "domain/meeting.hpp"
#include "views/time_text.hpp"

namespace confab::views {
namespace {

constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();

// As the room folds a stored row (rooms/room.cpp): a row that is not JSON folds as an empty object,
// so the state at the head equals the live one. Apply does not throw; a bug in it must not take
// the caller's thread down either.
void FoldRow(domain::Meeting& m, const store::StoredEvent& e) {
  nlohmann::json parsed = nlohmann::json::parse(e.json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) parsed = nlohmann::json::object();
  try {
    domain::Apply(m, parsed);
  } catch (const std::exception&) {
  }
}

nlohmann::json Reply(int64_t seq, int64_t head, const domain::Meeting& m) {
  return {{"seq", seq}, {"head_seq", head}, {"state", domain::ToJson(m)}};
}

}  // namespace

struct StateAt::Target {
  bool by_time = false;
  int64_t value = 0;  // a seq, or ms
};

// A meeting's fold at one seq. `ts_max` is the running maximum of event ts up to it.
struct Snapshot {
  int64_t seq = 0;
  int64_t ts_max = kNoTime;
  size_t bytes = 0;
  domain::Meeting state;
};

struct StateAt::Log {
  std::mutex mu;  // guards everything but `charged` and `lru`
  const store::Store* store = nullptr;
  std::vector<Snapshot> snapshots;  // ascending seq (and ts_max)
  domain::Meeting tail;             // the fold up to tail_seq, the head when last caught up
  int64_t tail_seq = 0;
  int64_t tail_ts_max = kNoTime;
  int64_t interval = 0;
  size_t bytes = 0;  // Σ snapshots' bytes

  // Guarded by StateAt::mu_ (copied from the above by Settle, so Stats never takes `mu`).
  size_t charged = 0;
  size_t charged_snapshots = 0;
  std::list<std::string>::iterator lru;
};

// Where an answer starts: a copy of the nearest snapshot at or below the target.
struct StateAt::Base {
  int64_t seq = 0;
  int64_t ts_max = kNoTime;
  domain::Meeting state;
};

StateAt::StateAt(StateAtOptions options) : options_(options) {}
StateAt::~StateAt() = default;

StateAt& StateAt::Shared() {
  static StateAt* shared = new StateAt();  // never destroyed: route handlers may run during exit
  return *shared;
}

Status StateAt::AtSeq(store::Store& store, std::string_view meeting_id, int64_t seq, nlohmann::json* out,
                      StateAtCost* cost) {
  if (seq < 0) return Status::Invalid("seq must be >= 0");
  return Query(store, meeting_id, Target{false, seq}, out, cost);
}

Status StateAt::AtTime(store::Store& store, std::string_view meeting_id, int64_t at_ms, nlohmann::json* out,
                       StateAtCost* cost) {
  return Query(store, meeting_id, Target{true, at_ms}, out, cost);
}

void StateAt::Forget(std::string_view meeting_id) {
  std::lock_guard lock(mu_);
  auto it = logs_.find(meeting_id);
  if (it == logs_.end()) return;
  charged_bytes_ -= it->second->charged;
  lru_.erase(it->second->lru);
  logs_.erase(it);
}

StateAtStats StateAt::Stats() const {
  std::lock_guard lock(mu_);
  StateAtStats s = totals_;
  s.meetings = logs_.size();
  s.snapshot_bytes = charged_bytes_;
  s.snapshots = 0;
  for (const auto& [_, log] : logs_) s.snapshots += log->charged_snapshots;
  return s;
}

std::shared_ptr<StateAt::Log> StateAt::Acquire(std::string_view meeting_id) {
  std::lock_guard lock(mu_);
  auto it = logs_.find(meeting_id);
  if (it == logs_.end()) {
    auto log = std::make_shared<Log>();
    log->interval = std::max<int64_t>(1, options_.interval);
    lru_.emplace_front(meeting_id);
    log->lru = lru_.begin();
    it = logs_.emplace(std::string(meeting_id), std::move(log)).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second->lru);
  }
  return it->second;
}

// Charges the log's snapshots to the budget, then drops the least recently queried meetings
// (never the one just answered) until every bound holds again.
void StateAt::Settle(std::string_view meeting_id, const std::shared_ptr<Log>& log, const Charge& charge,
                     const StateAtCost& cost) {
  std::lock_guard lock(mu_);
  totals_.queries++;
  totals_.cold_loads += cost.cold ? 1 : 0;
  totals_.events_indexed += static_cast<uint64_t>(cost.indexed);
  totals_.events_folded += static_cast<uint64_t>(cost.folded);
  auto it = logs_.find(meeting_id);
  if (it == logs_.end() || it->second != log) return;  // forgotten or evicted meanwhile
  charged_bytes_ = charged_bytes_ - log->charged + charge.bytes;
  log->charged = charge.bytes;
  log->charged_snapshots = charge.snapshots;
  while (logs_.size() > 1 &&
         (logs_.size() > options_.max_meetings || charged_bytes_ > options_.max_snapshot_bytes)) {
    auto victim = logs_.find(lru_.back());
    if (victim->second == log) break;  // the log just answered is the only one over the bound
    charged_bytes_ -= victim->second->charged;
    logs_.erase(victim);
    lru_.pop_back();
    totals_.evictions++;
  }
}

void StateAt::TakeSnapshot(Log& log) {
  Snapshot s{log.tail_seq, log.tail_ts_max, domain::ToJson(log.tail).dump().size(), log.tail};
  log.bytes += s.bytes;
  log.snapshots.push_back(std::move(s));
  if (log.snapshots.size() <= std::max<size_t>(1, options_.max_snapshots_per_meeting)) return;
  // Keep the 2nd, 4th, …: they sit at multiples of the doubled interval, so the spacing stays even.
  std::vector<Snapshot> kept;
  kept.reserve(log.snapshots.size() / 2);
  log.bytes = 0;
  for (size_t i = 1; i < log.snapshots.size(); i += 2) {
    log.bytes += log.snapshots[i].bytes;
    kept.push_back(std::move(log.snapshots[i]));
  }
  log.snapshots = std::move(kept);
  log.interval *= 2;
}

Status StateAt::CatchUp(store::Store& store, std::string_view meeting_id, int64_t head, Log& log,
                        StateAtCost* cost) {
  if (log.store != &store || head < log.tail_seq) {
    log.store = &store;
    log.snapshots.clear();
    log.tail = domain::Meeting{};
    log.tail_seq = 0;
    log.tail_ts_max = kNoTime;
    log.interval = std::max<int64_t>(1, options_.interval);
    log.bytes = 0;
  }
  if (head <= log.tail_seq) return Status::Ok();
  cost->cold = log.tail_seq == 0;
  int64_t last_snapshot = log.snapshots.empty() ? 0 : log.snapshots.back().seq;
  // Reads to the end of the log as it is now, which may be past `head`: fresher, and just as true.
  return store.ScanEvents(meeting_id, log.tail_seq, [&](const store::StoredEvent& e) {
    FoldRow(log.tail, e);
    log.tail_seq = e.seq;
    log.tail_ts_max = std::max(log.tail_ts_max, e.ts);
    cost->indexed++;
    if (log.tail_seq - last_snapshot >= log.interval) {
      TakeSnapshot(log);
      last_snapshot = log.snapshots.back().seq;  // thinning may have dropped the one just taken
    }
    return true;
  });
}

Status StateAt::Query(store::Store& store, std::string_view meeting_id, const Target& target,
                      nlohmann::json* out, StateAtCost* cost_out) {
  StateAtCost cost;
  int64_t head = 0;
  if (Status s = store.HeadSeq(meeting_id, &head); !s.ok()) {
    if (s.code() == Status::Code::kNotFound) Forget(meeting_id);
    return s;
  }
  std::shared_ptr<Log> log = Acquire(meeting_id);
  Base base;
  Charge charge;
  bool answered = false;
  Status s;
  {
    std::lock_guard lock(log->mu);
    s = CatchUp(store, meeting_id, head, *log, &cost);
    charge = Charge{log->bytes, log->snapshots.size()};
    cost.interval = log->interval;
    head = log->tail_seq;
    const auto& snaps = log->snapshots;
    // The last snapshot at or below the target; snapshots ascend in both seq and ts_max.
    auto after = target.by_time
                     ? std::upper_bound(snaps.begin(), snaps.end(), target.value,
                                        [](int64_t at, const Snapshot& x) { return at < x.ts_max; })
                     : std::upper_bound(snaps.begin(), snaps.end(), target.value,
                                        [](int64_t seq, const Snapshot& x) { return seq < x.seq; });
    const bool at_tail = target.by_time ? log->tail_ts_max <= target.value : target.value >= head;
    if (!s.ok()) {
      // Nothing to answer from: the fold stopped short of the head.
    } else if (at_tail) {
      *out = Reply(head, head, log->tail);
      answered = true;
    } else if (after != snaps.begin() && !target.by_time && std::prev(after)->seq == target.value) {
      *out = Reply(target.value, head, std::prev(after)->state);
      answered = true;
    } else if (after != snaps.begin()) {
      const Snapshot& x = *std::prev(after);
      base = Base{x.seq, x.ts_max, x.state};
    }
  }
  if (s.ok() && !answered) {
    // No lock held: the base is a copy, and events up to the head never change.
    const int64_t stop_seq = target.by_time ? head : target.value;
    const int64_t stop_ts = target.by_time ? target.value : std::numeric_limits<int64_t>::max();
    int64_t seq = base.seq, ts_max = base.ts_max;
    s = store.ScanEvents(meeting_id, base.seq, [&](const store::StoredEvent& e) {
      if (e.seq > stop_seq || std::max(ts_max, e.ts) > stop_ts) return false;
      FoldRow(base.state, e);
      seq = e.seq;
      ts_max = std::max(ts_max, e.ts);
      cost.folded++;
      return true;
    });
    if (s.ok()) *out = Reply(seq, head, base.state);
  }
  Settle(meeting_id, log, charge, cost);
  if (s.ok() && cost_out) *cost_out = cost;
  return s;
}

Status StateAtSeq(store::Store& store, std::string_view meeting_id, int64_t seq, nlohmann::json* out) {
  return StateAt::Shared().AtSeq(store, meeting_id, seq, out);
}

Status StateAtTime(store::Store& store, std::string_view meeting_id, int64_t at_ms, nlohmann::json* out) {
  return StateAt::Shared().AtTime(store, meeting_id, at_ms, out);
}

Status StateAtQuery(store::Store& store, std::string_view meeting_id, std::string_view seq,
                    std::string_view at, nlohmann::json* out) {
  if (seq.empty() == at.empty()) return Status::Invalid("give exactly one of seq and at");
  if (!at.empty()) {
    int64_t at_ms = 0;
    if (Status s = ParseTimeBound(at, /*end_of_day=*/false, &at_ms); !s.ok())
      return Status::Invalid("at: " + s.message());
    return StateAtTime(store, meeting_id, at_ms, out);
  }
  // Digits only (no sign, no spaces, no fraction), at most 18 so the value fits in int64.
  if (seq.size() > 18 || seq.find_first_not_of("0123456789") != std::string_view::npos)
    return Status::Invalid("seq: expected a non-negative integer");
  int64_t k = 0;
  for (char c : seq) k = k * 10 + (c - '0');
  return StateAtSeq(store, meeting_id, k, out);
}

}  // namespace confab::views
