#include "store/group_commit_writer.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <tuple>

#include "store/append_shape.hpp"
#include "store/schema.hpp"

namespace confab::store {
namespace {

// The writer's SQL. Prepared once per connection (SqliteConnection caches by text).
constexpr std::string_view kBegin = "BEGIN IMMEDIATE";
constexpr std::string_view kCommit = "COMMIT";
constexpr std::string_view kSavepoint = "SAVEPOINT request";
constexpr std::string_view kRelease = "RELEASE request";
constexpr std::string_view kRollbackTo = "ROLLBACK TO request";
constexpr std::string_view kInsertMeeting =
    "INSERT INTO meetings(id, facilitator_token_hash, created_ts) VALUES (?, ?, ?)";
constexpr std::string_view kMeetingExists = "SELECT 1 FROM meetings WHERE id = ?";
constexpr std::string_view kDataVersion = "PRAGMA data_version";
// A meeting's indexed events; the tail needs no read: the cache already holds every meeting in it.
constexpr std::string_view kLoadLog = "SELECT seq, id FROM event_index WHERE meeting_id = ?";
constexpr std::string_view kIdStored =
    "SELECT 1 FROM event_index WHERE meeting_id = ?1 AND id = ?2 "
    "UNION ALL SELECT 1 FROM events WHERE rowid > ?3 AND meeting_id = ?1 AND id = ?2 LIMIT 1";
constexpr std::string_view kInsertEvent =
    "INSERT INTO events(meeting_id, seq, id, type, actor_pid, ts, replayed, json) VALUES (?, ?, ?, ?, ?, ?, "
    "?, ?)";
constexpr std::string_view kInsertCredential =
    "INSERT INTO credentials(meeting_id, pid, secret_hash) VALUES (?, ?, ?)";
constexpr std::string_view kReadIndexedThrough = "SELECT indexed_through FROM index_state";
// Sorted, so the insert walks event_index left to right: one dirtied page per meeting touched.
// OR IGNORE: a row at a (meeting, seq) already indexed can only come from a foreign writer; the
// index keeps the first one and `confab check` reports the log.
constexpr std::string_view kIndexTail =
    "INSERT OR IGNORE INTO event_index(meeting_id, seq, id, event_rowid) "
    "SELECT meeting_id, seq, id, rowid FROM events WHERE rowid > ?1 ORDER BY meeting_id, seq";
constexpr std::string_view kMaxRowid = "SELECT COALESCE(MAX(rowid), 0) FROM events";
constexpr std::string_view kSetIndexedThrough = "UPDATE index_state SET indexed_through = ?";
constexpr std::string_view kPutSnapshot =
    "INSERT OR REPLACE INTO snapshots(meeting_id, seq, last_ts, state_json) VALUES (?, ?, ?, ?)";
constexpr std::string_view kAddUsage =
    "INSERT INTO feature_usage(type, day, meeting_id, events) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (type, day, meeting_id) DO UPDATE SET events = events + excluded.events";

// The cache's memory bound: past it, the next index flush forgets every meeting (they reload on use).
constexpr size_t kMaxCachedIds = size_t{4} << 20;

uint64_t IdHash(std::string_view id) {
  return std::hash<std::string_view>{}(id);
}

void UpdateMax(std::atomic<uint64_t>& target, uint64_t value) {
  uint64_t seen = target.load(std::memory_order_relaxed);
  while (value > seen && !target.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

}  // namespace

GroupCommitWriter::GroupCommitWriter(std::unique_ptr<SqliteConnection> conn,
                                     std::unique_ptr<Checkpointer> checkpointer)
    : conn_(std::move(conn)), checkpointer_(std::move(checkpointer)) {
  if (checkpointer_) checkpointer_->Attach(*conn_);
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "store-writer");  // for top/perf and store_bench's CPU split
    Run();
  });
}

GroupCommitWriter::~GroupCommitWriter() {
  Close();
}

void GroupCommitWriter::Append(AppendRequest req, std::function<void(Status)> done) {
  Enqueue(Pending{std::move(req), std::nullopt, std::move(done), Status::Ok()});
}

void GroupCommitWriter::PutSnapshot(Snapshot snap, std::function<void(Status)> done) {
  Enqueue(Pending{AppendRequest{}, std::move(snap), std::move(done), Status::Ok()});
}

void GroupCommitWriter::Enqueue(Pending p) {
  {
    std::lock_guard lock(mu_);
    if (!closing_) {
      queue_.push_back(std::move(p));
      ++queued_;
      // Only a writer that is waiting needs waking; a busy one takes this with its next batch.
      if (queue_.size() == 1) work_cv_.notify_one();
      return;
    }
  }
  if (!p.snap) failed_appends_.fetch_add(1, std::memory_order_relaxed);
  if (p.done) p.done(Status::Unavailable("store is closed"));
}

WriterHealthReport GroupCommitWriter::HealthDetail() const {
  WriterHealthReport r = health_.Report();
  if (closed_.load(std::memory_order_acquire)) {
    r.status = Status::Unavailable("store is closed");
    return r;
  }
  if (!r.status.ok() || !checkpointer_) return r;
  WriterHealthReport c = checkpointer_->health();
  if (!c.status.ok()) return c;
  // Both fine: the latest failure of either is the one worth showing.
  if (c.last_error_ms > r.last_error_ms) {
    r.last_error = std::move(c.last_error);
    r.last_error_ms = c.last_error_ms;
  }
  r.since_ms = std::max(r.since_ms, c.since_ms);
  return r;
}

void GroupCommitWriter::SetHealthClockForTesting(HealthTracker::Clock clock) {
  if (checkpointer_) checkpointer_->SetClockForTesting(clock);
  health_.SetClockForTesting(std::move(clock));
}

void GroupCommitWriter::SetMaxCachedMeetingsForTesting(size_t meetings) {
  max_cached_meetings_.store(meetings, std::memory_order_relaxed);
}

void GroupCommitWriter::SetMaxWalFramesForTesting(int frames) {
  if (checkpointer_) checkpointer_->SetMaxWalFramesForTesting(frames);
}

Status GroupCommitWriter::ExecForTesting(std::string sql) {
  std::future<Status> result;
  {
    std::lock_guard lock(mu_);
    if (closing_) return Status::Unavailable("store is closed");
    test_execs_.push_back(TestExec{std::move(sql), {}});
    result = test_execs_.back().result.get_future();
  }
  work_cv_.notify_one();
  return result.get();
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
  closed_.store(true, std::memory_order_release);
  work_cv_.notify_one();
  if (thread_.get_id() == std::this_thread::get_id()) return;  // from a callback: cannot join itself
  std::lock_guard lock(join_mu_);
  if (thread_.joinable()) thread_.join();
  if (checkpointer_) checkpointer_->Stop();
}

StoreStats GroupCommitWriter::Stats() const {
  StoreStats s;
  s.commits = commits_.load(std::memory_order_relaxed);
  s.appends = appends_.load(std::memory_order_relaxed);
  s.events = events_.load(std::memory_order_relaxed);
  s.failed_appends = failed_appends_.load(std::memory_order_relaxed);
  s.commit_micros = commit_micros_.load(std::memory_order_relaxed);
  s.max_batch_events = max_batch_events_.load(std::memory_order_relaxed);
  s.index_flushes = index_flushes_.load(std::memory_order_relaxed);
  s.cached_meetings = cached_meetings_.load(std::memory_order_relaxed);
  s.checkpoints = checkpointer_ ? checkpointer_->checkpoints() : 0;
  return s;
}

void GroupCommitWriter::Run() {
  std::vector<Pending> batch;
  std::vector<TestExec> execs;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return !queue_.empty() || !test_execs_.empty() || closing_; });
      execs.swap(test_execs_);
      // Closing still drains: the loop only ends once nothing is queued.
      if (queue_.empty() && execs.empty()) break;
      batch.swap(queue_);
    }
    for (TestExec& e : execs) e.result.set_value(conn_->Exec(e.sql.c_str()));
    execs.clear();
    if (batch.empty()) continue;
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
  bool committed = false;
  if (!rollback_to) {
    fail_all(st);
  } else if (Status b = StepOnce(begin, "begin"); !b.ok()) {
    // Another process holds the write lock past busy_timeout, or the disk is gone.
    fail_all(b.code() == Status::Code::kUnavailable ? b : Status::IoError(b.message()));
  } else if (Status prep = PrepareTransaction(); !prep.ok()) {
    fail_all(Status::IoError(prep.message()));
    conn_->Exec("ROLLBACK");
  } else {
    // Set when the transaction can no longer be committed as a whole.
    Status batch_lost;
    for (Pending& p : batch) {
      // Only a request that may fail after writing part of itself needs a savepoint: creating a
      // meeting (id taken) or storing credentials (participant taken). Plain event appends are
      // checked in full before their first write.
      const bool guarded = !p.snap && (p.req.create.has_value() || !p.req.credentials.empty());
      if (guarded) {
        if (Status s = StepOnce(savepoint, "savepoint"); !s.ok()) {
          batch_lost = s;
          break;
        }
      }
      bool wrote = false;
      p.status = p.snap ? WriteSnapshot(*p.snap) : WriteRequest(p.req, &wrote);
      if (guarded) {
        if (!p.status.ok()) StepOnce(rollback_to, "rollback to savepoint");
        StepOnce(release, "release savepoint");
      } else if (!p.status.ok() && wrote) {
        // Part of an unguarded request is in the transaction and cannot be taken out alone.
        batch_lost = p.status;
        break;
      }
      // Some errors (disk full, I/O error, out of memory) make SQLite roll back the whole
      // transaction on its own; what earlier requests wrote is then gone too.
      if (sqlite3_get_autocommit(conn_->db())) {
        batch_lost = Status::IoError(sqlite3_errmsg(conn_->db()));
        break;
      }
    }
    if (batch_lost.ok()) batch_lost = WriteUsage(batch);
    if (!batch_lost.ok()) {
      fail_all(Status::IoError("transaction rolled back: " + batch_lost.message()));
      if (!sqlite3_get_autocommit(conn_->db())) conn_->Exec("ROLLBACK");
    } else if (Status c = StepOnce(commit, "commit"); !c.ok()) {
      // Nothing of the batch is durable: not even the requests that had failed on their own know
      // more than that, so all of them report the commit failure.
      fail_all(Status::IoError(c.message()));
      conn_->Exec("ROLLBACK");
    } else {
      committed = true;
      commits_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  // The cache already counts this batch's writes; if they are gone it must be rebuilt. And a cache
  // that a unique index had to correct is rebuilt from the table.
  if (!committed || cache_wrong_) DropCache();
  cache_wrong_ = false;
  cached_meetings_.store(logs_.size(), std::memory_order_relaxed);
  UpdateHealth(batch, committed);

  uint64_t ok_events = 0;
  for (const Pending& p : batch) {
    if (p.snap) continue;  // not an append: the stats count appends and events only
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

void GroupCommitWriter::UpdateHealth(const std::vector<Pending>& batch, bool committed) {
  // A request's own Conflict/Duplicate/NotFound/Invalid says nothing about the disk; IoError and
  // Unavailable do (and after a lost batch every request carries the batch's reason).
  const Status* trouble = nullptr;
  for (const Pending& p : batch) {
    const Status::Code c = p.status.code();
    if (c == Status::Code::kIoError || c == Status::Code::kUnavailable) {
      trouble = &p.status;
      break;
    }
  }
  if (trouble || !committed) {
    health_.Failed(trouble ? trouble->message() : "commit failed");
    return;
  }
  // Only a commit that wrote something shows the disk takes writes: a batch whose requests were all
  // refused commits an empty transaction, which succeeds on a full disk too.
  for (const Pending& p : batch) {
    if (p.status.ok()) {
      health_.Wrote();
      return;
    }
  }
}

void GroupCommitWriter::DropCache() {
  logs_.clear();
  cached_ids_ = 0;
  must_index_tail_ = true;
}

Status GroupCommitWriter::PrepareTransaction() {
  Status st;
  // Under the write lock, so the value is current: it moves only when another connection commits.
  sqlite3_stmt* dv = conn_->Prepare(kDataVersion, &st);
  if (!dv) return st;
  {
    StatementScope q(dv);
    if (q.Step() != SQLITE_ROW) return conn_->LastError("read data_version");
    const int64_t version = q.Int(0);
    if (version != data_version_) {
      if (data_version_ != -1) DropCache();  // another writer: heads and ids may have moved
      data_version_ = version;
    }
  }
  if (must_index_tail_ || unindexed_events_ >= kIndexEveryEvents) return IndexTail();
  return Status::Ok();
}

Status GroupCommitWriter::IndexTail() {
  Status st;
  if (must_index_tail_) {
    // Another writer may have flushed (or written) since we last looked.
    sqlite3_stmt* read = conn_->Prepare(kReadIndexedThrough, &st);
    if (!read) return st;
    StatementScope q(read);
    if (q.Step() != SQLITE_ROW) return conn_->LastError("read index_state");
    indexed_through_ = q.Int(0);
  }
  sqlite3_stmt* index = conn_->Prepare(kIndexTail, &st);
  sqlite3_stmt* max = index ? conn_->Prepare(kMaxRowid, &st) : nullptr;
  sqlite3_stmt* set = max ? conn_->Prepare(kSetIndexedThrough, &st) : nullptr;
  if (!set) return st;
  {
    StatementScope q(index);
    q.Bind(1, indexed_through_);
    if (q.Step() != SQLITE_DONE) return conn_->LastError("index the log tail");
  }
  int64_t through = indexed_through_;
  {
    StatementScope q(max);
    if (q.Step() != SQLITE_ROW) return conn_->LastError("read last rowid");
    through = std::max(through, q.Int(0));
  }
  if (through != indexed_through_) {
    StatementScope q(set);
    q.Bind(1, through);
    if (q.Step() != SQLITE_DONE) return conn_->LastError("record index_state");
  }
  // Only now, with the tail empty, may the cache forget meetings: a miss reads event_index alone.
  if (cached_ids_ > kMaxCachedIds || logs_.size() > max_cached_meetings_.load(std::memory_order_relaxed)) {
    logs_.clear();
    cached_ids_ = 0;
  }
  indexed_through_ = through;
  unindexed_events_ = 0;
  must_index_tail_ = false;
  index_flushes_.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

Status GroupCommitWriter::CheckShape(const AppendRequest& req) {
  return CheckAppendShape(req);
}

Status GroupCommitWriter::FindLog(const std::string& mid, bool just_created, MeetingLog** out) {
  if (auto it = logs_.find(mid); it != logs_.end()) {
    *out = &it->second;
    return Status::Ok();
  }
  Status st;
  if (!just_created) {
    sqlite3_stmt* stmt = conn_->Prepare(kMeetingExists, &st);
    if (!stmt) return st;
    StatementScope q(stmt);
    q.Bind(1, mid);
    int rc = q.Step();
    if (rc == SQLITE_DONE) return Status::NotFound("no meeting " + mid);
    if (rc != SQLITE_ROW) return conn_->LastError("read meeting");
  }
  // Every meeting with events in the tail is cached (the tail was indexed when the cache was last
  // dropped, and every write since went through it), so event_index alone is the whole log.
  MeetingLog log;
  sqlite3_stmt* load = conn_->Prepare(kLoadLog, &st);
  if (!load) return st;
  StatementScope q(load);
  q.Bind(1, mid);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    log.head = std::max(log.head, q.Int(0));
    const auto* id = reinterpret_cast<const char*>(sqlite3_column_text(load, 1));
    log.id_hashes.insert(IdHash(std::string_view(id ? id : "", sqlite3_column_bytes(load, 1))));
  }
  if (rc != SQLITE_DONE) return conn_->LastError("load meeting log");
  cached_ids_ += log.id_hashes.size();
  *out = &logs_.emplace(mid, std::move(log)).first->second;
  return Status::Ok();
}

Status GroupCommitWriter::IdStored(const std::string& mid, const std::string& id, bool* stored) {
  Status st;
  sqlite3_stmt* stmt = conn_->Prepare(kIdStored, &st);
  if (!stmt) return st;
  StatementScope q(stmt);
  q.Bind(1, mid);
  q.Bind(2, id);
  q.Bind(3, indexed_through_);
  int rc = q.Step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return conn_->LastError("find event id");
  *stored = rc == SQLITE_ROW;
  return Status::Ok();
}

Status GroupCommitWriter::WriteRequest(const AppendRequest& req, bool* wrote) {
  if (Status s = CheckShape(req); !s.ok()) return s;
  const std::string& mid = req.meeting_id;
  Status st;

  if (req.create) {
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
    *wrote = true;
  }

  MeetingLog* log = nullptr;
  if (Status s = FindLog(mid, req.create.has_value(), &log); !s.ok()) return s;
  // A meeting created by this request exists only if the request commits: a failure below rolls
  // its row back (savepoint), so the cache must not remember it either.
  struct ForgetCreated {
    GroupCommitWriter* w;
    const std::string* mid;
    bool armed;
    ~ForgetCreated() {
      if (armed) w->logs_.erase(*mid);
    }
  } forget{this, &mid, req.create.has_value()};

  if (!req.events.empty() && req.events.front().seq != log->head + 1) {
    const int64_t first = req.events.front().seq;
    if (first <= log->head)
      return Status::Conflict("meeting " + mid + " seq " + std::to_string(first) + " is taken");
    return Status::Conflict("meeting " + mid + " head is " + std::to_string(log->head) +
                            ", append starts at seq " + std::to_string(first));
  }
  // Idempotency: no event id may already be stored in the meeting, nor repeat inside the request.
  std::vector<uint64_t> hashes;
  hashes.reserve(req.events.size());
  for (size_t i = 0; i < req.events.size(); ++i) {
    const StoredEvent& e = req.events[i];
    const uint64_t h = IdHash(e.id);
    bool duplicate = false;
    for (size_t j = 0; j < i && !duplicate; ++j) duplicate = hashes[j] == h && req.events[j].id == e.id;
    if (!duplicate && log->id_hashes.count(h)) {
      if (Status s = IdStored(mid, e.id, &duplicate); !s.ok()) return s;
    }
    if (duplicate) return Status::Duplicate("meeting " + mid + " already has event id " + e.id);
    hashes.push_back(h);
  }

  sqlite3_stmt* ins = conn_->Prepare(kInsertEvent, &st);
  if (!ins) return st;
  for (const StoredEvent& e : req.events) {
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
      // A failed statement leaves nothing of itself behind: only the events before it were written.
      if (sqlite3_extended_errcode(conn_->db()) == SQLITE_CONSTRAINT_UNIQUE) {
        // Schema v4's indexes caught what the cache missed (another writer on the file slipped past
        // data_version, or a bug): refuse the request as its check would have.
        cache_wrong_ = true;
        const bool seq_taken =
            std::string_view(sqlite3_errmsg(conn_->db())).find("events.seq") != std::string_view::npos;
        spdlog::error("store: unique index refused meeting {} seq {} id {} the cache let through", mid, e.seq,
                      e.id);
        return seq_taken ? Status::Conflict("meeting " + mid + " seq " + std::to_string(e.seq) + " is taken")
                         : Status::Duplicate("meeting " + mid + " already has event id " + e.id);
      }
      return conn_->LastError("insert event");
    }
    *wrote = true;
  }

  sqlite3_stmt* cred = conn_->Prepare(kInsertCredential, &st);
  if (!cred) return st;
  for (const Credential& c : req.credentials) {
    StatementScope q(cred);
    q.Bind(1, mid);
    q.Bind(2, c.pid);
    q.Bind(3, c.secret_hash);
    *wrote = true;
    if (q.Step() != SQLITE_DONE) {
      if (sqlite3_extended_errcode(conn_->db()) == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Status::Conflict("meeting " + mid + " already has participant " + c.pid);
      }
      return conn_->LastError("insert credential");
    }
  }

  // Written: the cache follows (a later failure of the whole batch drops it).
  forget.armed = false;
  if (!req.events.empty()) log->head = req.events.back().seq;
  for (uint64_t h : hashes) cached_ids_ += log->id_hashes.insert(h).second ? 1 : 0;
  unindexed_events_ += static_cast<int64_t>(req.events.size());
  return Status::Ok();
}

}  // namespace confab::store

namespace confab::store {

Status GroupCommitWriter::WriteSnapshot(const Snapshot& snap) {
  const std::string& mid = snap.meeting_id;
  if (mid.empty()) return Status::Invalid("snapshot without a meeting id");
  if (snap.seq < 1)
    return Status::Invalid("snapshot of meeting " + mid + " at seq " + std::to_string(snap.seq));
  // A snapshot is a cache of the log: one past the durable head would fold events that may never
  // commit (a room queues it behind its appends, so a failed append fails it here too).
  MeetingLog* log = nullptr;
  if (Status s = FindLog(mid, false, &log); !s.ok()) return s;
  if (snap.seq > log->head) {
    return Status::Invalid("snapshot of meeting " + mid + " at seq " + std::to_string(snap.seq) +
                           " is past its head " + std::to_string(log->head));
  }
  Status st;
  sqlite3_stmt* put = conn_->Prepare(kPutSnapshot, &st);
  if (!put) return st;
  StatementScope q(put);
  q.Bind(1, mid);
  q.Bind(2, snap.seq);
  q.Bind(3, snap.last_ts);
  q.Bind(4, snap.state_json);
  if (q.Step() != SQLITE_DONE) return conn_->LastError("write snapshot");
  return Status::Ok();
}

Status GroupCommitWriter::WriteUsage(const std::vector<Pending>& batch) {
  // Sorted by the table's key, so the upserts walk its B-tree left to right. Views point into batch.
  std::map<std::tuple<std::string_view, int64_t, std::string_view>, int64_t> counts;
  for (const Pending& p : batch) {
    if (p.snap || !p.status.ok()) continue;
    for (const StoredEvent& e : p.req.events) ++counts[{e.type, UsageDay(e.ts), p.req.meeting_id}];
  }
  if (counts.empty()) return Status::Ok();
  Status st;
  sqlite3_stmt* add = conn_->Prepare(kAddUsage, &st);
  if (!add) return st;
  for (const auto& [key, n] : counts) {
    StatementScope q(add);
    q.Bind(1, std::get<0>(key));
    q.Bind(2, std::get<1>(key));
    q.Bind(3, std::get<2>(key));
    q.Bind(4, n);
    if (q.Step() != SQLITE_DONE) return conn_->LastError("count feature usage");
  }
  return Status::Ok();
}

}  // namespace confab::store
