#pragma once
// SqliteStore: the embedded Store (store/store.hpp) on one SQLite file in WAL mode.
//
// Writes go through a GroupCommitWriter (one thread, one connection, one fsync per batch).
// Reads lease a connection from a small pool; WAL lets them read the last committed snapshot
// while the writer writes, so a read never waits for a commit.
//
// Threading: every method is safe from any thread (the Store rule). Every blocking one starts with
// ExpectBlockingAllowed (util/thread_role.hpp), so a call from an io thread is caught at once.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/group_commit_writer.hpp"
#include "store/sqlite_connection.hpp"
#include "store/store.hpp"

namespace confab::store {

class SqliteStore final : public Store {
 public:
  // Opens or creates the file at `path` (and its parent directory), migrates its schema, and
  // starts the writer. Invalid when the file's schema is newer than this binary.
  static Status Open(const std::string& path, std::unique_ptr<SqliteStore>* out);
  // Commits everything queued (every queued callback runs), then closes the file.
  ~SqliteStore() override;

  void Append(AppendRequest req, std::function<void(Status)> done) override;
  void Flush() override;
  Status GetMeeting(std::string_view meeting_id, MeetingRecord* out) override;
  Status HeadSeq(std::string_view meeting_id, int64_t* out) override;
  Status ReadEvents(std::string_view meeting_id, int64_t after_seq, size_t limit, bool replayed_only,
                    std::vector<StoredEvent>* out) override;
  Status ScanEvents(std::string_view meeting_id, int64_t after_seq,
                    const std::function<bool(const StoredEvent&)>& fn) override;
  Status ScanAll(const std::function<bool(const StoredEvent&)>& fn) override;
  Status FindEventSeq(std::string_view meeting_id, std::string_view event_id, int64_t* seq) override;
  Status GetCredential(std::string_view meeting_id, std::string_view pid, Credential* out) override;
  Status ListMeetings(std::vector<MeetingRecord>* out) override;
  void PutSnapshot(Snapshot snap, std::function<void(Status)> done) override;
  Status LatestSnapshot(std::string_view meeting_id, int64_t max_seq, int64_t max_ts, Snapshot* out) override;
  Status ScanFeatureUsage(int64_t from_day, int64_t to_day,
                          const std::function<bool(const FeatureUsage&)>& fn) override;
  Status WriterHealth() const override;
  WriterHealthReport WriterHealthDetail() const override;
  Status FindDuplicateKeys(std::vector<DuplicateKey>* out) override;
  StoreStats Stats() const override;
  std::string Describe() const override;

  // Graceful shutdown: as the destructor, but the object stays valid; later Appends fail with
  // Unavailable, reads keep working.
  void Close();

  const std::string& path() const { return path_; }

  // Runs `sql` on the writer's own connection between two batches (tests: per-connection pragmas
  // such as max_page_count, to fail commits the way a full disk does).
  Status ExecOnWriterForTesting(std::string sql) { return writer_->ExecForTesting(std::move(sql)); }
  // Tests: a clock for the health window (HealthTracker); a smaller WAL bound (Checkpointer).
  void SetHealthClockForTesting(HealthTracker::Clock clock) {
    writer_->SetHealthClockForTesting(std::move(clock));
  }
  void SetMaxWalFramesForTesting(int frames) { writer_->SetMaxWalFramesForTesting(frames); }
  void SetMaxCachedMeetingsForTesting(size_t meetings) { writer_->SetMaxCachedMeetingsForTesting(meetings); }

 private:
  // A read connection borrowed from the pool; returned to it on destruction.
  class ReadLease;
  friend class ReadLease;

  SqliteStore(std::string path, std::unique_ptr<GroupCommitWriter> writer);
  Status TakeReader(std::unique_ptr<SqliteConnection>* conn);
  void ReturnReader(std::unique_ptr<SqliteConnection> conn);

  const std::string path_;
  std::unique_ptr<GroupCommitWriter> writer_;

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_readers_;
};

}  // namespace confab::store
