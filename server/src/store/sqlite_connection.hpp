#pragma once
// SqliteConnection: one sqlite3 handle with the pragmas every Confab connection needs, and a cache
// of prepared statements that live as long as the connection.
//
// Threading: a connection is used by one thread at a time (the writer thread, or whichever reader
// leased it from the pool); it is opened with SQLITE_OPEN_NOMUTEX, so callers must not share it.
#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "util/status.hpp"

namespace confab::store {

class SqliteConnection {
 public:
  enum class Role {
    kWriter,        // creates the file, sets WAL + synchronous=FULL, may write
    kReader,        // query_only: a bug that tries to write from a read path fails loudly
    kCheckpointer,  // copies the WAL into the file (PRAGMA wal_checkpoint); writes no rows
  };

  // Opens `path` (created if missing when `role` is kWriter). busy_timeout covers the short waits
  // WAL still has (recovery, checkpoints, another process holding the write lock).
  static Status Open(const std::string& path, Role role, std::unique_ptr<SqliteConnection>* out);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  sqlite3* db() const { return db_; }

  // Runs one or more statements that return no rows (DDL, pragmas, BEGIN/COMMIT).
  Status Exec(const char* sql);

  // The cached prepared statement for `sql`, prepared on first use. nullptr with *status set on error.
  sqlite3_stmt* Prepare(std::string_view sql, Status* status);

  // IoError (or Unavailable when the database is locked/busy) carrying sqlite's message for the
  // last failure on this connection, prefixed with `what`.
  Status LastError(std::string_view what) const;

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  // Transparent hash: looking a statement up by string_view allocates nothing (it runs per step).
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> statements_;
};

// Binds, steps and — on scope exit — resets one prepared statement. Resetting matters: a statement
// left mid-iteration would pin its WAL read snapshot (blocking checkpoints) or hold a lock.
// Text is bound SQLITE_STATIC: the bound buffers must outlive the scope.
class StatementScope {
 public:
  explicit StatementScope(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~StatementScope() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  StatementScope(const StatementScope&) = delete;
  StatementScope& operator=(const StatementScope&) = delete;

  void Bind(int index, std::string_view text) {
    // A null data pointer would bind SQL NULL; an empty string must stay an empty string.
    sqlite3_bind_text(stmt_, index, text.data() ? text.data() : "", static_cast<int>(text.size()),
                      SQLITE_STATIC);
  }
  void Bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string Text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
  }

 private:
  sqlite3_stmt* stmt_;
};

}  // namespace confab::store
