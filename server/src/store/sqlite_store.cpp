#include "store/sqlite_store.hpp"

#include <filesystem>
#include <limits>
#include <system_error>

#include "store/schema.hpp"
#include "util/thread_role.hpp"

namespace confab::store {
namespace {

// Readers kept open between reads. More may be open at a time (one per concurrent read); the
// extra ones are closed when returned, so a burst of joins does not pin file handles forever.
constexpr size_t kMaxIdleReaders = 8;

// Schema v2 (docs/storage.md): events up to index_state.indexed_through are reached through
// event_index (its (meeting_id, seq) order, then the row by rowid); newer ones, the tail, by a rowid
// range scan of at most a few thousand rows. Each query is one compound statement, so both halves
// read the same snapshot (the writer moves rows from tail to index atomically), and SQLite merges
// the two ordered halves without sorting the indexed one. The join re-checks meeting_id and seq so
// an index entry whose row was edited away by hand cannot return a different event.
#define CONFAB_EVENT_COLUMNS "meeting_id, seq, id, type, actor_pid, ts, replayed, json"
#define CONFAB_INDEXED_EVENTS                                                                          \
  "SELECT x.meeting_id, x.seq, e.id, e.type, e.actor_pid, e.ts, e.replayed, e.json "                   \
  "FROM event_index x CROSS JOIN events e ON e.rowid = x.event_rowid AND e.meeting_id = x.meeting_id " \
  "AND e.seq = x.seq "
#define CONFAB_TAIL_EVENTS       \
  "SELECT " CONFAB_EVENT_COLUMNS \
  " FROM events WHERE rowid > "  \
  "(SELECT indexed_through FROM index_state) "
constexpr std::string_view kReadEvents =
    CONFAB_INDEXED_EVENTS "WHERE x.meeting_id = ?1 AND x.seq > ?2 UNION ALL " CONFAB_TAIL_EVENTS
                          "AND meeting_id = ?1 AND seq > ?2 ORDER BY 2 LIMIT ?3";
constexpr std::string_view kReadReplayedEvents = CONFAB_INDEXED_EVENTS
    "WHERE x.meeting_id = ?1 AND x.seq > ?2 AND e.replayed = 1 UNION ALL " CONFAB_TAIL_EVENTS
    "AND meeting_id = ?1 AND seq > ?2 AND replayed = 1 ORDER BY 2 LIMIT ?3";
constexpr std::string_view kScanAll = CONFAB_INDEXED_EVENTS "UNION ALL " CONFAB_TAIL_EVENTS "ORDER BY 1, 2";
constexpr std::string_view kHeadSeq =
    "SELECT MAX(s) FROM (SELECT MAX(seq) AS s FROM event_index WHERE meeting_id = ?1 UNION ALL "
    "SELECT MAX(seq) FROM events WHERE rowid > (SELECT indexed_through FROM index_state) AND meeting_id = "
    "?1)";
constexpr std::string_view kFindEventSeq =
    "SELECT seq FROM event_index WHERE meeting_id = ?1 AND id = ?2 UNION ALL "
    "SELECT seq FROM events WHERE rowid > (SELECT indexed_through FROM index_state) AND meeting_id = ?1 "
    "AND id = ?2 LIMIT 1";
#undef CONFAB_TAIL_EVENTS
#undef CONFAB_INDEXED_EVENTS
#undef CONFAB_EVENT_COLUMNS
constexpr std::string_view kGetMeeting =
    "SELECT id, facilitator_token_hash, created_ts FROM meetings WHERE id = ?";
constexpr std::string_view kListMeetings =
    "SELECT id, facilitator_token_hash, created_ts FROM meetings ORDER BY created_ts, id";
constexpr std::string_view kGetCredential =
    "SELECT secret_hash FROM credentials WHERE meeting_id = ? AND pid = ?";
// One seek to (meeting_id, max_seq) in the primary key, then backwards past snapshots newer than
// max_ts (empty when max_seq decides; a few hundred entries at most, read without the overflow pages
// of their state_json),
// rather than a second index that every snapshot write would pay for.
constexpr std::string_view kLatestSnapshot =
    "SELECT seq, last_ts, state_json FROM snapshots WHERE meeting_id = ?1 AND seq <= ?2 AND last_ts <= ?3 "
    "ORDER BY seq DESC LIMIT 1";
// The key is (type, day, meeting_id) and a day range names no type, so the types are walked by
// seeks (a loose index scan: one per distinct type, a few dozen) and each one's day range read: the
// table is never scanned whole, however many days it holds.
constexpr std::string_view kScanFeatureUsage =
    "WITH RECURSIVE t(type) AS (SELECT MIN(type) FROM feature_usage UNION ALL "
    "SELECT (SELECT MIN(type) FROM feature_usage WHERE type > t.type) FROM t WHERE t.type IS NOT NULL) "
    "SELECT f.type, f.day, f.meeting_id, f.events FROM t CROSS JOIN feature_usage f "
    "ON f.type = t.type AND f.day >= ?1 AND f.day < ?2 ORDER BY 1, 2, 3";

StoredEvent EventFromRow(const StatementScope& q) {
  StoredEvent e;
  e.meeting_id = q.Text(0);
  e.seq = q.Int(1);
  e.id = q.Text(2);
  e.type = q.Text(3);
  e.actor_pid = q.Text(4);
  e.ts = q.Int(5);
  e.replayed = q.Int(6) != 0;
  e.json = q.Text(7);
  return e;
}

MeetingRecord MeetingFromRow(const StatementScope& q) {
  MeetingRecord m;
  m.id = q.Text(0);
  m.facilitator_token_hash = q.Text(1);
  m.created_ts = q.Int(2);
  return m;
}

// Steps through event rows, handing each to `fn` until it returns false.
Status ForEachEvent(SqliteConnection& conn, StatementScope& q, const std::function<bool(StoredEvent&&)>& fn) {
  for (;;) {
    int rc = q.Step();
    if (rc == SQLITE_DONE) return Status::Ok();
    if (rc != SQLITE_ROW) return conn.LastError("read events");
    if (!fn(EventFromRow(q))) return Status::Ok();
  }
}

}  // namespace

class SqliteStore::ReadLease {
 public:
  explicit ReadLease(SqliteStore& store) : store_(store) { status_ = store.TakeReader(&conn_); }
  ~ReadLease() {
    if (conn_) store_.ReturnReader(std::move(conn_));
  }
  const Status& status() const { return status_; }
  SqliteConnection& conn() { return *conn_; }
  // The cached statement for `sql`, or nullptr with *st set.
  sqlite3_stmt* Prepare(std::string_view sql, Status* st) { return conn_->Prepare(sql, st); }

 private:
  SqliteStore& store_;
  std::unique_ptr<SqliteConnection> conn_;
  Status status_;
};

Status SqliteStore::Open(const std::string& path, std::unique_ptr<SqliteStore>* out) {
  if (path.empty()) return Status::Invalid("empty SQLite path");
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) return Status::IoError("create directory " + parent.string() + ": " + ec.message());
  }
  std::unique_ptr<SqliteConnection> conn;
  if (Status s = SqliteConnection::Open(path, SqliteConnection::Role::kWriter, &conn); !s.ok()) return s;
  if (Status s = Migrate(*conn); !s.ok()) return s;
  std::unique_ptr<Checkpointer> checkpointer;
  if (Status s = Checkpointer::Open(path, &checkpointer); !s.ok()) return s;
  auto writer = std::make_unique<GroupCommitWriter>(std::move(conn), std::move(checkpointer));
  out->reset(new SqliteStore(path, std::move(writer)));
  return Status::Ok();
}

SqliteStore::SqliteStore(std::string path, std::unique_ptr<GroupCommitWriter> writer)
    : path_(std::move(path)), writer_(std::move(writer)) {}

SqliteStore::~SqliteStore() {
  Close();
}

void SqliteStore::Close() {
  writer_->Close();
}

Status SqliteStore::TakeReader(std::unique_ptr<SqliteConnection>* conn) {
  {
    std::lock_guard lock(pool_mu_);
    if (!idle_readers_.empty()) {
      *conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return Status::Ok();
    }
  }
  // Opening outside the lock: it touches the file system and must not stall other readers.
  return SqliteConnection::Open(path_, SqliteConnection::Role::kReader, conn);
}

void SqliteStore::ReturnReader(std::unique_ptr<SqliteConnection> conn) {
  std::lock_guard lock(pool_mu_);
  if (idle_readers_.size() < kMaxIdleReaders) idle_readers_.push_back(std::move(conn));
}

void SqliteStore::Append(AppendRequest req, std::function<void(Status)> done) {
  writer_->Append(std::move(req), std::move(done));
}

void SqliteStore::Flush() {
  ExpectBlockingAllowed("SqliteStore::Flush");
  writer_->Flush();
}

Status SqliteStore::GetMeeting(std::string_view meeting_id, MeetingRecord* out) {
  ExpectBlockingAllowed("SqliteStore::GetMeeting");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  Status st;
  sqlite3_stmt* stmt = lease.Prepare(kGetMeeting, &st);
  if (!stmt) return st;
  StatementScope q(stmt);
  q.Bind(1, meeting_id);
  int rc = q.Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no meeting " + std::string(meeting_id));
  if (rc != SQLITE_ROW) return lease.conn().LastError("read meeting");
  *out = MeetingFromRow(q);
  return Status::Ok();
}

Status SqliteStore::HeadSeq(std::string_view meeting_id, int64_t* out) {
  ExpectBlockingAllowed("SqliteStore::HeadSeq");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  Status st;
  sqlite3_stmt* head = lease.Prepare(kHeadSeq, &st);
  if (!head) return st;
  {
    StatementScope q(head);
    q.Bind(1, meeting_id);
    if (q.Step() != SQLITE_ROW) return lease.conn().LastError("read head seq");
    if (!q.IsNull(0)) {
      *out = q.Int(0);
      return Status::Ok();
    }
  }
  // No events: 0 if the meeting exists, NotFound otherwise. (The meeting row is written with or
  // before its first event, so reading it second cannot miss a meeting that has events.)
  sqlite3_stmt* meeting = lease.Prepare(kGetMeeting, &st);
  if (!meeting) return st;
  StatementScope q(meeting);
  q.Bind(1, meeting_id);
  int rc = q.Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no meeting " + std::string(meeting_id));
  if (rc != SQLITE_ROW) return lease.conn().LastError("read meeting");
  *out = 0;
  return Status::Ok();
}

Status SqliteStore::ReadEvents(std::string_view meeting_id, int64_t after_seq, size_t limit,
                               bool replayed_only, std::vector<StoredEvent>* out) {
  ExpectBlockingAllowed("SqliteStore::ReadEvents");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  Status st;
  sqlite3_stmt* stmt = lease.Prepare(replayed_only ? kReadReplayedEvents : kReadEvents, &st);
  if (!stmt) return st;
  StatementScope q(stmt);
  q.Bind(1, meeting_id);
  q.Bind(2, after_seq);
  // SQLite reads a negative LIMIT as "no limit".
  const bool unlimited = limit == 0 || limit > static_cast<size_t>(std::numeric_limits<int64_t>::max());
  q.Bind(3, unlimited ? int64_t{-1} : static_cast<int64_t>(limit));
  out->clear();
  return ForEachEvent(lease.conn(), q, [&](StoredEvent&& e) {
    out->push_back(std::move(e));
    return true;
  });
}

Status SqliteStore::ScanEvents(std::string_view meeting_id, int64_t after_seq,
                               const std::function<bool(const StoredEvent&)>& fn) {
  ExpectBlockingAllowed("SqliteStore::ScanEvents");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  Status st;
  sqlite3_stmt* stmt = lease.Prepare(kReadEvents, &st);
  if (!stmt) return st;
  StatementScope q(stmt);
  q.Bind(1, meeting_id);
  q.Bind(2, after_seq);
  q.Bind(3, int64_t{-1});
  return ForEachEvent(lease.conn(), q, [&](StoredEvent&& e) { return fn(e); });
}

Status SqliteStore::ScanAll(const std::function<bool(const StoredEvent&)>& fn) {
  ExpectBlockingAllowed("SqliteStore::ScanAll");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  Status st;
  sqlite3_stmt* stmt = lease.Prepare(kScanAll, &st);
  if (!stmt) return st;
  StatementScope q(stmt);
  return ForEachEvent(lease.conn(), q, [&](StoredEvent&& e) { return fn(e); });
}

Status SqliteStore::FindEventSeq(std::string_view meeting_id, std::string_view event_id, int64_t* seq) {
  ExpectBlockingAllowed("SqliteStore::FindEventSeq");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  Status st;
  sqlite3_stmt* stmt = lease.Prepare(kFindEventSeq, &st);
  if (!stmt) return st;
  StatementScope q(stmt);
  q.Bind(1, meeting_id);
  q.Bind(2, event_id);
  int rc = q.Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no event " + std::string(event_id));
  if (rc != SQLITE_ROW) return lease.conn().LastError("find event");
  *seq = q.Int(0);
  return Status::Ok();
}

Status SqliteStore::GetCredential(std::string_view meeting_id, std::string_view pid, Credential* out) {
  ExpectBlockingAllowed("SqliteStore::GetCredential");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  Status st;
  sqlite3_stmt* stmt = lease.Prepare(kGetCredential, &st);
  if (!stmt) return st;
  StatementScope q(stmt);
  q.Bind(1, meeting_id);
  q.Bind(2, pid);
  int rc = q.Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no participant " + std::string(pid));
  if (rc != SQLITE_ROW) return lease.conn().LastError("read credential");
  out->meeting_id = std::string(meeting_id);
  out->pid = std::string(pid);
  out->secret_hash = q.Text(0);
  return Status::Ok();
}

Status SqliteStore::ListMeetings(std::vector<MeetingRecord>* out) {
  ExpectBlockingAllowed("SqliteStore::ListMeetings");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  Status st;
  sqlite3_stmt* stmt = lease.Prepare(kListMeetings, &st);
  if (!stmt) return st;
  StatementScope q(stmt);
  out->clear();
  for (;;) {
    int rc = q.Step();
    if (rc == SQLITE_DONE) return Status::Ok();
    if (rc != SQLITE_ROW) return lease.conn().LastError("list meetings");
    out->push_back(MeetingFromRow(q));
  }
}

void SqliteStore::PutSnapshot(Snapshot snap, std::function<void(Status)> done) {
  writer_->PutSnapshot(std::move(snap), std::move(done));
}

Status SqliteStore::LatestSnapshot(std::string_view meeting_id, int64_t max_seq, int64_t max_ts,
                                   Snapshot* out) {
  ExpectBlockingAllowed("SqliteStore::LatestSnapshot");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  Status st;
  sqlite3_stmt* stmt = lease.Prepare(kLatestSnapshot, &st);
  if (!stmt) return st;
  StatementScope q(stmt);
  q.Bind(1, meeting_id);
  q.Bind(2, max_seq);
  q.Bind(3, max_ts);
  int rc = q.Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no snapshot of " + std::string(meeting_id));
  if (rc != SQLITE_ROW) return lease.conn().LastError("read snapshot");
  out->meeting_id = std::string(meeting_id);
  out->seq = q.Int(0);
  out->last_ts = q.Int(1);
  out->state_json = q.Text(2);
  return Status::Ok();
}

Status SqliteStore::ScanFeatureUsage(int64_t from_day, int64_t to_day,
                                     const std::function<bool(const FeatureUsage&)>& fn) {
  ExpectBlockingAllowed("SqliteStore::ScanFeatureUsage");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  Status st;
  sqlite3_stmt* stmt = lease.Prepare(kScanFeatureUsage, &st);
  if (!stmt) return st;
  StatementScope q(stmt);
  q.Bind(1, from_day);
  q.Bind(2, to_day);
  for (;;) {
    int rc = q.Step();
    if (rc == SQLITE_DONE) return Status::Ok();
    if (rc != SQLITE_ROW) return lease.conn().LastError("read feature usage");
    FeatureUsage u;
    u.type = q.Text(0);
    u.day = q.Int(1);
    u.meeting_id = q.Text(2);
    u.events = q.Int(3);
    if (!fn(u)) return Status::Ok();
  }
}

Status SqliteStore::WriterHealth() const {
  return writer_->Health();
}

WriterHealthReport SqliteStore::WriterHealthDetail() const {
  return writer_->HealthDetail();
}

Status SqliteStore::FindDuplicateKeys(std::vector<DuplicateKey>* out) {
  ExpectBlockingAllowed("SqliteStore::FindDuplicateKeys");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  return FindSqliteDuplicates(lease.conn(), out);
}

StoreStats SqliteStore::Stats() const {
  return writer_->Stats();
}

std::string SqliteStore::Describe() const {
  return "sqlite:" + path_;
}

}  // namespace confab::store
