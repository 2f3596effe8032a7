#pragma once
// GroupCommitWriter: the single writer of a SQLite event log. Appends from every room are queued;
// one writer thread takes everything queued, writes it in one transaction — one fsync for the
// whole batch — and then runs the callbacks in queue order.
//
// Inside the transaction each request sits in its own SAVEPOINT, so a request that fails (seq taken,
// duplicate event id, no such meeting) is rolled back alone and the rest of the batch commits.
// If BEGIN or COMMIT itself fails, every request of the batch fails (nothing of it is durable).
//
// Threading: Append, Flush, Stats and Close are safe from any thread. Callbacks run on the writer
// thread; they must be quick and must not call Flush or Close (that would wait for the writer
// thread from the writer thread).
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite_connection.hpp"
#include "store/store.hpp"

namespace confab::store {

class GroupCommitWriter {
 public:
  // Takes an open, migrated writer connection and starts the writer thread.
  explicit GroupCommitWriter(std::unique_ptr<SqliteConnection> conn);
  // Close().
  ~GroupCommitWriter();
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  // Store::Append. After Close, `done` runs at once on the calling thread with Unavailable.
  void Append(AppendRequest req, std::function<void(Status)> done);

  // Blocks until every Append queued before this call has completed (its callback has run).
  void Flush();

  // Stops accepting appends, commits everything already queued (every queued callback runs) and
  // joins the writer thread. Idempotent.
  void Close();

  StoreStats Stats() const;

 private:
  struct Pending {
    AppendRequest req;
    std::function<void(Status)> done;
    Status status;
  };

  void Run();
  // Writes one batch in one transaction and sets every Pending::status.
  void CommitBatch(std::vector<Pending>& batch);
  // The body of one request inside its savepoint. Ok, or why the request must be rolled back.
  Status WriteRequest(const AppendRequest& req);
  Status StepOnce(sqlite3_stmt* stmt, std::string_view what);

  std::unique_ptr<SqliteConnection> conn_;  // writer thread only (after construction)

  std::mutex mu_;
  std::condition_variable work_cv_;  // queue_ became non-empty, or closing_
  std::condition_variable done_cv_;  // completed_ advanced
  std::vector<Pending> queue_;
  uint64_t queued_ = 0;     // Appends ever accepted
  uint64_t completed_ = 0;  // of those, how many have had their callback run (in queue order)
  bool closing_ = false;
  std::mutex join_mu_;  // two threads closing at once must not both join
  std::thread thread_;

  std::atomic<uint64_t> commits_{0}, appends_{0}, events_{0}, failed_appends_{0}, commit_micros_{0},
      max_batch_events_{0};
};

}  // namespace confab::store
