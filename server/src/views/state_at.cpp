#include "views/state_at.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <set>

#include "domain/meeting.hpp"
#include "views/snapshot_policy.hpp"
#include "views/time_text.hpp"

namespace confab::views {
namespace {

constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxI64 = std::numeric_limits<int64_t>::max();
// BuildSnapshots leaves a stretch between two snapshots alone up to this long.
constexpr int64_t kLongestStretch = kSnapshotEvery * 3 / 2;

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

// Where a fold starts: a restored snapshot, or seq 0 with the initial state.
struct Base {
  int64_t seq = 0;
  int64_t ts_max = kNoTime;
  domain::Meeting state;
  bool bad = false;  // a snapshot was found but did not restore
};

// The latest snapshot with seq <= max_seq and last_ts <= max_ts, restored. A snapshot that does not
// restore is not an error — the log is the truth and snapshots only a cache of it — so the base
// falls back to seq 0.
Status FindBase(store::Store& store, std::string_view meeting_id, int64_t max_seq, int64_t max_ts,
                Base* out) {
  *out = Base{};
  store::Snapshot snap;
  Status s = store.LatestSnapshot(meeting_id, max_seq, max_ts, &snap);
  if (s.code() == Status::Code::kNotFound) return Status::Ok();
  if (!s.ok()) return s;
  nlohmann::json j = nlohmann::json::parse(snap.state_json, nullptr, /*allow_exceptions=*/false);
  std::optional<domain::Meeting> m;
  if (!j.is_discarded()) m = domain::FromJson(j);
  if (!m || snap.seq <= 0 || snap.seq > max_seq) {
    out->bad = true;
    return Status::Ok();
  }
  out->seq = snap.seq;
  out->ts_max = snap.last_ts;
  out->state = std::move(*m);
  return Status::Ok();
}

// Counts outstanding PutSnapshot callbacks and keeps the first failure.
class Pending {
 public:
  std::function<void(Status)> Add() {
    std::lock_guard lock(mu_);
    ++count_;
    return [this](Status s) {
      std::lock_guard lock(mu_);
      if (!s.ok() && first_error_.ok()) first_error_ = s;
      // Notified under the lock: once Wait sees 0 it may destroy *this, and this callback no
      // longer touches it after unlocking.
      if (--count_ == 0) cv_.notify_all();
    };
  }
  Status Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return count_ == 0; });
    return first_error_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t count_ = 0;
  Status first_error_;
};

}  // namespace

struct StateAt::Target {
  bool by_time = false;
  int64_t value = 0;  // a seq, or ms
};

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

StateAtStats StateAt::Stats() const {
  return StateAtStats{queries_.load(), from_snapshot_.load(), bad_snapshots_.load(), events_folded_.load()};
}

Status StateAt::Query(store::Store& store, std::string_view meeting_id, const Target& target,
                      nlohmann::json* out, StateAtCost* cost_out) {
  int64_t head = 0;
  if (Status s = store.HeadSeq(meeting_id, &head); !s.ok()) return s;
  // Events past the head as read now are not answered even if they commit meanwhile: "head_seq"
  // and the answer then describe the same log.
  const int64_t stop_seq = target.by_time ? head : std::min(target.value, head);
  const int64_t stop_ts = target.by_time ? target.value : kMaxI64;
  Base base;
  if (stop_seq > 0) {
    if (Status s = FindBase(store, meeting_id, stop_seq, stop_ts, &base); !s.ok()) return s;
  }
  StateAtCost cost{.snapshot_seq = base.seq, .folded = 0, .bad_snapshot = base.bad};
  int64_t seq = base.seq, ts_max = base.ts_max;
  if (seq < stop_seq) {
    Status s = store.ScanEvents(meeting_id, base.seq, [&](const store::StoredEvent& e) {
      if (e.seq > stop_seq || std::max(ts_max, e.ts) > stop_ts) return false;
      FoldRow(base.state, e);
      seq = e.seq;
      ts_max = std::max(ts_max, e.ts);
      cost.folded++;
      return true;
    });
    if (!s.ok()) return s;
  }
  *out = Reply(seq, head, base.state);
  if (cost.folded > kLongestStretch) {
    // A log from before snapshots (or imported): persist them now, so this was the last slow query.
    if (Status b = BuildSnapshots(store, meeting_id); !b.ok()) {
      spdlog::warn("state-at: writing snapshots of {} failed: {}", meeting_id, b.ToString());
    }
  }
  queries_++;
  from_snapshot_ += cost.snapshot_seq > 0 ? 1 : 0;
  bad_snapshots_ += cost.bad_snapshot ? 1 : 0;
  events_folded_ += static_cast<uint64_t>(cost.folded);
  if (cost_out) *cost_out = cost;
  return Status::Ok();
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

Status BuildSnapshots(store::Store& store, std::string_view meeting_id, int64_t* written) {
  if (written) *written = 0;
  int64_t head = 0;
  if (Status s = store.HeadSeq(meeting_id, &head); !s.ok()) return s;

  // The snapshots there are, newest first: one point read each.
  std::set<int64_t> have;
  for (int64_t below = head; below > 0;) {
    store::Snapshot snap;
    Status s = store.LatestSnapshot(meeting_id, below, kMaxI64, &snap);
    if (s.code() == Status::Code::kNotFound) break;
    if (!s.ok()) return s;
    if (snap.seq <= 0 || snap.seq > below) break;  // a store that ignores max_seq must not loop forever
    have.insert(snap.seq);
    below = snap.seq - 1;
  }
  // Rooms snapshot once kSnapshotEvery events committed since the last snapshot, at the end of a
  // commit batch, so their stretches run a little over kSnapshotEvery: only a stretch well over it
  // (a store older than snapshots, a put that failed) lacks one. Past the last snapshot the rule
  // itself decides.
  auto lacking = [head](int64_t prev, std::optional<int64_t> next) {
    return next ? *next - prev > kLongestStretch : SnapshotDue(head, prev);
  };
  auto next_after = [&have](int64_t seq) -> std::optional<int64_t> {
    auto it = have.upper_bound(seq);
    return it == have.end() ? std::nullopt : std::optional<int64_t>(*it);
  };
  // The fold starts at the snapshot before the first stretch that lacks one.
  int64_t start = 0;
  while (!lacking(start, next_after(start))) {
    std::optional<int64_t> next = next_after(start);
    if (!next) return Status::Ok();  // nothing lacks
    start = *next;
  }

  Base base;
  int64_t replace = 0;  // a snapshot that does not restore, rewritten (a put at its seq replaces it)
  if (start > 0) {
    if (Status s = FindBase(store, meeting_id, start, kMaxI64, &base); !s.ok()) return s;
    if (base.seq != start) {
      base = Base{};
      replace = start;
      have.erase(start);
    }
  }
  Pending pending;
  int64_t last = base.seq, ts_max = base.ts_max, count = 0;
  Status s = store.ScanEvents(meeting_id, base.seq, [&](const store::StoredEvent& e) {
    if (e.seq > head) return false;
    FoldRow(base.state, e);
    ts_max = std::max(ts_max, e.ts);
    if (have.count(e.seq)) {
      last = e.seq;
    } else if (e.seq == replace || (SnapshotDue(e.seq, last) && lacking(last, next_after(e.seq)))) {
      // last_ts is the running maximum: equal to this event's ts in any log the rooms wrote (they
      // never let ts go backwards), and what AtTime needs for one that does (an import).
      store.PutSnapshot(
          store::Snapshot{std::string(meeting_id), e.seq, ts_max, domain::ToJson(base.state).dump()},
          pending.Add());
      last = e.seq;
      ++count;
    }
    return true;
  });
  Status put = pending.Wait();
  if (!s.ok()) return s;
  if (!put.ok()) return put;
  if (written) *written = count;
  return Status::Ok();
}

}  // namespace confab::views
