#include "store/sqlite_connection.hpp"

namespace confab::store {
namespace {

// Long enough to ride out a checkpoint or another process's transaction, short enough that a
// stuck lock surfaces as `unavailable` instead of a hung room.
constexpr int kBusyTimeoutMs = 5000;

}  // namespace

Status SqliteConnection::Open(const std::string& path, Role role, std::unique_ptr<SqliteConnection>* out) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (role == Role::kWriter) flags |= SQLITE_OPEN_CREATE;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Status::IoError("open " + path + ": " + msg);
  }
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);

  // journal_mode=WAL is persistent in the file; setting it from the writer is enough, but it is
  // cheap to assert from every connection. synchronous=FULL: every COMMIT fsyncs the WAL, so an
  // acknowledged event survives power loss, not just a process crash.
  // The writer's wal_autocheckpoint stays as a fallback; SqliteStore hands checkpoints to a
  // Checkpointer thread, whose WAL hook replaces it (checkpointer.hpp).
  const char* pragmas = "";
  switch (role) {
    case Role::kWriter:
      pragmas =
          "PRAGMA journal_mode=WAL;"
          "PRAGMA synchronous=FULL;"
          "PRAGMA foreign_keys=OFF;"
          "PRAGMA temp_store=MEMORY;"
          "PRAGMA cache_size=-65536;"
          "PRAGMA wal_autocheckpoint=4096;";
      break;
    case Role::kReader:
      pragmas =
          "PRAGMA query_only=1;"
          "PRAGMA temp_store=MEMORY;";
      break;
    case Role::kCheckpointer:
      // FULL: the checkpoint fsyncs the database file before the WAL may be reused.
      pragmas =
          "PRAGMA synchronous=FULL;"
          "PRAGMA wal_autocheckpoint=0;";
      break;
  }
  if (Status s = conn->Exec(pragmas); !s.ok()) return s;
  if (role == Role::kWriter) {
    // journal_mode answers with the mode actually in force; a filesystem without shared memory
    // support silently keeps "delete", which would break the never-block-readers promise.
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
    std::string mode;
    if (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
      mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    if (mode != "wal")
      return Status::IoError("open " + path + ": cannot enable WAL (journal_mode=" + mode + ")");
  }
  *out = std::move(conn);
  return Status::Ok();
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status SqliteConnection::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string msg = err ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) return Status::Unavailable(msg);
  return Status::IoError(msg);
}

sqlite3_stmt* SqliteConnection::Prepare(std::string_view sql, Status* status) {
  if (auto it = statements_.find(sql); it != statements_.end()) return it->second;
  std::string key(sql);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                              nullptr);
  if (rc != SQLITE_OK) {
    *status = LastError("prepare");
    sqlite3_finalize(stmt);
    return nullptr;
  }
  statements_.emplace(std::move(key), stmt);
  return stmt;
}

Status SqliteConnection::LastError(std::string_view what) const {
  int rc = sqlite3_errcode(db_) & 0xff;  // primary code of an extended one
  std::string msg = std::string(what) + ": " + sqlite3_errmsg(db_);
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return Status::Unavailable(std::move(msg));
  return Status::IoError(std::move(msg));
}

}  // namespace confab::store
