#pragma once
// engine::SheetStore on PostgreSQL: one SOCI transaction per command, the sheet locked with
// SELECT … FOR UPDATE, its row and its audit event written together.
#include <memory>

#include <boost/json.hpp>
#include <soci/soci.h>

#include "engine/sheet_commands.hpp"
#include "persistence/prepared.hpp"

namespace persistence {

// Keeps its statements prepared on the session's connection (PreparedStatements: libpq named
// prepared statements, parsed once, planned once PostgreSQL settles on a generic plan, never
// deallocated between commands), so a command is four round trips: BEGIN, the lock (which
// also reads last year's values), the sheet's update with its event in one statement, COMMIT.
// Made on a session it keeps a registry of its own; made on a registry (one per pooled
// session, shared with the session's other statements) it uses that one. It must not outlive
// the session or the registry. When the session reconnects, the statements are prepared again
// on the new connection before their next use. Not thread-safe, like the session.
class PgSheetStore : public engine::SheetStore {
 public:
  explicit PgSheetStore(soci::session& sql);
  explicit PgSheetStore(PreparedStatements& statements);
  ~PgSheetStore() override;
  PgSheetStore(const PgSheetStore&) = delete;
  PgSheetStore& operator=(const PgSheetStore&) = delete;
  std::unique_ptr<engine::SheetUnitOfWork> begin() override;

 private:
  std::unique_ptr<PreparedStatements> owned_;
  PreparedStatements& statements_;
};

// A sheet as it is now, without locking it, with last year's grade and 今後の方針 for reference.
struct SheetDetails {
  engine::SheetState state;
  std::optional<std::string> previous_grade;
  std::optional<std::string> previous_next_steps;
};
std::optional<SheetDetails> find_sheet(soci::session& sql, const engine::SheetRef& ref);
// The same by id, on a statement kept prepared (select_sheet_by_id.sql): one round trip, no
// planning once the connection has run it a few times.
std::optional<SheetDetails> find_sheet(PreparedStatements& statements, long long id);
// The sheets with these ids, by year and sheet number (unknown ids are left out).
std::vector<SheetDetails> find_sheets(soci::session& sql, const std::vector<long long>& ids);

// A page of the sheet list: every filter optional, readable rows only (see query_sheets.sql).
struct SheetFilter {
  std::optional<int> year;
  std::optional<std::string> department;  // code or Japanese name
  std::optional<std::string> state;
  std::optional<std::string> grade;
  std::optional<int> sheet_no;
  std::optional<std::string> q;           // a plain substring of the texts or the measure's title
  bool all_access = false;                // else: the final state's sheets and those of `departments`
  std::vector<std::string> departments;
  std::string final_state;
  std::optional<std::pair<int, int>> after;  // (year, sheet_no) the page starts after
  int limit = 50;
};
std::vector<long long> query_sheet_ids(soci::session& sql, const SheetFilter& filter);
// The ids of a measure's sheets in every year, by year and number.
std::vector<long long> measure_sheet_ids(soci::session& sql, const std::string& measure_key);

// The audit trail's JSON for a field value.
boost::json::value to_json(const model::FieldValue& v);

}  // namespace persistence
