#pragma once
// The PostgreSQL schema of the event log and its migrations.
//
// Versions are recorded in `schema_version(version, applied_ts)`, one row per migration applied.
// Several nodes may start at once against one database: migrations run in one transaction that first
// takes a transaction-scoped advisory lock, so exactly one node applies them and the others then find
// them applied. A database newer than this binary is refused rather than guessed at.
//
// PostgreSQL versions are numbered on their own: they do not follow the SQLite file's (schema.hpp).
#include "store/pg_connection.hpp"
#include "util/status.hpp"

namespace confab::store {

// The version this binary writes; a freshly created database ends at this version.
inline constexpr int kPgSchemaVersion = 1;

// The advisory lock key every Confab node takes to migrate ("confab" in ASCII).
inline constexpr int64_t kPgMigrationLock = 0x636f6e666162;

// Brings the database behind `conn` up to kPgSchemaVersion. Invalid when it is newer.
Status MigratePg(PgConnection& conn);

// The highest version recorded (0 for a database without Confab tables).
Status ReadPgSchemaVersion(PgConnection& conn, int* version);

}  // namespace confab::store
