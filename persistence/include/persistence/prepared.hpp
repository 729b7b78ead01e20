#pragma once
// Statements kept prepared on a SOCI session's PostgreSQL connection, with libpq (SOCI 4.0
// deallocates every statement it prepares, so each of its prepared statements costs three
// round trips and a fresh plan). A statement is an embedded SQL file with $1… parameters; it
// is parsed on its first use on a connection and, once PostgreSQL settles on a generic plan
// (after five executions), never planned again. One registry per session, shared by whatever
// runs on it (PgSheetStore, the HTTP sessions, the sheet reads); it must not outlive the
// session. A new connection (SOCI's reconnect: a new PGconn and server process) has none of
// the statements: they are prepared again before their next use. Not thread-safe, like the
// session.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <libpq-fe.h>
#include <soci/soci.h>

namespace persistence {

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

class PreparedStatements {
 public:
  explicit PreparedStatements(soci::session& sql);
  // Frees the statements on the server when that disturbs nothing (same connection, no
  // transaction open); otherwise they go with the connection.
  ~PreparedStatements();
  PreparedStatements(const PreparedStatements&) = delete;
  PreparedStatements& operator=(const PreparedStatements&) = delete;

  soci::session& session() { return sql_; }
  // The session's PostgreSQL connection now; throws DatabaseError when it has none.
  PGconn* connection();

  // Runs the embedded SQL file `file` (as for sql_text) with `values` as its text parameters
  // (nullptr: NULL), preparing it first when this connection does not have it yet. A result
  // other than `expected` throws soci::postgresql_soci_error with the server's message and
  // SQLSTATE, as SOCI reports a database error; a statement the server lost (DEALLOCATE ALL,
  // DISCARD ALL: SQLSTATE 26000) is prepared again on its next use.
  PgResult execute(std::string_view file, int n_values, const char* const* values, ExecStatusType expected);
  // The same, with the commands `before` and `after` (without parameters, such as BEGIN and
  // COMMIT; nullptr for none) sent with it in one round trip (libpq pipeline mode). The first of
  // them to fail throws as execute does, and the ones after it do not run; a transaction the
  // caller began stays open (aborted, after a failure) for the caller to end. When the
  // connection fails on the way it may be left in pipeline mode: usable_connection() then says
  // no, and the session must be reopened.
  PgResult execute_between(const char* before, std::string_view file, int n_values, const char* const* values, ExecStatusType expected,
                           const char* after);

 private:
  struct Statement {
    std::string file;
    std::string name;
    bool prepared = false;
  };
  Statement& statement(std::string_view file);

  soci::session& sql_;
  unsigned long long serial_;       // makes the names unique among registries on one session
  std::vector<Statement> statements_;  // few: a linear search is the fastest lookup
  PGconn* conn_ = nullptr;          // the connection the statements were prepared on, and its server process
  int backend_pid_ = 0;
};

// Whether `conn` can take the next piece of work: open, out of pipeline mode and out of any
// transaction (between pieces of work, one still open means its end was lost). A pool
// reopens a connection that is not.
bool usable_connection(PGconn* conn);

// A failed libpq call on `conn` as SOCI reports a database error (soci::postgresql_soci_error,
// with the SQLSTATE), so callers that catch soci::soci_error or read the SQLSTATE see no
// difference. `r` may be null (the error is then the connection's).
[[noreturn]] void throw_database_error(PGconn* conn, const PGresult* r, std::string_view query);

}  // namespace persistence
