#include "store/pg_schema.hpp"

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
// Layout choices:
// - Key text columns are COLLATE "C": byte order, as SQLite's, so ScanAll and ListMeetings order
//   the same on both stores, and comparisons skip locale rules.
// - The constraint names are part of the contract with the writer: it tells a taken seq (Conflict)
//   from a stored event id (Duplicate) by the name of the unique constraint that failed.
// - No foreign keys: the writer's append statement checks the meeting (or the previous event) itself,
//   once per request.
// - events.json is text, not jsonb: it is returned exactly as the room wrote it.
// - feature_usage.day is UsageDay(ts) (schema.hpp), computed by the writer.
constexpr Migration kMigrations[] = {
    {1,
     "CREATE TABLE meetings ("
     "  id text COLLATE \"C\" NOT NULL,"
     "  facilitator_token_hash text NOT NULL,"
     "  created_ts bigint NOT NULL,"
     "  CONSTRAINT meetings_pkey PRIMARY KEY (id));"
     "CREATE TABLE events ("
     "  meeting_id text COLLATE \"C\" NOT NULL,"
     "  seq bigint NOT NULL,"
     "  id text COLLATE \"C\" NOT NULL,"
     "  type text NOT NULL,"
     "  actor_pid text NOT NULL,"
     "  ts bigint NOT NULL,"
     "  replayed boolean NOT NULL,"
     "  json text NOT NULL,"
     "  CONSTRAINT events_pkey PRIMARY KEY (meeting_id, seq),"
     "  CONSTRAINT events_meeting_id_id_key UNIQUE (meeting_id, id));"
     "CREATE TABLE credentials ("
     "  meeting_id text COLLATE \"C\" NOT NULL,"
     "  pid text COLLATE \"C\" NOT NULL,"
     "  secret_hash text NOT NULL,"
     "  CONSTRAINT credentials_pkey PRIMARY KEY (meeting_id, pid));"
     "CREATE TABLE snapshots ("
     "  meeting_id text COLLATE \"C\" NOT NULL,"
     "  seq bigint NOT NULL,"
     "  last_ts bigint NOT NULL,"
     "  state_json text NOT NULL,"
     "  CONSTRAINT snapshots_pkey PRIMARY KEY (meeting_id, seq));"
     "CREATE TABLE feature_usage ("
     "  type text COLLATE \"C\" NOT NULL,"
     "  day bigint NOT NULL,"
     "  meeting_id text COLLATE \"C\" NOT NULL,"
     "  events bigint NOT NULL,"
     "  CONSTRAINT feature_usage_pkey PRIMARY KEY (type, day, meeting_id));"},
};

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

constexpr PgStatement kReadVersion{"confab_schema_version",
                                   "SELECT COALESCE(MAX(version), 0) FROM schema_version"};
constexpr PgStatement kRecordVersion{"confab_record_version",
                                     "INSERT INTO schema_version(version, applied_ts) VALUES ($1, $2)"};
constexpr PgStatement kLock{"confab_migration_lock", "SELECT pg_advisory_xact_lock($1)"};

Status MigrateLocked(PgConnection& conn, int* version) {
  PgParams key;
  key.Add(kPgMigrationLock);
  if (Status s = conn.Run(kLock, key, nullptr, "take the migration lock"); !s.ok()) return s;
  // Under the lock: two nodes creating the table at once would otherwise race in the catalog.
  if (Status s = conn.Exec("CREATE TABLE IF NOT EXISTS schema_version ("
                           "  version integer PRIMARY KEY,"
                           "  applied_ts bigint NOT NULL)");
      !s.ok()) {
    return s;
  }
  if (Status s = ReadPgSchemaVersion(conn, version); !s.ok()) return s;
  for (const Migration& m : kMigrations) {
    if (*version >= m.version) continue;
    Status s = conn.Exec(m.sql);
    if (s.ok()) {
      PgParams p;
      p.Add(int64_t{m.version}).Add(NowMs());
      s = conn.Run(kRecordVersion, p, nullptr, "record schema version");
    }
    if (!s.ok()) {
      return Status(s.code() == Status::Code::kUnavailable
                        ? Status::Unavailable("migration to schema version " + std::to_string(m.version) +
                                              ": " + s.message())
                        : Status::IoError("migration to schema version " + std::to_string(m.version) + ": " +
                                          s.message()));
    }
    *version = m.version;
  }
  return Status::Ok();
}

}  // namespace

Status ReadPgSchemaVersion(PgConnection& conn, int* version) {
  PgResult r;
  if (Status s = conn.Run(kReadVersion, PgParams(), &r, "read schema_version"); !s.ok()) return s;
  *version = static_cast<int>(CellInt(r.get(), 0, 0));
  return Status::Ok();
}

Status MigratePg(PgConnection& conn) {
  if (Status s = conn.Exec("BEGIN"); !s.ok()) return s;
  int version = 0;
  Status s = MigrateLocked(conn, &version);
  if (!s.ok()) {
    conn.Exec("ROLLBACK");
    return s;
  }
  if (Status c = conn.Exec("COMMIT"); !c.ok()) return c;
  if (version > kPgSchemaVersion) {
    return Status::Invalid("database schema version " + std::to_string(version) +
                           " is newer than this binary supports (" + std::to_string(kPgSchemaVersion) +
                           "); upgrade confab");
  }
  return Status::Ok();
}

}  // namespace confab::store
