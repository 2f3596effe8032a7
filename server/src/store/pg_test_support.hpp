#pragma once
// Helpers for tests that need a real PostgreSQL server (store_tests). Not part of the library.
//
// The server comes from CONFAB_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:55432/postgres); tests
// skip when it is unset. Each test gets a schema of its own, created empty and dropped afterwards, and
// a URL whose search_path points into it, so tests neither see nor disturb each other's tables.
#include <libpq-fe.h>

#include <cstdlib>
#include <string>

#include "util/crypto.hpp"

namespace confab::store::testing {

inline std::string PgServerUrl() {
  const char* url = std::getenv("CONFAB_TEST_PG_URL");
  return url ? url : "";
}

inline constexpr const char* kNoPgServer =
    "CONFAB_TEST_PG_URL is not set: no PostgreSQL server to test against";

class PgTestSchema {
 public:
  PgTestSchema() : name_("confab_t_" + RandomHex(8)) {
    const std::string server = PgServerUrl();
    url_ = server + (server.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + name_ +
           "&application_name=" + name_;
    error_ = Exec(server, "CREATE SCHEMA " + name_);
  }
  ~PgTestSchema() { Exec(PgServerUrl(), "DROP SCHEMA IF EXISTS " + name_ + " CASCADE"); }
  PgTestSchema(const PgTestSchema&) = delete;
  PgTestSchema& operator=(const PgTestSchema&) = delete;

  // "" when the schema was created, else why not.
  const std::string& error() const { return error_; }
  // A URL for the schema; every connection made through it is named after the schema too
  // (application_name), so a test can find them in pg_stat_activity.
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

  // Runs `sql` in the schema; "" on success, else the server's message.
  std::string Exec(const std::string& sql) const { return Exec(url_, sql); }
  // The first cell of `sql`'s result ("" when none or on error).
  std::string Query(const std::string& sql) const {
    PGconn* c = PQconnectdb(url_.c_str());
    std::string out;
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) out = PQgetvalue(r, 0, 0);
    PQclear(r);
    PQfinish(c);
    return out;
  }
  // Ends every server connection of this schema's stores (as a failover or an idle timeout would).
  std::string TerminateConnections() const {
    return Exec(PgServerUrl(),
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = '" +
                    name_ + "' AND pid <> pg_backend_pid()");
  }

 private:
  static std::string Exec(const std::string& url, const std::string& sql) {
    PGconn* c = PQconnectdb(url.c_str());
    PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);
    if (PQstatus(c) != CONNECTION_OK) {
      std::string e = PQerrorMessage(c);
      PQfinish(c);
      return e.empty() ? "cannot connect" : e;
    }
    PGresult* r = PQexec(c, sql.c_str());
    const ExecStatusType st = PQresultStatus(r);
    std::string e = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? "" : PQresultErrorMessage(r);
    PQclear(r);
    PQfinish(c);
    return e;
  }

  std::string name_;
  std::string url_;
  std::string error_;
};

}  // namespace confab::store::testing
