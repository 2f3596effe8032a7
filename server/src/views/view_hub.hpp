#pragma once
// ViewHub: the live meeting analytics (MeetingFold per meeting) for GET /api/meetings/ID/analytics,
// kept only for meetings recently committed to or queried, so memory is bounded however many
// meetings the store holds, and start-up folds nothing.
//
//   * A query of a meeting whose fold is held answers from memory. A miss folds that meeting's
//     log from the store, answers, and keeps the fold (least recently used dropped past
//     `max_meetings`).
//   * Rooms call OnCommitted after each commit. A held fold takes the events; events of a meeting
//     not held are ignored (its next query folds from the store), except a log starting at seq 1,
//     which is a whole log and starts a fold. Re-delivered events (seq at or below the fold's) are
//     skipped; a seq that skips ahead drops the fold, so the next query rebuilds it.
//   * While a miss is being folded from the store, committed events are queued beside it and
//     applied when it lands, so a fold never misses an event committed meanwhile.
//
// Threading: every method is safe from any thread. OnCommitted (room io threads) never reads the
// store and holds the hub's mutex only to fold a few events. Analytics BLOCKS on a miss (ReaderPool
// thread); the mutex is never held while the store is read.
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"
#include "util/status.hpp"
#include "views/meeting_fold.hpp"

namespace confab::views {

struct ViewHubOptions {
  size_t max_meetings = 256;  // folds held; past it the least recently used one is dropped
};

// Totals since construction, plus what is held now.
struct ViewHubStats {
  uint64_t events = 0;      // events folded live (OnCommitted)
  uint64_t duplicates = 0;  // skipped: seq at or below the fold's last seq
  uint64_t unparsable = 0;  // rows whose json did not parse (their seq still counts)
  uint64_t ignored = 0;     // events of meetings with no fold held
  uint64_t gaps = 0;        // folds dropped because a seq skipped ahead
  uint64_t loads = 0;       // folds built from the store on a miss
  uint64_t evictions = 0;   // folds dropped for the bound
  size_t meetings = 0;      // folds held now
};

class ViewHub {
 public:
  explicit ViewHub(store::Store& store, ViewHubOptions options = {});
  ~ViewHub();
  ViewHub(const ViewHub&) = delete;
  ViewHub& operator=(const ViewHub&) = delete;

  // Committed events of one meeting, in seq order. Quick: never reads the store.
  void OnCommitted(std::span<const store::StoredEvent> events);
  // The same for one event the caller has already parsed (a Room holds the parsed JSON).
  void OnCommitted(const store::StoredEvent& ev, const nlohmann::json& parsed);

  // The analytics of one meeting (docs/views.md). NotFound for an unknown meeting. BLOCKS on a miss.
  Status Analytics(std::string_view meeting_id, nlohmann::json* out);

  // Whether a fold of the meeting is held (tests).
  bool Holds(std::string_view meeting_id);
  ViewHubStats Stats();
  store::Store& store() { return store_; }

 private:
  struct Entry;
  using Entries = std::map<std::string, std::unique_ptr<Entry>, std::less<>>;

  // Parsed is null for a row that did not parse.
  void FeedLocked(const store::StoredEvent& ev, const nlohmann::json* parsed);
  void FoldLocked(Entry& e, const store::StoredEvent& ev, const nlohmann::json* parsed);
  void TouchLocked(Entry& e);
  void EraseLocked(Entries::iterator it);
  void EvictLocked();

  store::Store& store_;
  const ViewHubOptions options_;

  std::mutex mu_;  // guards everything below
  Entries entries_;
  std::list<std::string> lru_;  // ready folds, most recently used first
  uint64_t next_load_ = 0;
  ViewHubStats stats_;
};

}  // namespace confab::views
