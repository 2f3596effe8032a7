#pragma once
// StateAt: a meeting's canonical state (domain::ToJson) as it was after a given event, or at a given
// time — GET /api/meetings/ID/state?seq=K | ?at=ISO-8601 (docs/views.md, "State at seq/time").
//
// An answer starts from the latest persisted snapshot at or below its target (Store::LatestSnapshot,
// restored with domain::FromJson) and folds the events read from the store after it. Snapshots are
// written every kSnapshotEvery events (snapshot_policy.hpp: by rooms as events commit, and by
// BuildSnapshots for older logs), so an answer folds fewer than kSnapshotEvery events. Nothing is
// cached in memory: the first query after a restart costs what every other one costs, and memory
// does not grow with the number of meetings queried. A meeting without snapshots (fewer than
// kSnapshotEvery events, or a store older than snapshots and not yet backfilled) folds from seq 0.
// Moment events (reactions) count: they are in the log and move last_seq.
//
// Threading: every call BLOCKS on the store — run it on a ReaderPool thread, never an io thread.
// Safe from any number of threads at once (the only shared state is counters).
#include <atomic>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "store/store.hpp"
#include "util/status.hpp"

namespace confab::views {

// What one query did (tests and benchmarks assert on it; time is not a valid assertion).
struct StateAtCost {
  int64_t snapshot_seq = 0;   // the persisted snapshot the answer started from (0: none, from seq 0)
  int64_t folded = 0;         // events folded after it (< kSnapshotEvery once snapshots exist)
  bool bad_snapshot = false;  // the snapshot found did not restore, so the answer folded from seq 0
};

// Totals since construction.
struct StateAtStats {
  uint64_t queries = 0;
  uint64_t from_snapshot = 0;  // answers that started from a persisted snapshot
  uint64_t bad_snapshots = 0;  // snapshots FromJson refused (answered from seq 0 instead)
  uint64_t events_folded = 0;
};

class StateAt {
 public:
  StateAt() = default;
  StateAt(const StateAt&) = delete;
  StateAt& operator=(const StateAt&) = delete;

  // {"seq", "head_seq", "state"}: the state after event `seq`. A seq past the head answers the
  // head's state and says so ("seq" is the seq answered, "head_seq" the head); seq 0 is the initial
  // state. Invalid when seq < 0, NotFound for an unknown meeting, store errors as they come.
  Status AtSeq(store::Store& store, std::string_view meeting_id, int64_t seq, nlohmann::json* out,
               StateAtCost* cost = nullptr);

  // The same, after the last event with ts <= at_ms (server ms). Event times are taken as a
  // running maximum, so a clock that stepped back cannot make time run backwards (a snapshot's
  // last_ts stands for the maximum up to it). Before the first event: seq 0, the initial state.
  Status AtTime(store::Store& store, std::string_view meeting_id, int64_t at_ms, nlohmann::json* out,
                StateAtCost* cost = nullptr);

  StateAtStats Stats() const;

  // The process-wide instance the route helpers below use.
  static StateAt& Shared();

 private:
  struct Target;
  Status Query(store::Store& store, std::string_view meeting_id, const Target& target, nlohmann::json* out,
               StateAtCost* cost);

  std::atomic<uint64_t> queries_{0}, from_snapshot_{0}, bad_snapshots_{0}, events_folded_{0};
};

// Route helpers on StateAt::Shared(): GET /api/meetings/ID/state. Errors map as for every view
// (NotFound → 404 not_found, Invalid → 400 invalid_payload, others → 503 unavailable).
Status StateAtSeq(store::Store& store, std::string_view meeting_id, int64_t seq, nlohmann::json* out);
Status StateAtTime(store::Store& store, std::string_view meeting_id, int64_t at_ms, nlohmann::json* out);
// The raw query parameters, empty = absent: exactly one of `seq` (a non-negative decimal integer)
// or `at` (ms, YYYY-MM-DD = that UTC midnight, or ISO-8601 date-time; views/time_text.hpp) is
// required, else Invalid.
Status StateAtQuery(store::Store& store, std::string_view meeting_id, std::string_view seq,
                    std::string_view at, nlohmann::json* out);

// Persists the snapshots `meeting_id` lacks under the kSnapshotEvery rule (snapshot_policy.hpp),
// folding its log from the last snapshot before the first gap (from seq 0 when there is none or
// it does not restore), and waits until they are committed. Existing snapshots are kept, so a
// meeting already covered costs one point read per snapshot. For `confab rebuild-views` (old
// stores), tests and benchmarks. Blocking. `written` (optional) gets the number put.
Status BuildSnapshots(store::Store& store, std::string_view meeting_id, int64_t* written = nullptr);

}  // namespace confab::views
