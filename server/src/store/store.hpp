#pragma once
// Store: the append-only event log, the only durable truth of every meeting.
//
// Every meeting is a sequence of events with seq 1..N, contiguous. An append names the seqs it
// takes; it fails with Conflict when a slot is already taken (another node appended first) and
// with Duplicate when an event id is already stored (a retried push). Nothing is visible to
// readers, and no callback reports success, before the transaction holding it is durable.
//
// Threading — the rule every caller must keep:
//   * Append and PutSnapshot never block: they queue and return; call them from any thread.
//   * Every other method BLOCKS on disk (or, for a networked store, the network). Never call one
//     from an io thread: go through a ReaderPool (store/reader_pool.hpp), which runs the read on
//     its own threads and hands the result back on the caller's executor. Reads check this
//     (util/thread_role.hpp): a read on a thread marked as an io thread is counted and, in debug
//     builds, aborts.
// Appends are serialised on one writer thread that batches whatever is queued, from every
// meeting, into one transaction (group commit). Reads use their own connections and never wait
// for the writer.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.hpp"

namespace confab::store {

// One durable event. `json` is the complete event object exactly as broadcast to clients
// ({"seq","id","type","actor":{"pid","name"},"ts","data"}), so replay and export never re-encode.
struct StoredEvent {
  std::string meeting_id;
  int64_t seq = 0;
  std::string id;         // client-chosen idempotency key, unique per meeting
  std::string type;       // catalogue type, e.g. "card_added"
  std::string actor_pid;  // who caused it ("" for none)
  int64_t ts = 0;         // server time, ms since the Unix epoch
  bool replayed = true;  // replay class `state` (true) or `moment` (false); transient events are never stored
  std::string json;
};

struct MeetingRecord {
  std::string id;
  std::string facilitator_token_hash;  // HashSecret(token); never the token itself
  int64_t created_ts = 0;
};

// A participant's secret, hashed, written together with its participant_joined event.
struct Credential {
  std::string meeting_id;
  std::string pid;
  std::string secret_hash;
};

// One room's append. All of it commits, or none of it does.
struct AppendRequest {
  std::string meeting_id;
  std::vector<StoredEvent> events;  // seqs head+1, head+2, … in order
  // The id of the event the appender believes is at seq events[0].seq - 1 ("" for seq 1). With
  // several writers (nodes sharing one PostgreSQL log) a free slot is not enough: a room whose
  // earlier append lost a race would otherwise land its next event on top of another node's, built
  // on a state that never existed. A mismatch fails the request with Conflict. A store with a single
  // writer (SQLite) gets the same guarantee from its head check and may ignore it.
  std::string prev_id;
  std::optional<MeetingRecord> create;  // set only for the append that creates the meeting
  std::vector<Credential> credentials;  // new participants' secrets
};

// A meeting's folded state after event `seq` (domain::ToJson text; the store does not parse it).
// A cache of the log, rebuildable from it: rooms write one every few hundred events as they
// commit, so a cold meeting opens from the latest snapshot plus the events after it.
// Rooms write a snapshot once this many events have committed since the last one.
inline constexpr int64_t kSnapshotEvery = 1000;

struct Snapshot {
  std::string meeting_id;
  int64_t seq = 0;      // the last event folded into state_json
  int64_t last_ts = 0;  // that event's ts (snapshots are also found by time)
  std::string state_json;
};

// How many events of `type` a meeting stored on one UTC day (days since the Unix epoch). The
// writer keeps these counts in the same transaction as the events, so feature popularity is
// answered without folding the log.
struct FeatureUsage {
  std::string type;
  int64_t day = 0;
  std::string meeting_id;
  int64_t events = 0;
};

// Counters for /metrics and benchmarks. Monotonic since open.
struct StoreStats {
  uint64_t commits = 0;           // transactions committed
  uint64_t appends = 0;           // AppendRequests completed ok
  uint64_t events = 0;            // events committed
  uint64_t failed_appends = 0;    // AppendRequests that completed with an error
  uint64_t commit_micros = 0;     // total wall time spent in commits (incl. fsync)
  uint64_t max_batch_events = 0;  // largest group commit seen
  uint64_t index_flushes = 0;     // times the deferred event index took in the log's tail
  uint64_t checkpoints = 0;       // WAL checkpoints run (background or inline)
  uint64_t cached_meetings = 0;   // meetings in the writer's head/id cache (SQLite; 0 for PostgreSQL)
};

// The writer's health with its evidence, for /readyz (store/health_tracker.hpp has the rules).
struct WriterHealthReport {
  Status status;              // as WriterHealth()
  std::string last_error;     // the latest write failure since open, kept after recovery ("" if none)
  int64_t last_error_ms = 0;  // when it happened, ms since the Unix epoch (0: never)
  int64_t since_ms = 0;       // since when `status` has held, ms since the Unix epoch (0: since open)
};

// A key of the log stored more than once: (meeting, seq) or (meeting, event id).
struct DuplicateKey {
  std::string meeting_id;
  std::string column;  // "seq" or "id"
  std::string value;   // the seq (in decimal) or the event id
  int64_t rows = 0;    // how many rows hold it
};

class Store {
 public:
  virtual ~Store() = default;

  // Queues `req` for the next group commit and returns at once. `done` runs exactly once, on the
  // writer thread, after the transaction that held `req` committed (Ok) or when `req` failed:
  // Conflict (a seq was taken), Duplicate (an event id exists), NotFound (no such meeting),
  // IoError/Unavailable (nothing of `req` was applied). One failing request never fails the
  // others batched with it. `done` must be quick and must not call Append re-entrantly-and-wait.
  virtual void Append(AppendRequest req, std::function<void(Status)> done) = 0;

  // Blocks until every Append queued before this call has completed.
  virtual void Flush() = 0;

  virtual Status GetMeeting(std::string_view meeting_id, MeetingRecord* out) = 0;
  // Highest stored seq of the meeting (0 when it has no events); NotFound for no such meeting.
  virtual Status HeadSeq(std::string_view meeting_id, int64_t* out) = 0;
  // Events with seq > after_seq in seq order, at most `limit` of them (0: all).
  // With replayed_only, moment-class events are skipped (what a joining client gets).
  virtual Status ReadEvents(std::string_view meeting_id, int64_t after_seq, size_t limit, bool replayed_only,
                            std::vector<StoredEvent>* out) = 0;
  // Calls `fn` for each event with seq > after_seq, in order, until it returns false.
  virtual Status ScanEvents(std::string_view meeting_id, int64_t after_seq,
                            const std::function<bool(const StoredEvent&)>& fn) = 0;
  // Every event of every meeting, meeting by meeting, each in seq order (rebuilding views, `check`).
  virtual Status ScanAll(const std::function<bool(const StoredEvent&)>& fn) = 0;
  // Seq of the event with this id, NotFound if none (idempotency across restarts).
  virtual Status FindEventSeq(std::string_view meeting_id, std::string_view event_id, int64_t* seq) = 0;
  virtual Status GetCredential(std::string_view meeting_id, std::string_view pid, Credential* out) = 0;
  virtual Status ListMeetings(std::vector<MeetingRecord>* out) = 0;

  // Queues `snap` for the next group commit (replacing one at the same seq); `done` as for Append.
  virtual void PutSnapshot(Snapshot snap, std::function<void(Status)> done) = 0;
  // The latest snapshot with seq <= max_seq and last_ts <= max_ts; NotFound when there is none.
  virtual Status LatestSnapshot(std::string_view meeting_id, int64_t max_seq, int64_t max_ts,
                                Snapshot* out) = 0;
  // Calls `fn` for each usage row with from_day <= day < to_day, until it returns false.
  virtual Status ScanFeatureUsage(int64_t from_day, int64_t to_day,
                                  const std::function<bool(const FeatureUsage&)>& fn) = 0;

  // Whether appends are succeeding now: Ok, or Unavailable saying why (the last commit failed,
  // the disk is full …). Never touches the disk itself: cheap, and safe from an io thread.
  virtual Status WriterHealth() const = 0;
  // WriterHealth with when and why; as cheap. The default knows only WriterHealth.
  virtual WriterHealthReport WriterHealthDetail() const {
    return WriterHealthReport{WriterHealth(), "", 0, 0};
  }

  // Every (meeting, seq) and (meeting, id) stored more than once, read from the log's table itself
  // rather than through an index a duplicate could hide behind (`confab check`). The schema's unique
  // indexes keep it empty; only a hand edit (or a dropped index) lets one in. Blocks like a read. The
  // default walks ScanAll, which sees whatever the store's scan returns.
  virtual Status FindDuplicateKeys(std::vector<DuplicateKey>* out);

  virtual StoreStats Stats() const = 0;
  // Where it is, for logs ("sqlite:/path/confab.db"), without secrets.
  virtual std::string Describe() const = 0;
};

// Opens (creating if needed, migrating the schema if older) the store a URL names:
// "sqlite:PATH" is the embedded default; "postgres://USER@HOST:PORT/DB" (or "postgresql://") a
// PostgreSQL log several nodes can share. Unknown schemes give Invalid.
Status OpenStore(std::string_view url, std::unique_ptr<Store>* out);

// `url` fit for logs and error messages: a password ("user:secret@") and the query are cut.
std::string RedactStoreUrl(std::string_view url);

}  // namespace confab::store
