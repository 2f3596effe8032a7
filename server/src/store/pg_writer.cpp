#include "store/pg_writer.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <tuple>

#include "store/append_shape.hpp"
#include "store/schema.hpp"

namespace confab::store {
namespace {

constexpr PgStatement kBegin{"confab_w_begin", "BEGIN"};
constexpr PgStatement kCommit{"confab_w_commit", "COMMIT"};
constexpr PgStatement kRollback{"confab_w_rollback", "ROLLBACK"};

// One request, all or nothing, in one statement. `chk` decides whether the request continues the log
// as its sender saw it: seq 1 needs the meeting (or creates it), seq s > 1 needs the event at s - 1 to
// be prev_id; and the first seq must be free. The three inserts run only when it does (on the same
// snapshot, so chk cannot see the meeting this statement creates: the create flag stands in for it).
// A row inserted by a concurrent transaction is not visible to chk; the unique indexes catch that
// race as an error instead. The result row says whether the request was written and, if not,
// whether the meeting exists (Conflict) or not (NotFound).
//   $1 meeting  $2 first seq (0: no events)  $3 prev_id  $4 create?  $5 token hash  $6 created_ts
//   $7..$12 event ids, types, actors, ts, replayed, json  $13, $14 credential pids, secret hashes
constexpr PgStatement kAppend{
    "confab_w_append",
    "WITH chk AS ("
    "  SELECT (CASE WHEN $2::bigint <= 1"
    "               THEN $4::boolean OR EXISTS (SELECT 1 FROM meetings WHERE id = $1::text)"
    "               ELSE EXISTS (SELECT 1 FROM events WHERE meeting_id = $1 AND seq = $2 - 1 AND id = "
    "$3::text)"
    "          END)"
    "         AND NOT EXISTS (SELECT 1 FROM events WHERE meeting_id = $1 AND seq = $2) AS ok),"
    " m AS (INSERT INTO meetings (id, facilitator_token_hash, created_ts)"
    "       SELECT $1, $5::text, $6::bigint FROM chk WHERE chk.ok AND $4),"
    " e AS (INSERT INTO events (meeting_id, seq, id, type, actor_pid, ts, replayed, json)"
    "       SELECT $1, $2 + u.o - 1, u.id, u.type, u.actor, u.ts, u.replayed, u.json"
    "       FROM chk, unnest($7::text[], $8::text[], $9::text[], $10::bigint[], $11::boolean[], $12::text[])"
    "         WITH ORDINALITY AS u(id, type, actor, ts, replayed, json, o)"
    "       WHERE chk.ok),"
    " c AS (INSERT INTO credentials (meeting_id, pid, secret_hash)"
    "       SELECT $1, u.pid, u.hash FROM chk, unnest($13::text[], $14::text[]) AS u(pid, hash) WHERE chk.ok)"
    "SELECT ok, ok OR EXISTS (SELECT 1 FROM meetings WHERE id = $1) FROM chk"};

// kAppend for the common request (no create, no credentials): the same check and events insert,
// without the two inserts that would write nothing. Same result.
//   $1 meeting  $2 first seq  $3 prev_id  $4..$9 event ids, types, actors, ts, replayed, json
constexpr PgStatement kAppendEvents{
    "confab_w_append_events",
    "WITH chk AS ("
    "  SELECT (CASE WHEN $2::bigint <= 1"
    "               THEN EXISTS (SELECT 1 FROM meetings WHERE id = $1::text)"
    "               ELSE EXISTS (SELECT 1 FROM events WHERE meeting_id = $1 AND seq = $2 - 1 AND id = "
    "$3::text)"
    "          END)"
    "         AND NOT EXISTS (SELECT 1 FROM events WHERE meeting_id = $1 AND seq = $2) AS ok),"
    " e AS (INSERT INTO events (meeting_id, seq, id, type, actor_pid, ts, replayed, json)"
    "       SELECT $1, $2 + u.o - 1, u.id, u.type, u.actor, u.ts, u.replayed, u.json"
    "       FROM chk, unnest($4::text[], $5::text[], $6::text[], $7::bigint[], $8::boolean[], $9::text[])"
    "         WITH ORDINALITY AS u(id, type, actor, ts, replayed, json, o)"
    "       WHERE chk.ok)"
    "SELECT ok, ok OR EXISTS (SELECT 1 FROM meetings WHERE id = $1) FROM chk"};

// The common batch, plain appends of many meetings, in one statement instead of one per request.
// Requests come in meeting order, each meeting's in queue order, and the writer sends a meeting here
// only when its requests chain on each other (each starts right after the previous one's last event
// and names it as prev_id) and start past seq 1. `chk` runs every request's own check against the
// table as kAppendEvents would (the event before its first seq is prev_id, the first seq is free); a
// meeting's events are all inserted when the check of its first request (its lead) holds, since then
// every later one holds too, on the rows this statement writes. When the lead fails, nothing of the
// meeting is written and each later request stands on the table alone: the writer reads their checks,
// and one that holds means the per-request path would answer differently, so it rolls back and takes
// that path. As in kAppendEvents, a row that a concurrent transaction inserted is caught by the unique
// indexes as an error; the writer then redoes the batch request by request so that only the losers
// fail. One result row per request, in order: its check held (for a lead: its meeting was written),
// and whether the meeting exists.
// Every lookup is a LATERAL subquery that the planner cannot flatten (an aggregate, a LIMIT): each is
// one index probe per request, never a hash of the whole table as a correlated EXISTS may become.
//   $1..$3 per request: meeting, first seq, prev_id
//   $4..$12 per event, in meeting and seq order: its lead's position in $1 (1-based), meeting, seq,
//   id, type, actor, ts, replayed, json
constexpr PgStatement kAppendBulk{
    "confab_w_append_bulk",
    "WITH chk AS ("
    "  SELECT r.o, r.m, x.ok"
    "  FROM unnest($1::text[], $2::bigint[], $3::text[]) WITH ORDINALITY AS r(m, first, prev, o)"
    "  CROSS JOIN LATERAL ("
    "    SELECT count(*) FILTER (WHERE seq = r.first - 1 AND id = r.prev) = 1"
    "           AND count(*) FILTER (WHERE seq = r.first) = 0 AS ok"
    "    FROM events WHERE meeting_id = r.m AND seq BETWEEN r.first - 1 AND r.first) x),"
    // Indexed by position rather than joined: an array built once (an InitPlan), one lookup per event.
    " oks AS (SELECT array_agg(ok ORDER BY o) AS ok FROM chk),"
    " e AS (INSERT INTO events (meeting_id, seq, id, type, actor_pid, ts, replayed, json)"
    "       SELECT v.m, v.seq, v.id, v.type, v.actor, v.ts, v.replayed, v.json"
    // unnest in the select list streams the rows (ProjectSet); in FROM it would first copy every
    // event's JSON into a tuplestore.
    "       FROM (SELECT unnest($4::int[]) AS lead, unnest($5::text[]) AS m, unnest($6::bigint[]) AS seq,"
    "                    unnest($7::text[]) AS id, unnest($8::text[]) AS type, unnest($9::text[]) AS actor,"
    "                    unnest($10::bigint[]) AS ts, unnest($11::boolean[]) AS replayed,"
    "                    unnest($12::text[]) AS json) v"
    "       WHERE (SELECT ok FROM oks)[v.lead])"
    "SELECT chk.ok, chk.ok OR mx.found IS NOT NULL FROM chk"
    "  LEFT JOIN LATERAL (SELECT true AS found FROM meetings WHERE id = chk.m AND NOT chk.ok LIMIT 1) mx"
    "    ON true "
    "ORDER BY chk.o"};

// A snapshot is a cache of the log: it is stored only if the event it folds up to is stored (in this
// transaction or before), so it can never be ahead of the durable log.
constexpr PgStatement kSnapshot{"confab_w_snapshot",
                                "WITH chk AS (SELECT EXISTS (SELECT 1 FROM events WHERE meeting_id = "
                                "$1::text AND seq = $2::bigint) AS ok),"
                                " s AS (INSERT INTO snapshots (meeting_id, seq, last_ts, state_json)"
                                "       SELECT $1, $2, $3::bigint, $4::text FROM chk WHERE chk.ok"
                                "       ON CONFLICT (meeting_id, seq) DO UPDATE"
                                "       SET last_ts = EXCLUDED.last_ts, state_json = EXCLUDED.state_json)"
                                "SELECT ok, ok OR EXISTS (SELECT 1 FROM meetings WHERE id = $1) FROM chk"};

// The batch's counts, one row per key, keys sorted: two nodes upserting the same rows lock them in
// the same order.
constexpr PgStatement kUsage{
    "confab_w_usage",
    "INSERT INTO feature_usage (type, day, meeting_id, events)"
    " SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[])"
    " ON CONFLICT (type, day, meeting_id) DO UPDATE SET events = feature_usage.events + EXCLUDED.events"};

constexpr const PgStatement* kStatements[] = {&kBegin,        &kCommit,     &kRollback, &kAppend,
                                              &kAppendEvents, &kAppendBulk, &kSnapshot, &kUsage};

// Deadlocks and serialization failures are retried this often before the batch fails.
constexpr int kMaxRetries = 8;

constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::seconds(2);

void UpdateMax(std::atomic<uint64_t>& target, uint64_t value) {
  uint64_t seen = target.load(std::memory_order_relaxed);
  while (value > seen && !target.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

bool HasNul(std::string_view s) {
  return s.find('\0') != std::string_view::npos;
}

// PostgreSQL text cannot hold a NUL byte; libpq would silently cut the value there.
Status CheckNoNul(const AppendRequest& req) {
  auto bad = [&](std::string_view what) {
    return Status::Invalid("append to meeting " + req.meeting_id + ": " + std::string(what) +
                           " contains a NUL byte");
  };
  if (HasNul(req.meeting_id) || HasNul(req.prev_id)) return bad("meeting or prev_id");
  if (req.create && HasNul(req.create->facilitator_token_hash)) return bad("token hash");
  for (const StoredEvent& e : req.events) {
    if (HasNul(e.id) || HasNul(e.type) || HasNul(e.actor_pid) || HasNul(e.json)) return bad("event " + e.id);
  }
  for (const Credential& c : req.credentials) {
    if (HasNul(c.pid) || HasNul(c.secret_hash)) return bad("credential");
  }
  return Status::Ok();
}

Status CheckRequest(const AppendRequest& req) {
  if (Status s = CheckAppendShape(req); !s.ok()) return s;
  if (Status s = CheckNoNul(req); !s.ok()) return s;
  if (!req.events.empty()) {
    const int64_t first = req.events.front().seq;
    // Decided here, as the statement's chain check would: no log has a seq below 1, and a meeting
    // this request creates has no events yet.
    if (first < 1)
      return Status::Conflict("meeting " + req.meeting_id + " has no seq " + std::to_string(first));
    if (req.create && first != 1) {
      return Status::Conflict("meeting " + req.meeting_id + " is created by an append starting at seq " +
                              std::to_string(first));
    }
  }
  return Status::Ok();
}

Status CheckSnapshot(const Snapshot& snap) {
  const std::string& mid = snap.meeting_id;
  if (mid.empty()) return Status::Invalid("snapshot without a meeting id");
  if (snap.seq < 1)
    return Status::Invalid("snapshot of meeting " + mid + " at seq " + std::to_string(snap.seq));
  if (HasNul(mid) || HasNul(snap.state_json))
    return Status::Invalid("snapshot of meeting " + mid + " contains a NUL byte");
  return Status::Ok();
}

const std::string& MeetingOf(const AppendRequest& req, const std::optional<Snapshot>& snap) {
  return snap ? snap->meeting_id : req.meeting_id;
}

// The answer to a request or snapshot whose check failed (and so wrote nothing).
Status CheckFailure(const AppendRequest& req, const std::optional<Snapshot>& snap, bool meeting_exists) {
  const std::string& mid = MeetingOf(req, snap);
  if (!meeting_exists) return Status::NotFound("no meeting " + mid);
  if (snap) {
    return Status::Invalid("snapshot of meeting " + mid + " at seq " + std::to_string(snap->seq) +
                           " is past its head");
  }
  if (req.events.empty()) return Status::Conflict("meeting " + mid + " already exists");
  const int64_t first = req.events.front().seq;
  return Status::Conflict(
      "meeting " + mid + ": seq " + std::to_string(first) + " is taken" +
      (first > 1 ? " or does not follow event " + req.prev_id + " at seq " + std::to_string(first - 1) : ""));
}

std::string ConnMessage(PGconn* c) {
  std::string s = PQerrorMessage(c);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.empty() ? "connection to PostgreSQL lost" : s;
}

bool Send(PGconn* c, const PgStatement& stmt, const PgParams& params) {
  return PQsendQueryPrepared(c, stmt.name, params.size(), params.values(), nullptr, nullptr, 0) == 1;
}

// The next pipelined result, with the null that ends a query's results consumed. Null when the
// connection failed.
PgResult NextResult(PGconn* c) {
  PgResult r(PQgetResult(c));
  if (r && PQresultStatus(r.get()) != PGRES_PIPELINE_SYNC) PgResult end(PQgetResult(c));
  return r;
}

// Reads and drops results up to and including the next sync point. False if the connection failed.
bool ReadThroughSync(PGconn* c) {
  for (;;) {
    PgResult r(PQgetResult(c));
    if (r && PQresultStatus(r.get()) == PGRES_PIPELINE_SYNC) return true;
    if (!r && PQstatus(c) == CONNECTION_BAD) return false;
  }
}

}  // namespace

Status PgWriter::Connect(const std::string& url, std::unique_ptr<PgConnection>* out) {
  std::unique_ptr<PgConnection> conn;
  if (Status s = PgConnection::Open(url, PgConnection::Role::kWriter, &conn); !s.ok()) return s;
  for (const PgStatement* stmt : kStatements) {
    if (Status s = conn->Prepare(*stmt); !s.ok()) return s;
  }
  if (PQenterPipelineMode(conn->raw()) != 1)
    return Status::IoError("enter pipeline mode: " + ConnMessage(conn->raw()));
  *out = std::move(conn);
  return Status::Ok();
}

PgWriter::PgWriter(std::string url, std::unique_ptr<PgConnection> conn)
    : url_(std::move(url)), conn_(std::move(conn)) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "store-writer");  // for top/perf and store_bench's CPU split
    Run();
  });
  rc_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "store-reconnect");
    ReconnectLoop();
  });
}

PgWriter::~PgWriter() {
  Close();
}

void PgWriter::Append(AppendRequest req, std::function<void(Status)> done) {
  Enqueue(Pending{std::move(req), std::nullopt, std::move(done), Status::Ok()});
}

void PgWriter::PutSnapshot(Snapshot snap, std::function<void(Status)> done) {
  Enqueue(Pending{AppendRequest{}, std::move(snap), std::move(done), Status::Ok()});
}

void PgWriter::Enqueue(Pending p) {
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

WriterHealthReport PgWriter::HealthDetail() const {
  WriterHealthReport r = health_.Report();
  if (closed_.load(std::memory_order_acquire)) {
    r.status = Status::Unavailable("store is closed");
    return r;
  }
  std::lock_guard lock(rc_mu_);
  if (rc_wanted_) r.status = Status::Unavailable("PostgreSQL unreachable: " + rc_error_);
  return r;
}

void PgWriter::Flush() {
  std::unique_lock lock(mu_);
  const uint64_t target = queued_;
  done_cv_.wait(lock, [&] { return completed_ >= target; });
}

void PgWriter::Close() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  closed_.store(true, std::memory_order_release);
  work_cv_.notify_one();
  if (thread_.get_id() == std::this_thread::get_id()) return;  // from a callback: cannot join itself
  std::lock_guard lock(join_mu_);
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard rc_lock(rc_mu_);
    rc_stop_ = true;
  }
  rc_cv_.notify_all();
  if (rc_thread_.joinable()) rc_thread_.join();
}

StoreStats PgWriter::Stats() const {
  StoreStats s;
  s.commits = commits_.load(std::memory_order_relaxed);
  s.appends = appends_.load(std::memory_order_relaxed);
  s.events = events_.load(std::memory_order_relaxed);
  s.failed_appends = failed_appends_.load(std::memory_order_relaxed);
  s.commit_micros = commit_micros_.load(std::memory_order_relaxed);
  s.max_batch_events = max_batch_events_.load(std::memory_order_relaxed);
  return s;
}

void PgWriter::Run() {
  std::vector<Pending> queued;
  std::vector<Pending> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return !queue_.empty() || closing_; });
      // Closing still drains: the loop only ends once nothing is queued.
      if (queue_.empty()) break;
      queued.swap(queue_);
    }
    for (size_t begin = 0; begin < queued.size(); begin += kMaxBatch) {
      const size_t end = std::min(queued.size(), begin + kMaxBatch);
      batch.assign(std::make_move_iterator(queued.begin() + begin),
                   std::make_move_iterator(queued.begin() + end));
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
      {
        std::lock_guard lock(mu_);
        completed_ += batch.size();
      }
      done_cv_.notify_all();
      batch.clear();
    }
    queued.clear();
  }
  conn_.reset();
}

PgConnection* PgWriter::Connection(std::string* why) {
  if (conn_ && !conn_->broken()) return conn_.get();
  if (conn_) ConnectionLost(ConnMessage(conn_->raw()));
  std::lock_guard lock(rc_mu_);
  if (rc_ready_) {
    conn_ = std::move(rc_ready_);
    spdlog::info("store: reconnected to PostgreSQL");
    return conn_.get();
  }
  *why = "PostgreSQL unreachable: " + rc_error_;
  return nullptr;
}

void PgWriter::ConnectionLost(const std::string& why) {
  conn_.reset();
  {
    std::lock_guard lock(rc_mu_);
    rc_wanted_ = true;
    rc_error_ = why;
  }
  rc_cv_.notify_one();
}

void PgWriter::ReconnectLoop() {
  std::unique_lock lock(rc_mu_);
  for (;;) {
    rc_cv_.wait(lock, [&] { return rc_stop_ || (rc_wanted_ && !rc_ready_); });
    if (rc_stop_) return;
    auto backoff = std::chrono::duration_cast<std::chrono::milliseconds>(kFirstBackoff);
    while (!rc_stop_ && rc_wanted_) {
      lock.unlock();
      std::unique_ptr<PgConnection> conn;
      Status s = Connect(url_, &conn);
      lock.lock();
      if (s.ok()) {
        rc_ready_ = std::move(conn);
        rc_wanted_ = false;
        break;
      }
      rc_error_ = s.message();
      rc_cv_.wait_for(lock, backoff, [&] { return rc_stop_; });
      backoff = std::min(backoff * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kMaxBackoff));
    }
  }
}

void PgWriter::CommitBatch(std::vector<Pending>& batch) {
  const auto started = std::chrono::steady_clock::now();
  std::vector<size_t> live;  // requests still to be written, in lock order
  for (size_t i = 0; i < batch.size(); ++i) {
    Pending& p = batch[i];
    p.status = p.snap ? CheckSnapshot(*p.snap) : CheckRequest(p.req);
    if (p.status.ok()) live.push_back(i);
  }
  // Stable: each meeting's requests keep their queue order (later ones chain on earlier ones).
  std::stable_sort(live.begin(), live.end(), [&](size_t a, size_t b) {
    return MeetingOf(batch[a].req, batch[a].snap) < MeetingOf(batch[b].req, batch[b].snap);
  });

  std::vector<char> in_bulk;
  PlanBulk(batch, live, &in_bulk);

  const bool touches_db = !live.empty();
  bool committed = false;
  for (int retries = 0; !live.empty();) {
    std::string why;
    if (!Connection(&why)) {
      for (size_t i : live) batch[i].status = Status::Unavailable(why);
      break;
    }
    Attempt a = TryTransaction(batch, live, in_bulk);
    if (a.kind == Attempt::Kind::kBulkFailed) {
      // Most likely another node took a seq or an event id is stored already: request by request,
      // only the requests that lost fail.
      spdlog::debug("store: bulk append fell back to one statement per request: {}", a.status.message());
      in_bulk.assign(batch.size(), 0);
      continue;
    }
    if (a.kind == Attempt::Kind::kCommitted) {
      committed = true;
      commits_.fetch_add(1, std::memory_order_relaxed);
      break;
    }
    if (a.kind == Attempt::Kind::kRequestFailed) {
      batch[a.failed].status = a.status;
      live.erase(std::find(live.begin(), live.end(), a.failed));
      continue;
    }
    if (a.kind == Attempt::Kind::kRetry && ++retries <= kMaxRetries) continue;
    // Nothing of the batch is durable.
    for (size_t i : live) {
      batch[i].status = a.kind == Attempt::Kind::kFailed ? Status::IoError(a.status.message())
                                                         : Status::Unavailable(a.status.message());
    }
    if (a.kind == Attempt::Kind::kLost) ConnectionLost(a.status.message());
    break;
  }
  // A batch that never reached the database says nothing about it.
  if (touches_db) UpdateHealth(batch, committed || live.empty());

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

bool PgWriter::SendPending(const Pending& p) {
  PGconn* c = conn_->raw();
  PgParams params;
  if (p.snap) {
    const Snapshot& s = *p.snap;
    params.Add(s.meeting_id).Add(s.seq).Add(s.last_ts).Add(s.state_json);
    return Send(c, kSnapshot, params);
  }
  static const std::string kNone;
  const AppendRequest& r = p.req;
  const bool plain = !r.create && r.credentials.empty();
  params.Add(r.meeting_id).Add(r.events.empty() ? int64_t{0} : r.events.front().seq).Add(r.prev_id);
  if (!plain) {
    params.Add(r.create.has_value())
        .Add(r.create ? r.create->facilitator_token_hash : kNone)
        .Add(r.create ? r.create->created_ts : int64_t{0});
  }
  PgArray ids, types, actors, ts, replayed, json;
  for (const StoredEvent& e : r.events) {
    ids.Add(e.id);
    types.Add(e.type);
    actors.Add(e.actor_pid);
    ts.Add(e.ts);
    replayed.Add(e.replayed);
    json.Add(e.json);
  }
  params.AddOwned(ids.Take())
      .AddOwned(types.Take())
      .AddOwned(actors.Take())
      .AddOwned(ts.Take())
      .AddOwned(replayed.Take())
      .AddOwned(json.Take());
  if (plain) return Send(c, kAppendEvents, params);
  PgArray pids, hashes;
  for (const Credential& cred : r.credentials) {
    pids.Add(cred.pid);
    hashes.Add(cred.secret_hash);
  }
  params.AddOwned(pids.Take()).AddOwned(hashes.Take());
  return Send(c, kAppend, params);
}

bool PgWriter::ReadPending(Pending* p, PgResult* error) {
  PgResult r = NextResult(conn_->raw());
  if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1) {
    *error = std::move(r);
    return false;
  }
  const bool written = CellBool(r.get(), 0, 0);
  const bool meeting_exists = CellBool(r.get(), 0, 1);
  p->status = written ? Status::Ok() : CheckFailure(p->req, p->snap, meeting_exists);
  return true;
}

void PgWriter::PlanBulk(const std::vector<Pending>& batch, const std::vector<size_t>& live,
                        std::vector<char>* in_bulk) {
  in_bulk->assign(batch.size(), 0);
  for (size_t begin = 0; begin < live.size();) {
    const std::string& mid = MeetingOf(batch[live[begin]].req, batch[live[begin]].snap);
    size_t end = begin;
    bool eligible = true, any_append = false, seen_snap = false;
    const StoredEvent* last = nullptr;  // the previous append's last event
    for (; end < live.size() && MeetingOf(batch[live[end]].req, batch[live[end]].snap) == mid; ++end) {
      const Pending& p = batch[live[end]];
      if (p.snap) {
        seen_snap = true;
        continue;
      }
      const AppendRequest& r = p.req;
      if (seen_snap || r.create || !r.credentials.empty() || r.events.empty() || r.events.front().seq <= 1)
        eligible = false;
      if (eligible && last && (r.events.front().seq != last->seq + 1 || r.prev_id != last->id))
        eligible = false;
      if (!r.events.empty()) last = &r.events.back();
      any_append = true;
    }
    if (eligible && any_append) {
      for (size_t k = begin; k < end; ++k) {
        if (!batch[live[k]].snap) (*in_bulk)[live[k]] = 1;
      }
    }
    begin = end;
  }
}

bool PgWriter::SendBulk(const std::vector<Pending>& batch, const std::vector<size_t>& bulk) {
  PgArray mids, firsts, prevs;
  PgArray leads, emids, seqs, ids, types, actors, ts, replayed, json;
  int64_t lead = 0;
  for (size_t k = 0; k < bulk.size(); ++k) {
    const AppendRequest& r = batch[bulk[k]].req;
    if (k == 0 || r.meeting_id != batch[bulk[k - 1]].req.meeting_id) lead = static_cast<int64_t>(k) + 1;
    mids.Add(r.meeting_id);
    firsts.Add(r.events.front().seq);
    prevs.Add(r.prev_id);
    for (const StoredEvent& e : r.events) {
      leads.Add(lead);
      emids.Add(r.meeting_id);
      seqs.Add(e.seq);
      ids.Add(e.id);
      types.Add(e.type);
      actors.Add(e.actor_pid);
      ts.Add(e.ts);
      replayed.Add(e.replayed);
      json.Add(e.json);
    }
  }
  PgParams params;
  params.AddOwned(mids.Take()).AddOwned(firsts.Take()).AddOwned(prevs.Take());
  params.AddOwned(leads.Take())
      .AddOwned(emids.Take())
      .AddOwned(seqs.Take())
      .AddOwned(ids.Take())
      .AddOwned(types.Take())
      .AddOwned(actors.Take())
      .AddOwned(ts.Take())
      .AddOwned(replayed.Take())
      .AddOwned(json.Take());
  return Send(conn_->raw(), kAppendBulk, params);
}

bool PgWriter::ReadBulk(std::vector<Pending>& batch, const std::vector<size_t>& bulk, PgResult* error,
                        bool* mismatch) {
  *mismatch = false;
  PgResult r = NextResult(conn_->raw());
  if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK ||
      PQntuples(r.get()) != static_cast<int>(bulk.size())) {
    *error = std::move(r);
    return false;
  }
  for (size_t begin = 0; begin < bulk.size();) {
    const std::string& mid = batch[bulk[begin]].req.meeting_id;
    size_t end = begin + 1;
    while (end < bulk.size() && batch[bulk[end]].req.meeting_id == mid) ++end;
    const bool written = CellBool(r.get(), static_cast<int>(begin), 0);
    for (size_t k = begin; k < end; ++k) {
      Pending& p = batch[bulk[k]];
      if (written) {
        p.status = Status::Ok();
        continue;
      }
      // The lead failed and wrote nothing of the meeting, so each later request stands on the table
      // alone, as on the per-request path; one whose check holds there would have been written.
      if (k > begin && CellBool(r.get(), static_cast<int>(k), 0)) *mismatch = true;
      p.status = CheckFailure(p.req, p.snap, CellBool(r.get(), static_cast<int>(k), 1));
    }
    begin = end;
  }
  return true;
}

void PgWriter::AbandonTransaction() {
  PGconn* c = conn_->raw();
  // Everything up to the sync is skipped by the server; the transaction is then left failed.
  if (PQpipelineSync(c) != 1 || !ReadThroughSync(c)) return;
  if (!Send(c, kRollback, PgParams()) || PQpipelineSync(c) != 1) return;
  ReadThroughSync(c);
}

PgWriter::Attempt PgWriter::TryTransaction(std::vector<Pending>& batch, const std::vector<size_t>& live,
                                           const std::vector<char>& in_bulk) {
  PGconn* c = conn_->raw();
  auto lost = [&] {
    Attempt a;
    a.kind = Attempt::Kind::kLost;
    a.status = Status::Unavailable(ConnMessage(c));
    return a;
  };
  // Classifies the error that aborted the transaction; `culprit` is the request whose statement it
  // was (null for BEGIN, the usage upsert or COMMIT).
  auto failed = [&](const PGresult* error, const size_t* culprit) {
    Attempt a;
    const std::string_view state = SqlState(error);
    a.status = PgErrorStatus(c, error, culprit ? "append" : "commit");
    if (!error || PQstatus(c) == CONNECTION_BAD || IsConnectionLost(state)) {
      a.kind = Attempt::Kind::kLost;
      a.status = Status::Unavailable(a.status.message());
    } else if (IsRetryable(state)) {
      a.kind = Attempt::Kind::kRetry;
    } else if (culprit && (state == "23505" || a.status.code() == Status::Code::kInvalid)) {
      a.kind = Attempt::Kind::kRequestFailed;
      a.failed = *culprit;
      const Pending& p = batch[*culprit];
      const std::string mid = MeetingOf(p.req, p.snap);
      const char* detail = PQresultErrorField(error, PG_DIAG_MESSAGE_DETAIL);
      const std::string why = detail ? std::string(" (") + detail + ")" : "";
      const std::string_view constraint = ConstraintName(error);
      if (state != "23505") {
        a.status = Status::Invalid("meeting " + mid + ": " + a.status.message());
      } else if (constraint == "events_meeting_id_id_key") {
        a.status = Status::Duplicate("meeting " + mid + " already has an event id of this append" + why);
      } else if (constraint == "meetings_pkey") {
        a.status = Status::Conflict("meeting " + mid + " already exists");
      } else if (constraint == "credentials_pkey") {
        a.status = Status::Conflict("meeting " + mid + " already has a participant of this append" + why);
      } else {
        // events_pkey: another node took the seq after this statement's check looked.
        a.status = Status::Conflict("meeting " + mid + ": seq taken" + why);
      }
    } else {
      a.kind = Attempt::Kind::kFailed;
    }
    return a;
  };

  // Round trip 1: the bulk statement, then every other request's own statement (snapshots of the
  // bulk's meetings must come after it).
  std::vector<size_t> bulk;
  for (size_t i : live) {
    if (in_bulk[i]) bulk.push_back(i);
  }
  if (!Send(c, kBegin, PgParams())) return lost();
  if (!bulk.empty() && !SendBulk(batch, bulk)) return lost();
  for (size_t i : live) {
    if (!in_bulk[i] && !SendPending(batch[i])) return lost();
  }
  if (PQsendFlushRequest(c) != 1 || PQflush(c) != 0) return lost();
  {
    PgResult begin = NextResult(c);
    if (!begin || PQresultStatus(begin.get()) != PGRES_COMMAND_OK) {
      AbandonTransaction();
      return failed(begin.get(), nullptr);
    }
  }
  if (!bulk.empty()) {
    PgResult error;
    bool mismatch = false;
    if (!ReadBulk(batch, bulk, &error, &mismatch)) {
      AbandonTransaction();
      Attempt a = failed(error.get(), nullptr);
      if (a.kind == Attempt::Kind::kFailed) a.kind = Attempt::Kind::kBulkFailed;
      return a;
    }
    if (mismatch) {
      // The transaction is still open and the statements behind the bulk one still run; the
      // rollback drops whatever they wrote.
      AbandonTransaction();
      Attempt a;
      a.kind = Attempt::Kind::kBulkFailed;
      a.status = Status::Conflict("a meeting's first request failed where a later one would not");
      return a;
    }
  }
  for (size_t i : live) {
    if (in_bulk[i]) continue;
    PgResult error;
    if (!ReadPending(&batch[i], &error)) {
      AbandonTransaction();
      return failed(error.get(), &i);
    }
  }

  // Round trip 2: feature usage of what was written, and COMMIT.
  // Sorted by the table's key (byte order, as the C collation). Views point into batch.
  std::map<std::tuple<std::string_view, int64_t, std::string_view>, int64_t> counts;
  for (size_t i : live) {
    const Pending& p = batch[i];
    if (p.snap || !p.status.ok()) continue;
    for (const StoredEvent& e : p.req.events) ++counts[{e.type, UsageDay(e.ts), p.req.meeting_id}];
  }
  if (!counts.empty()) {
    PgArray types, days, mids, ns;
    for (const auto& [key, n] : counts) {
      types.Add(std::get<0>(key));
      days.Add(std::get<1>(key));
      mids.Add(std::get<2>(key));
      ns.Add(n);
    }
    PgParams params;
    params.AddOwned(types.Take()).AddOwned(days.Take()).AddOwned(mids.Take()).AddOwned(ns.Take());
    if (!Send(c, kUsage, params)) return lost();
  }
  if (!Send(c, kCommit, PgParams()) || PQpipelineSync(c) != 1) return lost();
  PgResult error;
  bool ok = true;
  if (!counts.empty()) {
    PgResult usage = NextResult(c);
    if (!usage || PQresultStatus(usage.get()) != PGRES_COMMAND_OK) {
      ok = false;
      error = std::move(usage);
    }
  }
  if (ok) {
    PgResult commit = NextResult(c);
    if (!commit || PQresultStatus(commit.get()) != PGRES_COMMAND_OK) {
      ok = false;
      error = std::move(commit);
    } else if (std::strcmp(PQcmdStatus(commit.get()), "COMMIT") != 0) {
      // A transaction that had failed answers COMMIT with ROLLBACK: nothing was written.
      Attempt a;
      a.kind = Attempt::Kind::kFailed;
      a.status = Status::IoError(std::string("commit answered ") + PQcmdStatus(commit.get()));
      ReadThroughSync(c);
      return a;
    }
  }
  if (!ReadThroughSync(c) && ok) {
    // Committed, and then the connection went: the batch is durable; the next one reconnects.
    return Attempt{};
  }
  if (!ok) {
    if (PQstatus(c) != CONNECTION_BAD) {
      if (Send(c, kRollback, PgParams()) && PQpipelineSync(c) == 1) ReadThroughSync(c);
    }
    return failed(error.get(), nullptr);
  }
  return Attempt{};
}

void PgWriter::UpdateHealth(const std::vector<Pending>& batch, bool committed) {
  // A request's own Conflict/Duplicate/NotFound/Invalid says nothing about the database; IoError and
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
  // A batch whose requests were all refused (Conflict, Duplicate …) wrote nothing: it proves nothing.
  for (const Pending& p : batch) {
    if (p.status.ok()) {
      health_.Wrote();
      return;
    }
  }
}

}  // namespace confab::store
