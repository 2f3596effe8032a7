#pragma once
// PgWriter: the group-commit writer of a PostgreSQL event log that several nodes share. Appends from
// every room are queued; one writer thread takes everything queued and writes it in one transaction
// over one connection in pipeline mode, then runs the callbacks in queue order.
//
// One transaction, two round trips:
//   1. BEGIN, then one statement per request (requests sorted by meeting id, each meeting's in queue
//      order, so that nodes take row locks in one global order), then a flush request. Each append
//      statement checks its chain (the event before its first seq is prev_id, or the meeting exists
//      for seq 1, and the first seq is free) and writes the request's meeting, events and
//      credentials only if it holds, all in the one statement: a request either lands whole or not
//      at all. A failed check is an answer, not an error (Conflict, or NotFound when there is no
//      meeting), so it does not disturb the rest of the batch.
//      The common batch (plain appends, one or a few per meeting, many meetings) does not pay one
//      statement per request: every meeting whose requests are all plain and chain on each other is
//      written by one bulk statement (kAppendBulk) over arrays of all of them, which checks each
//      meeting's first request against the table and lets the rest chain within the batch. Whatever
//      else the batch holds (creates, credentials, snapshots, a meeting whose requests do not chain)
//      keeps its own statement, after the bulk one. When the bulk statement errors (another node
//      took a seq, an event id is stored already) or its answers could differ from the per-request
//      path's, the transaction is rolled back and the batch is written request by request.
//   2. Knowing which requests landed: one feature_usage upsert for their events, COMMIT, sync.
// A statement that errors aborts the pipeline. A unique violation or bad data is that request's own
// failure (Conflict on a taken seq, meeting or participant, Duplicate on a stored event id, Invalid):
// it is answered and the rest of the batch is sent again in a new transaction, where later requests
// chained on the failed one fail their chain check by themselves. A deadlock or serialization failure
// retries the batch. A lost connection fails the whole batch with Unavailable (nothing is acked; a
// COMMIT whose answer was lost may still have landed, which a retry reports as Duplicate), marks the
// writer unhealthy, and hands reconnection to a helper thread (100 ms backoff doubling to 2 s) so
// that meanwhile every new request fails at once instead of waiting. The writer is healthy again once
// a batch commits. A callback runs only after the COMMIT that made its request durable returned
// (synchronous_commit on).
//
// Threading: Append, PutSnapshot, Flush, Health, Stats and Close are safe from any thread. Callbacks
// run on the writer thread; they must be quick and must not call Flush or Close.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/health_tracker.hpp"
#include "store/pg_connection.hpp"
#include "store/store.hpp"

namespace confab::store {

class PgWriter {
 public:
  // Requests per transaction: bounds the statements sent again after a request fails with an error.
  static constexpr size_t kMaxBatch = 2048;

  // Opens a connection ready for the writer: session settings, prepared statements, pipeline mode.
  static Status Connect(const std::string& url, std::unique_ptr<PgConnection>* out);

  // Takes a connection from Connect (reconnecting to `url` when it is lost) and starts the writer.
  PgWriter(std::string url, std::unique_ptr<PgConnection> conn);
  // Close().
  ~PgWriter();
  PgWriter(const PgWriter&) = delete;
  PgWriter& operator=(const PgWriter&) = delete;

  // Store::Append. After Close, `done` runs at once on the calling thread with Unavailable.
  void Append(AppendRequest req, std::function<void(Status)> done);
  // Store::PutSnapshot; after Close, as Append.
  void PutSnapshot(Snapshot snap, std::function<void(Status)> done);
  // Blocks until every Append queued before this call has completed (its callback has run).
  void Flush();
  // Store::WriterHealth: Ok, or Unavailable with the reason. Reads only memory.
  Status Health() const { return HealthDetail().status; }
  // Store::WriterHealthDetail: HealthTracker's rule, and Unavailable all the while PostgreSQL is
  // unreachable (even with no append to fail meanwhile).
  WriterHealthReport HealthDetail() const;
  // Stops accepting appends, finishes everything already queued (every queued callback runs) and
  // joins the writer's threads. Idempotent.
  void Close();
  StoreStats Stats() const;

 private:
  struct Pending {
    AppendRequest req;  // unless snap is set
    std::optional<Snapshot> snap;
    std::function<void(Status)> done;
    Status status;
  };
  // How one attempt at a transaction ended.
  struct Attempt {
    // kBulkFailed: the bulk statement failed or answered what the per-request path would not; the
    // batch is to be written request by request.
    enum class Kind {
      kCommitted,
      kRequestFailed,
      kRetry,
      kLost,
      kFailed,
      kBulkFailed
    } kind = Kind::kCommitted;
    size_t failed = 0;  // kRequestFailed: index into the batch
    Status status;      // why, unless kCommitted
  };

  void Enqueue(Pending p);
  void Run();
  // Writes one batch (at most kMaxBatch) and sets every Pending::status.
  void CommitBatch(std::vector<Pending>& batch);
  // One transaction over batch[live...]: the requests marked in in_bulk in one kAppendBulk statement,
  // the others in one statement each. On kCommitted the live requests' statuses are set.
  Attempt TryTransaction(std::vector<Pending>& batch, const std::vector<size_t>& live,
                         const std::vector<char>& in_bulk);
  // Marks (in_bulk, by batch index) the requests of `live` (sorted by meeting) that kAppendBulk
  // takes: every append of a meeting whose appends in the batch are all plain (no create, no
  // credentials, at least one event, past seq 1), chain on each other, and come before any snapshot
  // of the meeting in the batch (snapshots run after the bulk statement, and one queued before an
  // append must not see that append's events). A request's check reads only its own meeting's rows,
  // so which path a meeting takes changes no other meeting's answers.
  static void PlanBulk(const std::vector<Pending>& batch, const std::vector<size_t>& live,
                       std::vector<char>* in_bulk);
  // Sends kAppendBulk for batch[bulk...] (in live order). False when the connection failed.
  bool SendBulk(const std::vector<Pending>& batch, const std::vector<size_t>& bulk);
  // Reads its result into the requests' statuses. False: the result was an error (in *error) and the
  // pipeline is aborted. *mismatch: the statement's answers differ from the per-request path's.
  bool ReadBulk(std::vector<Pending>& batch, const std::vector<size_t>& bulk, PgResult* error,
                bool* mismatch);
  // Ends a pipeline whose transaction failed: syncs, then rolls back.
  void AbandonTransaction();
  // Sends the statement of one request or snapshot. False when the connection failed.
  bool SendPending(const Pending& p);
  // Reads the outcome of a request's or snapshot's statement into p->status. Null: the result was an
  // error (returned in *error) and the pipeline is aborted.
  bool ReadPending(Pending* p, PgResult* error);
  // Records whether `batch` leaves the writer healthy.
  void UpdateHealth(const std::vector<Pending>& batch, bool committed);
  // Writer thread: forget the connection and have the reconnect thread find a new one.
  void ConnectionLost(const std::string& why);
  // Writer thread: the connection to use, or null while PostgreSQL is unreachable (*why says why).
  PgConnection* Connection(std::string* why);
  void ReconnectLoop();

  const std::string url_;
  std::unique_ptr<PgConnection> conn_;  // writer thread only (after construction)

  std::mutex mu_;
  std::condition_variable work_cv_;  // queue_ became non-empty, or closing_
  std::condition_variable done_cv_;  // completed_ advanced
  std::vector<Pending> queue_;
  uint64_t queued_ = 0;     // Appends ever accepted
  uint64_t completed_ = 0;  // of those, how many have had their callback run (in queue order)
  bool closing_ = false;
  std::mutex join_mu_;  // two threads closing at once must not both join
  std::thread thread_;

  // Reconnection: the writer asks (wanted), the helper connects and leaves the connection in ready.
  mutable std::mutex rc_mu_;
  std::condition_variable rc_cv_;
  bool rc_wanted_ = false;
  bool rc_stop_ = false;
  std::unique_ptr<PgConnection> rc_ready_;
  std::string rc_error_;  // why the last attempt failed
  std::thread rc_thread_;

  std::atomic<bool> closed_{false};
  HealthTracker health_{"appends failing"};

  std::atomic<uint64_t> commits_{0}, appends_{0}, events_{0}, failed_appends_{0}, commit_micros_{0},
      max_batch_events_{0};
};

}  // namespace confab::store
