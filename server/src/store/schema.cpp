#include "store/schema.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace confab::store {
namespace {

struct Migration {
  int version;
  const char* sql;
  // Run first, in the migration's transaction: a non-Ok answer refuses the migration (and the open).
  Status (*precheck)(SqliteConnection&) = nullptr;
};

Status RefuseDuplicates(SqliteConnection& conn);

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
    // Version 4: the database enforces what the writer's cache promises (docs/storage.md § Schema).
    // v2 left uniqueness of (meeting_id, seq) and (meeting_id, id) to the writer's in-memory cache
    // and the deferred event_index (whose INSERT OR IGNORE would hide a second row, not refuse it).
    // Two unique indexes on events refuse a duplicate in the transaction that tries to write it, from
    // any connection, whatever the cache believes. A file that already holds duplicates is not
    // migrated: the open fails naming them, and nothing is changed.
    {4,
     "CREATE UNIQUE INDEX events_meeting_seq ON events(meeting_id, seq);"
     "CREATE UNIQUE INDEX events_meeting_event_id ON events(meeting_id, id);",
     &RefuseDuplicates},
};

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Status RefuseDuplicates(SqliteConnection& conn) {
  std::vector<DuplicateKey> dups;
  if (Status s = FindSqliteDuplicates(conn, &dups); !s.ok()) return s;
  if (dups.empty()) return Status::Ok();
  std::string list;
  for (size_t i = 0; i < dups.size() && i < 5; ++i) {
    const DuplicateKey& d = dups[i];
    list += (i ? "; " : "") + std::string("meeting ") + d.meeting_id + " " + d.column + " " + d.value + " (" +
            std::to_string(d.rows) + " rows)";
  }
  if (dups.size() > 5) list += "; and " + std::to_string(dups.size() - 5) + " more";
  return Status::Invalid(std::to_string(dups.size()) +
                         " keys of the log are stored more than once, so their unique indexes cannot be "
                         "built: " +
                         list + ". Keep one row of each (docs/storage.md § Duplicates), then open it again");
}

}  // namespace

Status FindSqliteDuplicates(SqliteConnection& conn, std::vector<DuplicateKey>* out) {
  // Read from events itself: event_index keeps only the first row of a key. With v4's indexes each
  // half is an index walk; without them (a file being migrated) one sort of the table.
  Status st;
  sqlite3_stmt* stmt = conn.Prepare(
      "SELECT meeting_id, 'seq', seq, COUNT(*) FROM events GROUP BY meeting_id, seq HAVING COUNT(*) > 1 "
      "UNION ALL "
      "SELECT meeting_id, 'id', id, COUNT(*) FROM events GROUP BY meeting_id, id HAVING COUNT(*) > 1",
      &st);
  if (!stmt) return st;
  StatementScope q(stmt);
  out->clear();
  for (;;) {
    const int rc = q.Step();
    if (rc == SQLITE_DONE) return Status::Ok();
    if (rc != SQLITE_ROW) return conn.LastError("look for duplicate keys");
    out->push_back(DuplicateKey{q.Text(0), q.Text(1), q.Text(2), q.Int(3)});
  }
}

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
      if (m.precheck) {
        if (Status refused = m.precheck(conn); !refused.ok()) {
          conn.Exec("ROLLBACK");
          return Status(
              refused.code() == Status::Code::kInvalid
                  ? Status::Invalid("schema version " + std::to_string(m.version) + ": " + refused.message())
                  : refused);
        }
      }
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
