#include "store/schema.hpp"

#include <chrono>
#include <string>

namespace confab::store {
namespace {

struct Migration {
  int version;
  const char* sql;
};

// Append-only: never edit a migration that has shipped; add the next one.
//
// Layout choices (docs/storage.md):
// - events is WITHOUT ROWID, clustered on (meeting_id, seq): a join replay or an export reads one
//   contiguous key range, and "head seq" is a single seek to the end of it.
// - UNIQUE(meeting_id, id) is the idempotency key and also serves FindEventSeq.
// - No other index: each extra index is one more B-tree write on every append.
// - No foreign keys: the writer checks meeting existence itself, once per request, not per row.
constexpr Migration kMigrations[] = {
    {1,
     "CREATE TABLE meetings ("
     "  id TEXT PRIMARY KEY NOT NULL,"
     "  facilitator_token_hash TEXT NOT NULL,"
     "  created_ts INTEGER NOT NULL"
     ") WITHOUT ROWID;"
     "CREATE TABLE events ("
     "  meeting_id TEXT NOT NULL,"
     "  seq INTEGER NOT NULL,"
     "  id TEXT NOT NULL,"
     "  type TEXT NOT NULL,"
     "  actor_pid TEXT NOT NULL,"
     "  ts INTEGER NOT NULL,"
     "  replayed INTEGER NOT NULL,"
     "  json TEXT NOT NULL,"
     "  PRIMARY KEY (meeting_id, seq),"
     "  UNIQUE (meeting_id, id)"
     ") WITHOUT ROWID;"
     "CREATE TABLE credentials ("
     "  meeting_id TEXT NOT NULL,"
     "  pid TEXT NOT NULL,"
     "  secret_hash TEXT NOT NULL,"
     "  PRIMARY KEY (meeting_id, pid)"
     ") WITHOUT ROWID;"},
    // Version 2: the log in commit order, with a deferred per-meeting index (docs/storage.md).
    // - events keeps its eight columns (tools and `sqlite3` sessions see the same table) but becomes
    //   a rowid table: rowid = commit order, so a group commit appends to contiguous pages instead of
    //   dirtying one leaf per meeting.
    // - event_index maps (meeting_id, seq) -> rowid, with the event id beside it (dedupe loads and
    //   FindEventSeq read it without touching the rows). The writer fills it in bulk, sorted, every
    //   few thousand events; index_state.indexed_through is the last events.rowid it covers. Rows
    //   above it (the "tail") are found by a short rowid range scan.
    {2,
     "CREATE TABLE events_v2 ("
     "  meeting_id TEXT NOT NULL,"
     "  seq INTEGER NOT NULL,"
     "  id TEXT NOT NULL,"
     "  type TEXT NOT NULL,"
     "  actor_pid TEXT NOT NULL,"
     "  ts INTEGER NOT NULL,"
     "  replayed INTEGER NOT NULL,"
     "  json TEXT NOT NULL"
     ");"
     "INSERT INTO events_v2(meeting_id, seq, id, type, actor_pid, ts, replayed, json)"
     "  SELECT meeting_id, seq, id, type, actor_pid, ts, replayed, json FROM events ORDER BY meeting_id, seq;"
     "DROP TABLE events;"
     "ALTER TABLE events_v2 RENAME TO events;"
     "CREATE TABLE event_index ("
     "  meeting_id TEXT NOT NULL,"
     "  seq INTEGER NOT NULL,"
     "  id TEXT NOT NULL,"
     "  event_rowid INTEGER NOT NULL,"
     "  PRIMARY KEY (meeting_id, seq)"
     ") WITHOUT ROWID;"
     "INSERT INTO event_index(meeting_id, seq, id, event_rowid)"
     "  SELECT meeting_id, seq, id, rowid FROM events ORDER BY meeting_id, seq;"
     "CREATE TABLE index_state ("
     "  one INTEGER PRIMARY KEY NOT NULL CHECK (one = 1),"
     "  indexed_through INTEGER NOT NULL"
     ");"
     "INSERT INTO index_state(one, indexed_through) VALUES (1, (SELECT COALESCE(MAX(rowid), 0) FROM "
     "events));"},
    // Version 3: derived tables the writer keeps beside the log (docs/storage.md).
    // - snapshots: a meeting's folded state every few hundred events, written by rooms through
    //   PutSnapshot. Clustered on (meeting_id, seq) so "latest at or before seq S" is one seek and a
    //   short backward walk (last_ts is checked on the way: snapshots per meeting are few hundred).
    //   Not backfilled: a meeting without one folds from seq 1, as before.
    // - feature_usage: events per (type, UTC day, meeting), upserted in the transaction of the events
    //   it counts. Keyed type first: "how popular is X over these days" reads one range. Backfilled
    //   here, with day = floor(ts / 86400000) as the writer computes it (SQLite's / truncates, so
    //   negative timestamps are rounded down by hand).
    {3,
     "CREATE TABLE snapshots ("
     "  meeting_id TEXT NOT NULL,"
     "  seq INTEGER NOT NULL,"
     "  last_ts INTEGER NOT NULL,"
     "  state_json TEXT NOT NULL,"
     "  PRIMARY KEY (meeting_id, seq)"
     ") WITHOUT ROWID;"
     "CREATE TABLE feature_usage ("
     "  type TEXT NOT NULL,"
     "  day INTEGER NOT NULL,"
     "  meeting_id TEXT NOT NULL,"
     "  events INTEGER NOT NULL,"
     "  PRIMARY KEY (type, day, meeting_id)"
     ") WITHOUT ROWID;"
     "INSERT INTO feature_usage(type, day, meeting_id, events)"
     "  SELECT type, CASE WHEN ts >= 0 THEN ts / 86400000 ELSE (ts - 86399999) / 86400000 END AS day,"
     "    meeting_id, COUNT(*) FROM events GROUP BY type, day, meeting_id ORDER BY type, day, meeting_id;"},
};

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

Status ReadSchemaVersion(SqliteConnection& conn, int* version) {
  Status st;
  sqlite3_stmt* stmt = conn.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version", &st);
  if (!stmt) return st;
  StatementScope q(stmt);
  if (q.Step() != SQLITE_ROW) return conn.LastError("read schema_version");
  *version = static_cast<int>(q.Int(0));
  return Status::Ok();
}

Status Migrate(SqliteConnection& conn) {
  if (Status s = conn.Exec("CREATE TABLE IF NOT EXISTS schema_version ("
                           "  version INTEGER PRIMARY KEY NOT NULL,"
                           "  applied_ts INTEGER NOT NULL)");
      !s.ok()) {
    return s;
  }
  for (const Migration& m : kMigrations) {
    // IMMEDIATE takes the write lock before reading the version, so two processes opening the same
    // file at once cannot both apply a migration.
    if (Status s = conn.Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
    int current = 0;
    Status s = ReadSchemaVersion(conn, &current);
    if (s.ok() && current < m.version) {
      s = conn.Exec(m.sql);
      if (s.ok()) {
        Status ps;
        sqlite3_stmt* ins =
            conn.Prepare("INSERT INTO schema_version(version, applied_ts) VALUES (?, ?)", &ps);
        if (!ins) {
          s = ps;
        } else {
          StatementScope q(ins);
          q.Bind(1, int64_t{m.version});
          q.Bind(2, NowMs());
          if (q.Step() != SQLITE_DONE) s = conn.LastError("record schema version");
        }
      }
      if (!s.ok())
        s = Status::IoError("migration to schema version " + std::to_string(m.version) + ": " + s.message());
    }
    if (!s.ok()) {
      conn.Exec("ROLLBACK");
      return s;
    }
    if (Status c = conn.Exec("COMMIT"); !c.ok()) {
      conn.Exec("ROLLBACK");
      return c;
    }
  }
  int version = 0;
  if (Status s = ReadSchemaVersion(conn, &version); !s.ok()) return s;
  if (version > kSchemaVersion) {
    return Status::Invalid("database schema version " + std::to_string(version) +
                           " is newer than this binary supports (" + std::to_string(kSchemaVersion) +
                           "); upgrade confab");
  }
  return Status::Ok();
}

}  // namespace confab::store
