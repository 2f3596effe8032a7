#pragma once
// The SQLite schema of the event log and its migrations.
//
// Versions are recorded in the `schema_version` table, one row per migration applied, so an
// operator can see when a file was upgraded. Migrations run in order, each in its own IMMEDIATE
// transaction, when a store is opened; a file newer than this binary is refused rather than guessed at.
#include "store/sqlite_connection.hpp"
#include "util/status.hpp"

namespace confab::store {

// The version this binary writes; a freshly created file ends at this version.
inline constexpr int kSchemaVersion = 2;

// Brings the database behind `conn` (the writer connection) up to kSchemaVersion.
// Invalid when the file's version is newer than kSchemaVersion; IoError/Unavailable on SQLite failure.
Status Migrate(SqliteConnection& conn);

// The highest version recorded in the file (0 for an empty file).
Status ReadSchemaVersion(SqliteConnection& conn, int* version);

}  // namespace confab::store
