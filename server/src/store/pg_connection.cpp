#include "store/pg_connection.hpp"

#include <cstdlib>

namespace confab::store {
namespace {

std::string TrimmedMessage(const char* msg) {
  std::string s = msg ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.empty() ? "unknown PostgreSQL error" : s;
}

const char* ApplicationName(PgConnection::Role role) {
  switch (role) {
    case PgConnection::Role::kWriter:
      return "confab-writer";
    case PgConnection::Role::kReader:
      return "confab-reader";
    case PgConnection::Role::kAdmin:
      break;
  }
  return "confab";
}

// Settings a session needs whatever the server's defaults are.
const char* SessionSetup(PgConnection::Role role) {
  switch (role) {
    case PgConnection::Role::kWriter:
      // The writer's checks (chain, free seq) are written for READ COMMITTED; generic plans skip
      // re-planning statements that run thousands of times a second; an ack must mean durable.
      return "SET default_transaction_isolation = 'read committed';"
             "SET plan_cache_mode = force_generic_plan;"
             "SET synchronous_commit = on";
    case PgConnection::Role::kReader:
      // A bug that writes from a read path fails loudly.
      return "SET default_transaction_read_only = on";
    case PgConnection::Role::kAdmin:
      break;
  }
  return nullptr;
}

}  // namespace

void PgArray::AddRaw(std::string_view bare) {
  if (!empty_) out_ += ',';
  out_ += bare;
  empty_ = false;
}

void PgArray::Add(std::string_view text) {
  if (!empty_) out_ += ',';
  out_.reserve(out_.size() + text.size() + 3);
  out_ += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') out_ += '\\';
    out_ += c;
  }
  out_ += '"';
  empty_ = false;
}

void PgArray::Add(int64_t value) {
  AddRaw(std::to_string(value));
}

std::string PgArray::Take() {
  out_ += '}';
  std::string result = std::move(out_);
  out_ = "{";
  empty_ = true;
  return result;
}

bool IsConnectionLost(std::string_view sqlstate) {
  // 08: connection exception; 57P01-03: the server is shutting down, crashed or starting;
  // 53300: too many connections (the server is up but will not serve us now).
  return sqlstate.substr(0, 2) == "08" || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03" ||
         sqlstate == "53300";
}

bool IsRetryable(std::string_view sqlstate) {
  return sqlstate == "40001" || sqlstate == "40P01";
}

std::string_view SqlState(const PGresult* result) {
  const char* s = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  return s ? std::string_view(s) : std::string_view();
}

std::string_view ConstraintName(const PGresult* result) {
  const char* s = result ? PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME) : nullptr;
  return s ? std::string_view(s) : std::string_view();
}

Status PgErrorStatus(PGconn* conn, const PGresult* result, std::string_view what) {
  const char* raw = result ? PQresultErrorMessage(result) : nullptr;
  if (!raw || !*raw) raw = PQerrorMessage(conn);
  std::string msg = std::string(what) + ": " + TrimmedMessage(raw);
  const std::string_view state = SqlState(result);
  if (PQstatus(conn) == CONNECTION_BAD || IsConnectionLost(state)) return Status::Unavailable(std::move(msg));
  if (state == "23505") return Status::Conflict(std::move(msg));
  // 22: data exceptions (bad UTF-8, out of range); 54: a value too large to store.
  if (state.substr(0, 2) == "22" || state.substr(0, 2) == "54") return Status::Invalid(std::move(msg));
  if (IsRetryable(state)) return Status::Unavailable(std::move(msg));
  return Status::IoError(std::move(msg));
}

int64_t CellInt(const PGresult* r, int row, int col) {
  return std::strtoll(PQgetvalue(r, row, col), nullptr, 10);
}

std::string DescribePg(PGconn* conn) {
  auto or_empty = [](const char* s) { return std::string(s ? s : ""); };
  return "postgres://" + or_empty(PQuser(conn)) + "@" + or_empty(PQhost(conn)) + ":" +
         or_empty(PQport(conn)) + "/" + or_empty(PQdb(conn));
}

Status PgConnection::Open(const std::string& url, Role role, std::unique_ptr<PgConnection>* out) {
  // Entries before dbname are defaults the URL may override; client_encoding comes after it because
  // event JSON must round-trip byte for byte.
  const char* keys[] = {
      "connect_timeout",  "keepalives",       "keepalives_idle", "keepalives_interval", "keepalives_count",
      "tcp_user_timeout", "application_name", "dbname",          "client_encoding",     nullptr};
  const char* values[] = {"2",         "1",    "10",   "3", "3", "10000", ApplicationName(role),
                          url.c_str(), "UTF8", nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!conn) return Status::Unavailable("connect to PostgreSQL: out of memory");
  std::unique_ptr<PgConnection> c(new PgConnection(conn));
  // libpq prints NOTICEs (e.g. "relation already exists, skipping") to stderr by default.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  if (PQstatus(conn) != CONNECTION_OK) {
    return Status::Unavailable("connect to PostgreSQL: " + TrimmedMessage(PQerrorMessage(conn)));
  }
  if (const char* setup = SessionSetup(role)) {
    if (Status s = c->Exec(setup); !s.ok()) return s;
  }
  *out = std::move(c);
  return Status::Ok();
}

PgConnection::~PgConnection() {
  PQfinish(conn_);
}

Status PgConnection::Exec(const char* sql) {
  PgResult r(PQexec(conn_, sql));
  const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Status::Ok();
  return ErrorOf(r.get(), "exec");
}

Status PgConnection::Prepare(const PgStatement& stmt) {
  if (prepared_.count(stmt.name)) return Status::Ok();
  PgResult r(PQprepare(conn_, stmt.name, stmt.sql, 0, nullptr));
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    return ErrorOf(r.get(), std::string("prepare ") + stmt.name);
  }
  prepared_.insert(stmt.name);
  return Status::Ok();
}

Status PgConnection::Run(const PgStatement& stmt, const PgParams& params, PgResult* out,
                         std::string_view what) {
  if (Status s = Prepare(stmt); !s.ok()) return s;
  PgResult r(PQexecPrepared(conn_, stmt.name, params.size(), params.values(), nullptr, nullptr, 0));
  const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return ErrorOf(r.get(), what);
  if (out) *out = std::move(r);
  return Status::Ok();
}

Status PgConnection::ErrorOf(const PGresult* result, std::string_view what) const {
  return PgErrorStatus(conn_, result, what);
}

}  // namespace confab::store
