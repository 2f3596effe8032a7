#pragma once
// PgConnection: one libpq connection with the session settings every Confab connection needs, lazily
// prepared statements, and the mapping of PostgreSQL errors (SQLSTATE) onto Status.
//
// Parameters always travel as text and always through bind parameters (never spliced into SQL);
// arrays are sent as array literals built by PgArray.
//
// Threading: a connection is used by one thread at a time (the writer thread, or whichever reader
// leased it from the pool).
#include <libpq-fe.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "util/status.hpp"

namespace confab::store {

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// A statement prepared under `name` on each connection that runs it.
struct PgStatement {
  const char* name;
  const char* sql;
};

// Text-format parameters of one statement. Holds copies of converted numbers; strings passed by
// reference must outlive the call that uses the parameters.
class PgParams {
 public:
  PgParams& Add(const std::string& text) {  // by reference: not copied
    values_.push_back(text.c_str());
    return *this;
  }
  PgParams& AddOwned(std::string text) {
    values_.push_back(owned_.emplace_back(std::move(text)).c_str());
    return *this;
  }
  PgParams& Add(int64_t value) { return AddOwned(std::to_string(value)); }
  PgParams& Add(bool value) { return AddOwned(value ? "t" : "f"); }
  PgParams& Add(const char*) = delete;  // would silently pick Add(bool)

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }

 private:
  std::deque<std::string> owned_;  // a deque: growing it never moves the strings values_ points into
  std::vector<const char*> values_;
};

// Builds a one-dimensional text array literal ({"a","b"}), quoting every element so that any text,
// including "NULL", braces and commas, round-trips exactly.
class PgArray {
 public:
  void Add(std::string_view text);
  void Add(int64_t value);
  void Add(bool value) { AddRaw(value ? "t" : "f"); }
  void Add(const char*) = delete;  // would silently pick Add(bool)
  // The literal; the builder is left empty.
  std::string Take();

 private:
  void AddRaw(std::string_view bare);
  std::string out_ = "{";
  bool empty_ = true;
};

// Whether a failure means the server or the network is gone (not the statement's fault).
bool IsConnectionLost(std::string_view sqlstate);
// Whether the transaction lost a race it may simply retry (deadlock, serialization failure).
bool IsRetryable(std::string_view sqlstate);

class PgConnection {
 public:
  // What the connection is for: sets application_name (unless the URL does) and session settings.
  enum class Role { kWriter, kReader, kAdmin };

  // Connects to `url` (a postgres:// URI or key=value string, passed to libpq as is). Defaults that
  // the URL may override: connect_timeout, TCP keepalives and user timeout, so a dead server is
  // noticed in seconds rather than hanging a read. Unavailable when the server cannot be reached.
  static Status Open(const std::string& url, Role role, std::unique_ptr<PgConnection>* out);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  PGconn* raw() const { return conn_; }
  bool broken() const { return PQstatus(conn_) == CONNECTION_BAD; }

  // Runs SQL that takes no parameters (DDL, BEGIN/COMMIT; several statements allowed).
  Status Exec(const char* sql);
  // Runs `stmt` (preparing it on first use) and hands back its result when it succeeded.
  Status Run(const PgStatement& stmt, const PgParams& params, PgResult* out, std::string_view what);
  // Prepares `stmt` now unless it already is (the writer prepares everything before pipelining).
  Status Prepare(const PgStatement& stmt);

  // The Status for a failed `result` (or, when null, the connection's last error), prefixed `what`.
  Status ErrorOf(const PGresult* result, std::string_view what) const;

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}

  PGconn* conn_;
  std::unordered_set<std::string> prepared_;
};

// Status for a failed result: Conflict for unique violations, Invalid for bad data, Unavailable
// when the connection is lost, IoError otherwise. `conn` supplies the message when `result` is null.
Status PgErrorStatus(PGconn* conn, const PGresult* result, std::string_view what);
// The SQLSTATE of a failed result ("" when there is none, e.g. the connection dropped).
std::string_view SqlState(const PGresult* result);
std::string_view ConstraintName(const PGresult* result);

// "postgres://user@host:port/db" of an open connection, for logs: never the password or options.
std::string DescribePg(PGconn* conn);

// Text of a result cell.
inline std::string Cell(const PGresult* r, int row, int col) {
  return std::string(PQgetvalue(r, row, col), static_cast<size_t>(PQgetlength(r, row, col)));
}
int64_t CellInt(const PGresult* r, int row, int col);
inline bool CellBool(const PGresult* r, int row, int col) {
  return PQgetvalue(r, row, col)[0] == 't';
}

}  // namespace confab::store
