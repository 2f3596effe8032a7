#pragma once
// GroupCommitWriter: the single writer of a SQLite event log. Appends from every room are queued;
// one writer thread takes everything queued, writes it in one transaction — one fsync for the
// whole batch — and then runs the callbacks in queue order.
//
// Conflict, Duplicate, NotFound and Invalid are decided before anything of a request is written,
// from a per-meeting cache (head seq + 64-bit hashes of the stored event ids, a hash hit checked
// against the stored id), so a plain event append needs no SAVEPOINT. Requests that also create a
// meeting or store credentials can still fail on a constraint half-way and keep their own SAVEPOINT.
// If BEGIN or COMMIT itself fails, or a write fails outside a savepoint, every request of the batch
// fails (nothing of it is durable).
//
// Snapshots (PutSnapshot) queue and commit the same way; each is one INSERT OR REPLACE, checked
// first against the cached head so a snapshot can never be ahead of the durable log. In the same
// transaction as a batch's events the writer adds them to feature_usage (schema v3): counted in memory
// per (type, day, meeting), then one UPSERT per distinct key, so the counts are exactly the log's.
//
// Health (store/health_tracker.hpp): after a batch that could not commit (or a request that failed on
// I/O) the writer reports Unavailable until a later batch that wrote something commits, or 30 s pass
// without another failure; a failing checkpointer and a WAL past its bound are reported too.
//
// Schema v4 backs the cache with unique indexes on events (meeting_id, seq) and (meeting_id, id): if
// the cache were ever wrong, the insert fails (Conflict or Duplicate for that request) instead of
// storing a second event at a seq; the cache is then dropped after the batch.
//
// The writer also maintains the deferred event_index (schema v2, docs/storage.md): every
// kIndexEveryEvents events, inside a batch's transaction, it indexes the tail in one sorted insert.
// The cache is trusted only while this connection is the file's only writer: another connection's
// commit (PRAGMA data_version moved) or a failed batch drops it and indexes the whole tail first.
//
// Threading: Append, PutSnapshot, Flush, Health, Stats and Close are safe from any thread. Callbacks run on
// the writer thread; they must be quick and must not call Flush or Close (that would wait for the writer
// thread from the writer thread).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "store/checkpointer.hpp"
#include "store/health_tracker.hpp"
#include "store/sqlite_connection.hpp"
#include "store/store.hpp"

namespace confab::store {

class GroupCommitWriter {
 public:
  // Events written between two index flushes. Bounds the tail every read scans (~1 MB of rows)
  // against how often a flush dirties one index page per meeting.
  static constexpr int64_t kIndexEveryEvents = 4096;
  // The id cache's bound on meetings, checked at each index flush: past it the cache forgets every
  // meeting (they reload from event_index on use). A meeting costs ~350 bytes however few ids it has.
  static constexpr size_t kMaxCachedMeetings = size_t{1} << 16;

  // Takes an open, migrated writer connection and starts the writer thread. `checkpointer`
  // (optional) is woken when the WAL grows; without one the writer checkpoints inline.
  explicit GroupCommitWriter(std::unique_ptr<SqliteConnection> conn,
                             std::unique_ptr<Checkpointer> checkpointer = nullptr);
  // Close().
  ~GroupCommitWriter();
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  // Store::Append. After Close, `done` runs at once on the calling thread with Unavailable.
  void Append(AppendRequest req, std::function<void(Status)> done);

  // Store::PutSnapshot; after Close, as Append.
  void PutSnapshot(Snapshot snap, std::function<void(Status)> done);

  // Blocks until every Append queued before this call has completed (its callback has run).
  void Flush();

  // Store::WriterHealth: Ok, or Unavailable with the reason. Reads only memory.
  Status Health() const { return HealthDetail().status; }
  // Store::WriterHealthDetail.
  WriterHealthReport HealthDetail() const;
  // Tests: a clock for HealthTracker's window (writer and checkpointer); a smaller WAL bound; a
  // smaller bound on cached meetings.
  void SetHealthClockForTesting(HealthTracker::Clock clock);
  void SetMaxWalFramesForTesting(int frames);
  void SetMaxCachedMeetingsForTesting(size_t meetings);

  // Runs `sql` on the writer connection, on the writer thread, between two batches, and returns its
  // outcome (tests: e.g. PRAGMA max_page_count to make the disk "full"). After Close: Unavailable.
  Status ExecForTesting(std::string sql);

  // Stops accepting appends, commits everything already queued (every queued callback runs) and
  // joins the writer thread. Idempotent.
  void Close();

  StoreStats Stats() const;

 private:
  struct Pending {
    AppendRequest req;  // unless snap is set
    std::optional<Snapshot> snap;
    std::function<void(Status)> done;
    Status status;
  };
  struct TestExec {
    std::string sql;
    std::promise<Status> result;
  };
  // What the writer knows of one meeting's stored log.
  struct MeetingLog {
    int64_t head = 0;
    std::unordered_set<uint64_t> id_hashes;  // of every stored event id (collisions checked in SQL)
  };

  void Enqueue(Pending p);
  void Run();
  // Writes one batch in one transaction and sets every Pending::status.
  void CommitBatch(std::vector<Pending>& batch);
  // After BEGIN: notices other writers and flushes the event index when due.
  Status PrepareTransaction();
  Status IndexTail();
  // Writes one request. Ok, or why it must be rolled back; *wrote is set once anything was written.
  Status WriteRequest(const AppendRequest& req, bool* wrote);
  // Writes one snapshot (a single statement: it fails without leaving anything behind).
  Status WriteSnapshot(const Snapshot& snap);
  // Adds the events of the batch's successful requests to feature_usage.
  Status WriteUsage(const std::vector<Pending>& batch);
  // Records whether `batch` leaves the writer healthy.
  void UpdateHealth(const std::vector<Pending>& batch, bool committed);
  // Checks that do not touch the database: ids, contiguous seqs.
  static Status CheckShape(const AppendRequest& req);
  // The cached log of `mid`, loaded from event_index on a miss; NotFound when there is no meeting.
  Status FindLog(const std::string& mid, bool just_created, MeetingLog** out);
  // Whether `id` is stored in `mid` (a hash hit is only a hint).
  Status IdStored(const std::string& mid, const std::string& id, bool* stored);
  void DropCache();
  Status StepOnce(sqlite3_stmt* stmt, std::string_view what);

  std::unique_ptr<SqliteConnection> conn_;  // writer thread only (after construction)
  std::unique_ptr<Checkpointer> checkpointer_;

  // Writer thread only.
  std::unordered_map<std::string, MeetingLog> logs_;
  size_t cached_ids_ = 0;
  int64_t indexed_through_ = 0;   // index_state.indexed_through as of the last flush
  int64_t unindexed_events_ = 0;  // events written since
  bool must_index_tail_ = true;   // the cache cannot be trusted until the tail is indexed
  bool cache_wrong_ = false;      // a unique index caught what the cache let through: drop it after the batch
  int64_t data_version_ = -1;

  std::mutex mu_;
  std::condition_variable work_cv_;  // queue_ became non-empty, or closing_
  std::condition_variable done_cv_;  // completed_ advanced
  std::vector<Pending> queue_;
  std::vector<TestExec> test_execs_;  // run between batches
  uint64_t queued_ = 0;               // Appends ever accepted
  uint64_t completed_ = 0;            // of those, how many have had their callback run (in queue order)
  bool closing_ = false;
  std::mutex join_mu_;  // two threads closing at once must not both join
  std::thread thread_;

  std::atomic<bool> closed_{false};  // appends are refused: as unhealthy as a full disk
  HealthTracker health_{"appends failing"};

  std::atomic<uint64_t> commits_{0}, appends_{0}, events_{0}, failed_appends_{0}, commit_micros_{0},
      max_batch_events_{0}, index_flushes_{0}, cached_meetings_{0};
  std::atomic<size_t> max_cached_meetings_{kMaxCachedMeetings};
};

}  // namespace confab::store
