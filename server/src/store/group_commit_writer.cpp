#include "store/group_commit_writer.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <string>

namespace confab::store {
namespace {

// The writer's SQL. Prepared once per connection (SqliteConnection caches by text).
constexpr std::string_view kBegin = "BEGIN IMMEDIATE";
constexpr std::string_view kCommit = "COMMIT";
constexpr std::string_view kRollback = "ROLLBACK";
constexpr std::string_view kSavepoint = "SAVEPOINT request";
constexpr std::string_view kRelease = "RELEASE request";
constexpr std::string_view kRollbackTo = "ROLLBACK TO request";
constexpr std::string_view kInsertMeeting =
    "INSERT INTO meetings(id, facilitator_token_hash, created_ts) VALUES (?, ?, ?)";
constexpr std::string_view kMeetingExists = "SELECT 1 FROM meetings WHERE id = ?";
constexpr std::string_view kHeadSeq = "SELECT MAX(seq) FROM events WHERE meeting_id = ?";
constexpr std::string_view kInsertEvent =
    "INSERT INTO events(meeting_id, seq, id, type, actor_pid, ts, replayed, json) VALUES (?, ?, ?, ?, ?, ?, "
    "?, ?)";
constexpr std::string_view kInsertCredential =
    "INSERT INTO credentials(meeting_id, pid, secret_hash) VALUES (?, ?, ?)";

void UpdateMax(std::atomic<uint64_t>& target, uint64_t value) {
  uint64_t seen = target.load(std::memory_order_relaxed);
  while (value > seen && !target.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

}  // namespace

GroupCommitWriter::GroupCommitWriter(std::unique_ptr<SqliteConnection> conn) : conn_(std::move(conn)) {
  thread_ = std::thread([this] { Run(); });
}

GroupCommitWriter::~GroupCommitWriter() {
  Close();
}

void GroupCommitWriter::Append(AppendRequest req, std::function<void(Status)> done) {
  {
    std::lock_guard lock(mu_);
    if (!closing_) {
      queue_.push_back(Pending{std::move(req), std::move(done), Status::Ok()});
      ++queued_;
      // Only a writer that is waiting needs waking; a busy one takes this with its next batch.
      if (queue_.size() == 1) work_cv_.notify_one();
      return;
    }
  }
  failed_appends_.fetch_add(1, std::memory_order_relaxed);
  if (done) done(Status::Unavailable("store is closed"));
}

void GroupCommitWriter::Flush() {
  std::unique_lock lock(mu_);
  const uint64_t target = queued_;
  done_cv_.wait(lock, [&] { return completed_ >= target; });
}

void GroupCommitWriter::Close() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  work_cv_.notify_one();
  if (thread_.get_id() == std::this_thread::get_id()) return;  // from a callback: cannot join itself
  std::lock_guard lock(join_mu_);
  if (thread_.joinable()) thread_.join();
}

StoreStats GroupCommitWriter::Stats() const {
  StoreStats s;
  s.commits = commits_.load(std::memory_order_relaxed);
  s.appends = appends_.load(std::memory_order_relaxed);
  s.events = events_.load(std::memory_order_relaxed);
  s.failed_appends = failed_appends_.load(std::memory_order_relaxed);
  s.commit_micros = commit_micros_.load(std::memory_order_relaxed);
  s.max_batch_events = max_batch_events_.load(std::memory_order_relaxed);
  return s;
}

void GroupCommitWriter::Run() {
  std::vector<Pending> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return !queue_.empty() || closing_; });
      // Closing still drains: the loop only ends once nothing is queued.
      if (queue_.empty()) break;
      batch.swap(queue_);
    }
    CommitBatch(batch);
    for (Pending& p : batch) {
      if (!p.done) continue;
      // A throwing callback must not take the writer (and every other room's durability) down.
      try {
        p.done(p.status);
      } catch (const std::exception& e) {
        spdlog::error("store: append callback threw: {}", e.what());
      } catch (...) {
        spdlog::error("store: append callback threw");
      }
    }
    const size_t n = batch.size();
    batch.clear();
    {
      std::lock_guard lock(mu_);
      completed_ += n;
    }
    done_cv_.notify_all();
  }
}

Status GroupCommitWriter::StepOnce(sqlite3_stmt* stmt, std::string_view what) {
  StatementScope q(stmt);
  if (q.Step() != SQLITE_DONE) return conn_->LastError(what);
  return Status::Ok();
}

void GroupCommitWriter::CommitBatch(std::vector<Pending>& batch) {
  const auto started = std::chrono::steady_clock::now();
  auto fail_all = [&](const Status& why) {
    for (Pending& p : batch) p.status = why;
  };

  Status st;
  sqlite3_stmt* begin = conn_->Prepare(kBegin, &st);
  sqlite3_stmt* commit = begin ? conn_->Prepare(kCommit, &st) : nullptr;
  sqlite3_stmt* savepoint = commit ? conn_->Prepare(kSavepoint, &st) : nullptr;
  sqlite3_stmt* release = savepoint ? conn_->Prepare(kRelease, &st) : nullptr;
  sqlite3_stmt* rollback_to = release ? conn_->Prepare(kRollbackTo, &st) : nullptr;
  if (!rollback_to) {
    fail_all(st);
  } else if (Status b = StepOnce(begin, "begin"); !b.ok()) {
    // Another process holds the write lock past busy_timeout, or the disk is gone.
    fail_all(b.code() == Status::Code::kUnavailable ? b : Status::IoError(b.message()));
  } else {
    bool transaction_lost = false;
    for (Pending& p : batch) {
      if (Status s = StepOnce(savepoint, "savepoint"); !s.ok()) {
        p.status = s;
        continue;
      }
      p.status = WriteRequest(p.req);
      if (!p.status.ok()) {
        // Undo just this request; the savepoint itself is then released (it stays open otherwise).
        StepOnce(rollback_to, "rollback to savepoint");
      }
      StepOnce(release, "release savepoint");
      // Some errors (disk full, I/O error, out of memory) make SQLite roll back the whole
      // transaction on its own; what earlier requests wrote is then gone too.
      if (sqlite3_get_autocommit(conn_->db())) {
        transaction_lost = true;
        break;
      }
    }
    if (transaction_lost) {
      fail_all(Status::IoError("transaction rolled back: " + std::string(sqlite3_errmsg(conn_->db()))));
    } else if (Status c = StepOnce(commit, "commit"); !c.ok()) {
      // Nothing of the batch is durable: not even the requests that had failed on their own know
      // more than that, so all of them report the commit failure.
      fail_all(Status::IoError(c.message()));
      conn_->Exec("ROLLBACK");
    } else {
      commits_.fetch_add(1, std::memory_order_relaxed);
    }
  }

  uint64_t ok_events = 0;
  for (const Pending& p : batch) {
    if (p.status.ok()) {
      appends_.fetch_add(1, std::memory_order_relaxed);
      ok_events += p.req.events.size();
    } else {
      failed_appends_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  events_.fetch_add(ok_events, std::memory_order_relaxed);
  UpdateMax(max_batch_events_, ok_events);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started)
          .count();
  commit_micros_.fetch_add(static_cast<uint64_t>(micros), std::memory_order_relaxed);
}

Status GroupCommitWriter::WriteRequest(const AppendRequest& req) {
  const std::string& mid = req.meeting_id;
  if (mid.empty()) return Status::Invalid("append without a meeting id");
  Status st;

  if (req.create) {
    if (req.create->id != mid)
      return Status::Invalid("create names meeting " + req.create->id + ", append names " + mid);
    sqlite3_stmt* ins = conn_->Prepare(kInsertMeeting, &st);
    if (!ins) return st;
    StatementScope q(ins);
    q.Bind(1, mid);
    q.Bind(2, req.create->facilitator_token_hash);
    q.Bind(3, req.create->created_ts);
    int rc = q.Step();
    if (rc != SQLITE_DONE) {
      if (sqlite3_extended_errcode(conn_->db()) == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Status::Conflict("meeting " + mid + " already exists");
      }
      return conn_->LastError("insert meeting");
    }
  }

  // The stored head: one seek to the end of the meeting's (meeting_id, seq) key range.
  int64_t head = 0;
  {
    sqlite3_stmt* stmt = conn_->Prepare(kHeadSeq, &st);
    if (!stmt) return st;
    StatementScope q(stmt);
    q.Bind(1, mid);
    if (q.Step() != SQLITE_ROW) return conn_->LastError("read head seq");
    head = q.IsNull(0) ? 0 : q.Int(0);
  }
  if (head == 0 && !req.create) {
    // No events yet: only then can the meeting row be missing (events are never written without it).
    sqlite3_stmt* stmt = conn_->Prepare(kMeetingExists, &st);
    if (!stmt) return st;
    StatementScope q(stmt);
    q.Bind(1, mid);
    int rc = q.Step();
    if (rc == SQLITE_DONE) return Status::NotFound("no meeting " + mid);
    if (rc != SQLITE_ROW) return conn_->LastError("read meeting");
  }

  if (!req.events.empty()) {
    const int64_t first = req.events.front().seq;
    if (first != head + 1) {
      return Status::Conflict("meeting " + mid + " head is " + std::to_string(head) +
                              ", append starts at seq " + std::to_string(first));
    }
  }
  sqlite3_stmt* ins = conn_->Prepare(kInsertEvent, &st);
  if (!ins) return st;
  int64_t expected = head + 1;
  for (const StoredEvent& e : req.events) {
    if (e.seq != expected) {
      return Status::Invalid("seqs of one append must be contiguous: expected " + std::to_string(expected) +
                             ", got " + std::to_string(e.seq));
    }
    if (!e.meeting_id.empty() && e.meeting_id != mid) {
      return Status::Invalid("event of meeting " + e.meeting_id + " in an append to " + mid);
    }
    ++expected;
    StatementScope q(ins);
    q.Bind(1, mid);
    q.Bind(2, e.seq);
    q.Bind(3, e.id);
    q.Bind(4, e.type);
    q.Bind(5, e.actor_pid);
    q.Bind(6, e.ts);
    q.Bind(7, int64_t{e.replayed ? 1 : 0});
    q.Bind(8, e.json);
    if (q.Step() != SQLITE_DONE) {
      switch (sqlite3_extended_errcode(conn_->db())) {
        case SQLITE_CONSTRAINT_PRIMARYKEY:
          return Status::Conflict("meeting " + mid + " seq " + std::to_string(e.seq) + " is taken");
        case SQLITE_CONSTRAINT_UNIQUE:
          return Status::Duplicate("meeting " + mid + " already has event id " + e.id);
        default:
          return conn_->LastError("insert event");
      }
    }
  }

  sqlite3_stmt* cred = conn_->Prepare(kInsertCredential, &st);
  if (!cred) return st;
  for (const Credential& c : req.credentials) {
    if (!c.meeting_id.empty() && c.meeting_id != mid) {
      return Status::Invalid("credential of meeting " + c.meeting_id + " in an append to " + mid);
    }
    StatementScope q(cred);
    q.Bind(1, mid);
    q.Bind(2, c.pid);
    q.Bind(3, c.secret_hash);
    if (q.Step() != SQLITE_DONE) {
      if (sqlite3_extended_errcode(conn_->db()) == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Status::Conflict("meeting " + mid + " already has participant " + c.pid);
      }
      return conn_->LastError("insert credential");
    }
  }
  return Status::Ok();
}

}  // namespace confab::store
