#include "persistence/prepared.hpp"

#include <soci/postgresql/soci-postgresql.h>

#include <atomic>
#include <cstring>

#include <fmt/format.h>

#include "persistence/connection.hpp"
#include "sql_files.hpp"

namespace persistence {

namespace {

PGconn* connection_of(soci::session& sql) {
  if (sql.get_backend() == nullptr || sql.get_backend_name() != "postgresql") return nullptr;
  return static_cast<soci::postgresql_session_backend*>(sql.get_backend())->conn_;
}

}  // namespace

void throw_database_error(PGconn* conn, const PGresult* r, std::string_view query) {
  std::string reason = r != nullptr ? PQresultErrorMessage(r) : PQerrorMessage(conn);
  while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
  if (reason.empty() && r != nullptr) reason = fmt::format("unexpected result {}", PQresStatus(PQresultStatus(r)));
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  if (state == nullptr || std::strlen(state) != 5) state = PQstatus(conn) == CONNECTION_OK ? "XX000" : "08006";
  throw soci::postgresql_soci_error(fmt::format("{}: {}", query, reason), state);
}

bool usable_connection(PGconn* conn) {
  return conn != nullptr && PQstatus(conn) == CONNECTION_OK && PQpipelineStatus(conn) == PQ_PIPELINE_OFF &&
         PQtransactionStatus(conn) == PQTRANS_IDLE;
}

PreparedStatements::PreparedStatements(soci::session& sql) : sql_(sql) {
  static std::atomic<unsigned long long> registries{0};
  serial_ = ++registries;
}

PreparedStatements::~PreparedStatements() {
  PGconn* c = connection_of(sql_);
  if (c == nullptr || c != conn_ || PQbackendPID(c) != backend_pid_ || !usable_connection(c)) return;
  std::string text;
  for (const auto& s : statements_) {
    if (s.prepared) text += fmt::format("DEALLOCATE {};", s.name);
  }
  if (!text.empty()) PQclear(PQexec(c, text.c_str()));
}

PGconn* PreparedStatements::connection() {
  PGconn* c = connection_of(sql_);
  if (c == nullptr) throw DatabaseError("prepared statements need an open PostgreSQL session");
  const int pid = PQbackendPID(c);
  if (c != conn_ || pid != backend_pid_) {
    conn_ = c;
    backend_pid_ = pid;
    for (auto& s : statements_) s.prepared = false;
  }
  return c;
}

PreparedStatements::Statement& PreparedStatements::statement(std::string_view file) {
  for (auto& s : statements_) {
    if (s.file == file) return s;
  }
  sql_text(file);  // a name that was not embedded is a build mistake: say so now
  statements_.push_back({std::string(file), fmt::format("shinchoku_{}_{}", serial_, statements_.size()), false});
  return statements_.back();
}

PgResult PreparedStatements::execute(std::string_view file, int n_values, const char* const* values, ExecStatusType expected) {
  PGconn* c = connection();
  Statement& s = statement(file);
  if (!s.prepared) {
    PgResult r(PQprepare(c, s.name.c_str(), sql_text(file).c_str(), 0, nullptr));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) throw_database_error(c, r.get(), file);
    s.prepared = true;
  }
  PgResult r(PQexecPrepared(c, s.name.c_str(), n_values, values, nullptr, nullptr, 0));
  if (PQresultStatus(r.get()) != expected) {
    const char* state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
    if (state != nullptr && std::string_view(state) == "26000") s.prepared = false;
    throw_database_error(c, r.get(), file);
  }
  return r;
}

PgResult PreparedStatements::execute_between(const char* before, std::string_view file, int n_values, const char* const* values,
                                             ExecStatusType expected, const char* after) {
  PGconn* c = connection();
  Statement& s = statement(file);
  const bool prepare = !s.prepared;
  auto send_command = [&](const char* text) { return PQsendQueryParams(c, text, 0, nullptr, nullptr, nullptr, nullptr, 0); };
  const bool sent = PQenterPipelineMode(c) == 1 && (before == nullptr || send_command(before) == 1) &&
                    (!prepare || PQsendPrepare(c, s.name.c_str(), sql_text(file).c_str(), 0, nullptr) == 1) &&
                    PQsendQueryPrepared(c, s.name.c_str(), n_values, values, nullptr, nullptr, 0) == 1 &&
                    (after == nullptr || send_command(after) == 1) && PQpipelineSync(c) == 1;
  // The connection failed mid-way: its error, taken before leaving pipeline mode (which may
  // fail and replace it). A connection left in pipeline mode or in a transaction is reopened
  // by its pool (see the header).
  auto connection_failed = [&]() {
    const std::string reason = PQerrorMessage(c);
    PQexitPipelineMode(c);
    throw soci::postgresql_soci_error(fmt::format("{}: {}", file, reason.empty() ? "the connection failed in pipeline mode" : reason),
                                      PQstatus(c) == CONNECTION_OK ? "XX000" : "08006");
  };
  if (!sent) connection_failed();
  // Every result is read up to the sync, even after a failure, so that the connection leaves
  // pipeline mode clean; the first failure is thrown after that.
  enum Step { kBefore, kPrepare, kStatement, kAfter };
  std::vector<Step> steps;
  if (before != nullptr) steps.push_back(kBefore);
  if (prepare) steps.push_back(kPrepare);
  steps.push_back(kStatement);
  if (after != nullptr) steps.push_back(kAfter);
  PgResult result, failure;
  bool lost = false;
  for (Step step : steps) {
    PgResult r(PQgetResult(c));
    if (!r) {
      lost = true;
      break;
    }
    while (PGresult* extra = PQgetResult(c)) PQclear(extra);  // the end of this command's results
    const ExecStatusType status = PQresultStatus(r.get());
    const ExecStatusType wanted = step == kStatement ? expected : PGRES_COMMAND_OK;
    if (status == wanted) {
      if (step == kPrepare) s.prepared = true;
      if (step == kStatement) result = std::move(r);
    } else if (!failure && status != PGRES_PIPELINE_ABORTED) {
      const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
      if (step == kStatement && state != nullptr && std::string_view(state) == "26000") s.prepared = false;
      failure = std::move(r);
    }
  }
  if (!lost) {
    PgResult sync(PQgetResult(c));
    lost = !sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC;
  }
  if (lost) connection_failed();
  PQexitPipelineMode(c);
  if (failure) throw_database_error(c, failure.get(), file);
  if (!result) throw_database_error(c, nullptr, file);
  return result;
}

}  // namespace persistence
