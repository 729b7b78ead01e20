#pragma once
// Sheets of a fiscal year, and the import of a published progress table.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <soci/soci.h>

#include "model/sheet.hpp"

namespace persistence {

// The sheets of a fiscal year, by sheet number; empty when the year does not exist.
std::vector<model::SheetRecord> load_year_sheets(soci::session& sql, int year);

struct FiscalYearRow {
  std::string state;      // open | closed
  std::string plan_code;
};
std::optional<FiscalYearRow> find_fiscal_year(soci::session& sql, int year);

struct ImportRequest {
  std::string plan_code;
  int year = 0;
  std::string actor;       // cli:<os user> or --actor
  std::string request_id;
  std::string file_name;
  std::string file_sha256;
  std::vector<model::SheetRecord> sheets;
  std::map<std::string, int> grade_counts;
  int skipped_lines = 0;
  int warnings = 0;
  bool dry_run = false;
};

struct ImportOutcome {
  bool changed = false;          // false: the year already holds exactly these sheets
  int sheets_created = 0;
  std::optional<long long> import_id;
};

// Loads a published year in one transaction: the fiscal year (closed), its sheets, a creation
// event per sheet with its full values, the import's record and its event. When the year
// already holds exactly these sheets nothing is written; when it holds different ones the
// import is refused (engine::DomainError) with the sheets that differ. A dry run decides the
// same and writes nothing.
ImportOutcome import_year(soci::session& sql, const ImportRequest& request);

struct SheetChange {
  std::string actor;
  std::string actor_grant;
  std::string request_id;
};

// Adds a sheet for a measure and its executing departments to an open year (a coordinator's
// job), as a draft in `initial_state`, audited with all its values. `sheet_no` 0 takes the next
// free number. Refuses a closed or missing year, an unknown measure or department, a second
// sheet for the same measure and departments, a number already used. Returns its id and number.
std::pair<long long, int> add_sheet(soci::session& sql, const std::string& plan_code, int year, const std::string& measure_key,
                                    const std::vector<std::string>& departments, int sheet_no, const std::string& initial_state,
                                    const SheetChange& change);

// Retires a sheet of an open year: kept for history, not carried into the next year. Audited
// with the reason.
void retire_sheet(soci::session& sql, long long sheet_id, int expected_version, const std::string& reason, const SheetChange& change);

}  // namespace persistence
