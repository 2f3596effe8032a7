#pragma once
// The SQLite schema of the event log and its migrations.
//
// Versions are recorded in the `schema_version` table, one row per migration applied, so an
// operator can see when a file was upgraded. Migrations run in order, each in its own IMMEDIATE
// transaction, when a store is opened; a file newer than this binary is refused rather than guessed at.
#include <cstdint>
#include <vector>

#include "store/sqlite_connection.hpp"
#include "store/store.hpp"
#include "util/status.hpp"

namespace confab::store {

// The version this binary writes; a freshly created file ends at this version.
inline constexpr int kSchemaVersion = 4;

// Brings the database behind `conn` (the writer connection) up to kSchemaVersion.
// Invalid when the file's version is newer than kSchemaVersion; IoError/Unavailable on SQLite failure.
Status Migrate(SqliteConnection& conn);

// The highest version recorded in the file (0 for an empty file).
Status ReadSchemaVersion(SqliteConnection& conn, int* version);

// Every (meeting_id, seq) and (meeting_id, id) of the events table held by more than one row (Store::
// FindDuplicateKeys; the v4 migration refuses a file that has any).
Status FindSqliteDuplicates(SqliteConnection& conn, std::vector<DuplicateKey>* out);

// feature_usage.day of an event at `ts_ms`: whole UTC days since the Unix epoch, rounded down (also
// before 1970), exactly as the v3 migration's backfill computes it.
inline constexpr int64_t kMsPerDay = 86'400'000;
inline int64_t UsageDay(int64_t ts_ms) {
  return ts_ms >= 0 ? ts_ms / kMsPerDay : (ts_ms - (kMsPerDay - 1)) / kMsPerDay;
}

}  // namespace confab::store
