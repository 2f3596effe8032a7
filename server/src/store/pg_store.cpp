#include "store/pg_store.hpp"

#include <algorithm>
#include <limits>

#include "store/pg_schema.hpp"
#include "util/thread_role.hpp"

namespace confab::store {
namespace {

// Readers kept open between reads. More may be open at a time (one per concurrent read); the extra
// ones are closed when returned, so a burst of joins does not pin server connections forever.
constexpr size_t kMaxIdleReaders = 8;

#define CONFAB_EVENT_COLUMNS "SELECT meeting_id, seq, id, type, actor_pid, ts, replayed, json FROM events "
// Pages of one meeting's log. The log is append-only and contiguous, so pages read by seq need no
// common snapshot: together they are always a prefix of the log, each event exactly once.
constexpr PgStatement kPageEvents{
    "confab_r_page_events", CONFAB_EVENT_COLUMNS "WHERE meeting_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"};
constexpr PgStatement kPageReplayedEvents{"confab_r_page_replayed", CONFAB_EVENT_COLUMNS
                                          "WHERE meeting_id = $1 AND seq > $2 AND replayed "
                                          "ORDER BY seq LIMIT $3"};
// The primary key walked in order from a (meeting_id, seq) cursor: one index range per page.
constexpr PgStatement kPageAll{"confab_r_page_all", CONFAB_EVENT_COLUMNS
                               "WHERE (meeting_id, seq) > ($1, $2) ORDER BY meeting_id, seq LIMIT $3"};
#undef CONFAB_EVENT_COLUMNS
constexpr PgStatement kHeadSeq{"confab_r_head",
                               "SELECT (SELECT MAX(seq) FROM events WHERE meeting_id = $1), "
                               "EXISTS (SELECT 1 FROM meetings WHERE id = $1)"};
constexpr PgStatement kFindEventSeq{"confab_r_find_event",
                                    "SELECT seq FROM events WHERE meeting_id = $1 AND id = $2"};
constexpr PgStatement kGetMeeting{
    "confab_r_meeting", "SELECT id, facilitator_token_hash, created_ts FROM meetings WHERE id = $1"};
constexpr PgStatement kListMeetings{
    "confab_r_meetings",
    "SELECT id, facilitator_token_hash, created_ts FROM meetings ORDER BY created_ts, id"};
constexpr PgStatement kGetCredential{
    "confab_r_credential", "SELECT secret_hash FROM credentials WHERE meeting_id = $1 AND pid = $2"};
// One descent of the primary key to (meeting_id, max_seq), then backwards past snapshots newer
// than max_ts (few per meeting).
constexpr PgStatement kLatestSnapshot{"confab_r_snapshot",
                                      "SELECT seq, last_ts, state_json FROM snapshots WHERE meeting_id = $1 "
                                      "AND seq <= $2 AND last_ts <= $3 ORDER BY seq DESC LIMIT 1"};
// The key is (type, day, meeting_id) and a day range names no type: the types are found by one seek
// each (a loose index scan, a few dozen types), then each type's day range is read in pages.
constexpr PgStatement kUsageTypes{
    "confab_r_usage_types",
    "WITH RECURSIVE t(type) AS (SELECT MIN(type) FROM feature_usage UNION ALL "
    "SELECT (SELECT MIN(type) FROM feature_usage WHERE type > t.type) FROM t WHERE t.type IS NOT NULL) "
    "SELECT type FROM t WHERE type IS NOT NULL"};
constexpr PgStatement kUsagePage{"confab_r_usage_page",
                                 "SELECT day, meeting_id, events FROM feature_usage WHERE type = $1 "
                                 "AND (day, meeting_id) > ($2::bigint, $3) AND day < $4 "
                                 "ORDER BY day, meeting_id LIMIT $5"};

// The constraints events_pkey and events_meeting_id_id_key keep this empty; `confab check` asks anyway
// (a constraint can be dropped by hand).
constexpr PgStatement kDuplicateKeys{
    "confab_r_duplicates",
    "SELECT meeting_id, 'seq', seq::text, COUNT(*) FROM events GROUP BY meeting_id, seq HAVING COUNT(*) > 1 "
    "UNION ALL "
    "SELECT meeting_id, 'id', id, COUNT(*) FROM events GROUP BY meeting_id, id HAVING COUNT(*) > 1"};

StoredEvent EventFromRow(const PGresult* r, int row) {
  StoredEvent e;
  e.meeting_id = Cell(r, row, 0);
  e.seq = CellInt(r, row, 1);
  e.id = Cell(r, row, 2);
  e.type = Cell(r, row, 3);
  e.actor_pid = Cell(r, row, 4);
  e.ts = CellInt(r, row, 5);
  e.replayed = CellBool(r, row, 6);
  e.json = Cell(r, row, 7);
  return e;
}

MeetingRecord MeetingFromRow(const PGresult* r, int row) {
  MeetingRecord m;
  m.id = Cell(r, row, 0);
  m.facilitator_token_hash = Cell(r, row, 1);
  m.created_ts = CellInt(r, row, 2);
  return m;
}

}  // namespace

class PgStore::ReadLease {
 public:
  explicit ReadLease(PgStore& store) : store_(store) { status_ = store.TakeReader(&conn_, &reused_); }
  ~ReadLease() {
    // A connection left inside a transaction (a scan that stopped on an error) is not reused.
    if (conn_ && !conn_->broken() && PQtransactionStatus(conn_->raw()) == PQTRANS_IDLE) {
      store_.ReturnReader(std::move(conn_));
    }
  }
  const Status& status() const { return status_; }

  // Runs `stmt`. A pooled connection found dead by the lease's first statement died while idle (a
  // server restart, an idle timeout): it is replaced once, since nothing was read through it yet.
  Status Run(const PgStatement& stmt, const PgParams& params, PgResult* out, std::string_view what) {
    Status s = conn_->Run(stmt, params, out, what);
    if (!s.ok() && first_ && reused_ && conn_->broken()) {
      conn_.reset();
      reused_ = false;
      if (Status o = PgConnection::Open(store_.url_, PgConnection::Role::kReader, &conn_); !o.ok()) return o;
      s = conn_->Run(stmt, params, out, what);
    }
    first_ = false;
    return s;
  }
  Status Exec(const char* sql) {
    Status s = conn_->Exec(sql);
    if (!s.ok() && first_ && reused_ && conn_->broken()) {
      conn_.reset();
      reused_ = false;
      if (Status o = PgConnection::Open(store_.url_, PgConnection::Role::kReader, &conn_); !o.ok()) return o;
      s = conn_->Exec(sql);
    }
    first_ = false;
    return s;
  }
  // A repeatable-read transaction around a multi-page scan: one consistent view of every table.
  Status Begin() { return Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); }
  // Ends it (read-only: nothing to keep); `s` is the scan's outcome.
  Status End(Status s) {
    if (conn_ && !conn_->broken()) {
      Status c = conn_->Exec(s.ok() ? "COMMIT" : "ROLLBACK");
      if (s.ok()) s = c;
    }
    return s;
  }

 private:
  PgStore& store_;
  std::unique_ptr<PgConnection> conn_;
  bool reused_ = false;
  bool first_ = true;
  Status status_;
};

Status PgStore::Open(const std::string& url, std::unique_ptr<PgStore>* out) {
  std::unique_ptr<PgConnection> admin;
  if (Status s = PgConnection::Open(url, PgConnection::Role::kAdmin, &admin); !s.ok()) return s;
  if (Status s = MigratePg(*admin); !s.ok()) return s;
  std::string description = DescribePg(admin->raw());
  admin.reset();
  std::unique_ptr<PgConnection> conn;
  if (Status s = PgWriter::Connect(url, &conn); !s.ok()) return s;
  auto writer = std::make_unique<PgWriter>(url, std::move(conn));
  out->reset(new PgStore(url, std::move(description), std::move(writer)));
  return Status::Ok();
}

PgStore::PgStore(std::string url, std::string description, std::unique_ptr<PgWriter> writer)
    : url_(std::move(url)), description_(std::move(description)), writer_(std::move(writer)) {}

PgStore::~PgStore() {
  Close();
}

void PgStore::Close() {
  writer_->Close();
}

Status PgStore::TakeReader(std::unique_ptr<PgConnection>* conn, bool* reused) {
  {
    std::lock_guard lock(pool_mu_);
    if (!idle_readers_.empty()) {
      *conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      *reused = true;
      return Status::Ok();
    }
  }
  // Connecting outside the lock: a slow server must not stall reads that have a connection.
  *reused = false;
  return PgConnection::Open(url_, PgConnection::Role::kReader, conn);
}

void PgStore::ReturnReader(std::unique_ptr<PgConnection> conn) {
  std::lock_guard lock(pool_mu_);
  if (idle_readers_.size() < kMaxIdleReaders) idle_readers_.push_back(std::move(conn));
}

void PgStore::Append(AppendRequest req, std::function<void(Status)> done) {
  writer_->Append(std::move(req), std::move(done));
}

void PgStore::Flush() {
  ExpectBlockingAllowed("PgStore::Flush");
  writer_->Flush();
}

Status PgStore::GetMeeting(std::string_view meeting_id, MeetingRecord* out) {
  ExpectBlockingAllowed("PgStore::GetMeeting");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  const std::string mid(meeting_id);
  PgResult r;
  if (Status s = lease.Run(kGetMeeting, PgParams().Add(mid), &r, "read meeting"); !s.ok()) return s;
  if (PQntuples(r.get()) == 0) return Status::NotFound("no meeting " + mid);
  *out = MeetingFromRow(r.get(), 0);
  return Status::Ok();
}

Status PgStore::HeadSeq(std::string_view meeting_id, int64_t* out) {
  ExpectBlockingAllowed("PgStore::HeadSeq");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  const std::string mid(meeting_id);
  PgResult r;
  if (Status s = lease.Run(kHeadSeq, PgParams().Add(mid), &r, "read head seq"); !s.ok()) return s;
  if (!PQgetisnull(r.get(), 0, 0)) {
    *out = CellInt(r.get(), 0, 0);
    return Status::Ok();
  }
  if (!CellBool(r.get(), 0, 1)) return Status::NotFound("no meeting " + mid);
  *out = 0;
  return Status::Ok();
}

Status PgStore::ReadEvents(std::string_view meeting_id, int64_t after_seq, size_t limit, bool replayed_only,
                           std::vector<StoredEvent>* out) {
  ExpectBlockingAllowed("PgStore::ReadEvents");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  const std::string mid(meeting_id);
  out->clear();
  size_t remaining = limit == 0 ? std::numeric_limits<size_t>::max() : limit;
  while (remaining > 0) {
    const int page = static_cast<int>(std::min<size_t>(remaining, kPageRows));
    PgResult r;
    PgParams params;
    params.Add(mid).Add(after_seq).Add(int64_t{page});
    if (Status s = lease.Run(replayed_only ? kPageReplayedEvents : kPageEvents, params, &r, "read events");
        !s.ok()) {
      return s;
    }
    const int rows = PQntuples(r.get());
    for (int i = 0; i < rows; ++i) out->push_back(EventFromRow(r.get(), i));
    if (rows < page) break;
    after_seq = out->back().seq;
    remaining -= static_cast<size_t>(rows);
  }
  return Status::Ok();
}

Status PgStore::ScanEvents(std::string_view meeting_id, int64_t after_seq,
                           const std::function<bool(const StoredEvent&)>& fn) {
  ExpectBlockingAllowed("PgStore::ScanEvents");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  const std::string mid(meeting_id);
  for (;;) {
    PgResult r;
    PgParams params;
    params.Add(mid).Add(after_seq).Add(int64_t{kPageRows});
    if (Status s = lease.Run(kPageEvents, params, &r, "read events"); !s.ok()) return s;
    const int rows = PQntuples(r.get());
    for (int i = 0; i < rows; ++i) {
      StoredEvent e = EventFromRow(r.get(), i);
      after_seq = e.seq;
      if (!fn(e)) return Status::Ok();
    }
    if (rows < kPageRows) return Status::Ok();
  }
}

Status PgStore::ScanAll(const std::function<bool(const StoredEvent&)>& fn) {
  ExpectBlockingAllowed("PgStore::ScanAll");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  if (Status s = lease.Begin(); !s.ok()) return s;
  std::string after_meeting;
  int64_t after_seq = std::numeric_limits<int64_t>::min();
  Status s;
  for (bool more = true; more && s.ok();) {
    PgResult r;
    PgParams params;
    params.Add(after_meeting).Add(after_seq).Add(int64_t{kPageRows});
    s = lease.Run(kPageAll, params, &r, "scan events");
    if (!s.ok()) break;
    const int rows = PQntuples(r.get());
    more = rows == kPageRows;
    for (int i = 0; i < rows; ++i) {
      StoredEvent e = EventFromRow(r.get(), i);
      if (!fn(e)) {
        more = false;
        break;
      }
      if (i == rows - 1) {
        after_meeting = std::move(e.meeting_id);
        after_seq = e.seq;
      }
    }
  }
  return lease.End(std::move(s));
}

Status PgStore::FindEventSeq(std::string_view meeting_id, std::string_view event_id, int64_t* seq) {
  ExpectBlockingAllowed("PgStore::FindEventSeq");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  const std::string mid(meeting_id), id(event_id);
  PgResult r;
  if (Status s = lease.Run(kFindEventSeq, PgParams().Add(mid).Add(id), &r, "find event"); !s.ok()) return s;
  if (PQntuples(r.get()) == 0) return Status::NotFound("no event " + id);
  *seq = CellInt(r.get(), 0, 0);
  return Status::Ok();
}

Status PgStore::GetCredential(std::string_view meeting_id, std::string_view pid, Credential* out) {
  ExpectBlockingAllowed("PgStore::GetCredential");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  const std::string mid(meeting_id), p(pid);
  PgResult r;
  if (Status s = lease.Run(kGetCredential, PgParams().Add(mid).Add(p), &r, "read credential"); !s.ok())
    return s;
  if (PQntuples(r.get()) == 0) return Status::NotFound("no participant " + p);
  out->meeting_id = mid;
  out->pid = p;
  out->secret_hash = Cell(r.get(), 0, 0);
  return Status::Ok();
}

Status PgStore::ListMeetings(std::vector<MeetingRecord>* out) {
  ExpectBlockingAllowed("PgStore::ListMeetings");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  PgResult r;
  if (Status s = lease.Run(kListMeetings, PgParams(), &r, "list meetings"); !s.ok()) return s;
  out->clear();
  const int rows = PQntuples(r.get());
  out->reserve(static_cast<size_t>(rows));
  for (int i = 0; i < rows; ++i) out->push_back(MeetingFromRow(r.get(), i));
  return Status::Ok();
}

void PgStore::PutSnapshot(Snapshot snap, std::function<void(Status)> done) {
  writer_->PutSnapshot(std::move(snap), std::move(done));
}

Status PgStore::LatestSnapshot(std::string_view meeting_id, int64_t max_seq, int64_t max_ts, Snapshot* out) {
  ExpectBlockingAllowed("PgStore::LatestSnapshot");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  const std::string mid(meeting_id);
  PgResult r;
  if (Status s =
          lease.Run(kLatestSnapshot, PgParams().Add(mid).Add(max_seq).Add(max_ts), &r, "read snapshot");
      !s.ok()) {
    return s;
  }
  if (PQntuples(r.get()) == 0) return Status::NotFound("no snapshot of " + mid);
  out->meeting_id = mid;
  out->seq = CellInt(r.get(), 0, 0);
  out->last_ts = CellInt(r.get(), 0, 1);
  out->state_json = Cell(r.get(), 0, 2);
  return Status::Ok();
}

Status PgStore::ScanFeatureUsage(int64_t from_day, int64_t to_day,
                                 const std::function<bool(const FeatureUsage&)>& fn) {
  ExpectBlockingAllowed("PgStore::ScanFeatureUsage");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  if (from_day >= to_day) return Status::Ok();
  if (Status s = lease.Begin(); !s.ok()) return s;
  PgResult types;
  Status s = lease.Run(kUsageTypes, PgParams(), &types, "read feature usage types");
  const int type_count = s.ok() ? PQntuples(types.get()) : 0;
  bool more = true;
  for (int t = 0; t < type_count && more && s.ok(); ++t) {
    const std::string type = Cell(types.get(), t, 0);
    // (from_day, "") sorts before every row of from_day: meeting ids are never empty.
    int64_t after_day = from_day;
    std::string after_meeting;
    for (bool pages = true; pages && more;) {
      PgResult r;
      PgParams params;
      params.Add(type).Add(after_day).Add(after_meeting).Add(to_day).Add(int64_t{kPageRows});
      s = lease.Run(kUsagePage, params, &r, "read feature usage");
      if (!s.ok()) break;
      const int rows = PQntuples(r.get());
      pages = rows == kPageRows;
      for (int i = 0; i < rows && more; ++i) {
        FeatureUsage u{type, CellInt(r.get(), i, 0), Cell(r.get(), i, 1), CellInt(r.get(), i, 2)};
        more = fn(u);
        after_day = u.day;
        after_meeting = std::move(u.meeting_id);
      }
    }
  }
  return lease.End(std::move(s));
}

Status PgStore::WriterHealth() const {
  return writer_->Health();
}

WriterHealthReport PgStore::WriterHealthDetail() const {
  return writer_->HealthDetail();
}

Status PgStore::FindDuplicateKeys(std::vector<DuplicateKey>* out) {
  ExpectBlockingAllowed("PgStore::FindDuplicateKeys");
  ReadLease lease(*this);
  if (!lease.status().ok()) return lease.status();
  PgResult r;
  if (Status s = lease.Run(kDuplicateKeys, PgParams(), &r, "look for duplicate keys"); !s.ok()) return s;
  out->clear();
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    out->push_back(
        DuplicateKey{Cell(r.get(), i, 0), Cell(r.get(), i, 1), Cell(r.get(), i, 2), CellInt(r.get(), i, 3)});
  }
  return Status::Ok();
}

StoreStats PgStore::Stats() const {
  return writer_->Stats();
}

std::string PgStore::Describe() const {
  return description_;
}

}  // namespace confab::store
