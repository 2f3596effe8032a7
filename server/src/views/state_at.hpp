#pragma once
// StateAt: a meeting's canonical state (domain::ToJson) as it was after a given event, or at a given
// time — GET /api/meetings/ID/state?seq=K | ?at=ISO-8601 (docs/views.md, "State at seq/time").
//
// Folding a long log from seq 1 on every request would cost ~1 s of JSON parsing at 10^5 events.
// StateAt keeps, per meeting, copies of the folded domain::Meeting every `interval` events
// (snapshots) and the fold up to the head (the tail). A query copies the nearest snapshot at or
// below its target and folds at most one interval of events read from the store after it. A
// meeting's snapshots are built on its first query (one scan of its log) and, on later queries,
// extended by folding only the events appended since. Moment events (reactions) count: they are
// in the log and move last_seq.
//
// Memory is bounded: at most `max_snapshots_per_meeting` per meeting (past it every other snapshot
// is dropped and that meeting's interval doubles), and across meetings at most `max_meetings`
// meetings and `max_snapshot_bytes` of snapshots (measured as the size of their canonical JSON;
// the heap they take is a small multiple of that). Past a bound, the least recently queried
// meetings are dropped; they are rebuilt on their next query. No per-event memory is kept: `at`
// queries bisect the snapshots' times and scan at most one interval.
//
// The log is taken as append-only per (store, meeting). A meeting is rebuilt when it is queried
// through another Store object, or when the store's head falls below what was folded.
//
// Threading: every method is safe from any thread. One mutex guards the table of meetings and is
// held only for look-ups; each meeting has its own mutex, held while its snapshots are extended, so
// a cold scan of one meeting never blocks queries of another. The fold from a snapshot to the
// answer runs with no lock held.
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "store/store.hpp"
#include "util/status.hpp"

namespace confab::views {

struct StateAtOptions {
  int64_t interval = 1000;                       // events between snapshots (until thinned)
  size_t max_snapshots_per_meeting = 128;        // then thinned: every other one kept
  size_t max_meetings = 256;                     // meetings cached
  size_t max_snapshot_bytes = size_t{64} << 20;  // Σ canonical-JSON size of all snapshots held
};

// What one query did (tests and benchmarks assert on it; time is not a valid assertion).
struct StateAtCost {
  bool cold = false;     // the meeting was not cached: its whole log was scanned
  int64_t indexed = 0;   // events folded to bring the snapshots up to the head
  int64_t folded = 0;    // events folded after the nearest snapshot to reach the answer
  int64_t interval = 0;  // the meeting's snapshot interval when answered (folded <= interval)
};

// Totals since construction, plus what is held now.
struct StateAtStats {
  uint64_t queries = 0;
  uint64_t cold_loads = 0;
  uint64_t events_indexed = 0;
  uint64_t events_folded = 0;
  uint64_t evictions = 0;
  size_t meetings = 0;
  size_t snapshots = 0;
  size_t snapshot_bytes = 0;
};

class StateAt {
 public:
  explicit StateAt(StateAtOptions options = {});
  ~StateAt();
  StateAt(const StateAt&) = delete;
  StateAt& operator=(const StateAt&) = delete;

  // {"seq", "head_seq", "state"}: the state after event `seq`. A seq past the head answers the
  // head's state and says so ("seq" is the seq answered, "head_seq" the head); seq 0 is the initial
  // state. Invalid when seq < 0, NotFound for an unknown meeting, store errors as they come.
  Status AtSeq(store::Store& store, std::string_view meeting_id, int64_t seq, nlohmann::json* out,
               StateAtCost* cost = nullptr);

  // The same, after the last event with ts <= at_ms (server ms). Event times are taken as a
  // running maximum, so a clock that stepped back cannot make time run backwards. Before the first
  // event: seq 0 and the initial state.
  Status AtTime(store::Store& store, std::string_view meeting_id, int64_t at_ms, nlohmann::json* out,
                StateAtCost* cost = nullptr);

  // Drops what is cached for the meeting (all stores).
  void Forget(std::string_view meeting_id);

  StateAtStats Stats() const;

  // The process-wide instance the route helpers below use (default options).
  static StateAt& Shared();

 private:
  struct Log;
  struct Target;
  struct Base;
  struct Charge {
    size_t bytes = 0;
    size_t snapshots = 0;
  };

  Status Query(store::Store& store, std::string_view meeting_id, const Target& target, nlohmann::json* out,
               StateAtCost* cost);
  std::shared_ptr<Log> Acquire(std::string_view meeting_id);
  void Settle(std::string_view meeting_id, const std::shared_ptr<Log>& log, const Charge& charge,
              const StateAtCost& cost);
  Status CatchUp(store::Store& store, std::string_view meeting_id, int64_t head, Log& log, StateAtCost* cost);
  void TakeSnapshot(Log& log);

  const StateAtOptions options_;

  mutable std::mutex mu_;  // guards what follows and each Log's charges and `lru`; never held with a Log's
  std::map<std::string, std::shared_ptr<Log>, std::less<>> logs_;
  std::list<std::string> lru_;  // most recently queried first
  size_t charged_bytes_ = 0;    // Σ logs' `charged`
  StateAtStats totals_;
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

}  // namespace confab::views
