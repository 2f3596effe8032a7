#pragma once
// PgStore: the Store (store/store.hpp) on a PostgreSQL database that several Confab nodes share.
//
// Writes go through a PgWriter (one thread, one pipelined connection, one commit per batch); the
// database itself enforces each meeting's order across nodes (AppendRequest::prev_id, unique keys).
// Reads lease a connection from a small pool. Long scans are read in pages of ~1000 rows by key
// (meeting_id, seq) inside one REPEATABLE READ transaction: bounded memory, one consistent view.
//
// Failure: a read on a connection that turns out to be dead reconnects once (when nothing was
// delivered yet) and otherwise returns Unavailable; connect_timeout and TCP timeouts bound how long a
// read can wait for a server that is gone.
//
// Threading: every method is safe from any thread (the Store rule). Every blocking one starts with
// ExpectBlockingAllowed (util/thread_role.hpp).
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/pg_connection.hpp"
#include "store/pg_writer.hpp"
#include "store/store.hpp"

namespace confab::store {

class PgStore final : public Store {
 public:
  // Rows per page of a scan.
  static constexpr int kPageRows = 1000;

  // Connects to `url` (postgres://… or postgresql://…, or any libpq connection string), migrates the
  // schema and starts the writer. Unavailable when the server cannot be reached; Invalid when the
  // database's schema is newer than this binary.
  static Status Open(const std::string& url, std::unique_ptr<PgStore>* out);
  // Commits everything queued (every queued callback runs), then disconnects.
  ~PgStore() override;

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

 private:
  class ReadLease;
  friend class ReadLease;

  PgStore(std::string url, std::string description, std::unique_ptr<PgWriter> writer);
  Status TakeReader(std::unique_ptr<PgConnection>* conn, bool* reused);
  void ReturnReader(std::unique_ptr<PgConnection> conn);

  const std::string url_;
  const std::string description_;
  std::unique_ptr<PgWriter> writer_;

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<PgConnection>> idle_readers_;
};

}  // namespace confab::store
