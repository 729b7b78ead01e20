#include "persistence/sheets.hpp"

#include <fmt/format.h>

#include "engine/errors.hpp"
#include "persistence/audit.hpp"
#include "pg_array.hpp"
#include "sql_files.hpp"

namespace persistence {

std::vector<model::SheetRecord> load_year_sheets(soci::session& sql, int year) {
  std::vector<model::SheetRecord> out;
  soci::rowset<soci::row> rows = (sql.prepare << sql_text("sheets/select_year.sql"), soci::use(year, "year"));
  for (const auto& r : rows) {
    model::SheetRecord s;
    s.id = r.get<long long>(0);
    s.year = year;
    s.sheet_no = r.get<int>(1);
    s.measure_key = r.get<std::string>(2);
    if (r.get_indicator(3) == soci::i_ok) s.grade = r.get<std::string>(3);
    s.state = r.get<std::string>(4);
    s.departments = parse_pg_array(r.get<std::string>(5));
    s.actions = r.get<std::string>(6);
    s.results = r.get<std::string>(7);
    s.next_steps = r.get<std::string>(8);
    s.version = r.get<int>(9);
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<FiscalYearRow> find_fiscal_year(soci::session& sql, int year) {
  FiscalYearRow row;
  sql << sql_text("sheets/select_fiscal_year.sql"), soci::use(year, "year"), soci::into(row.state), soci::into(row.plan_code);
  if (!sql.got_data()) return std::nullopt;
  return row;
}

namespace {

std::string grade_counts_json(const std::map<std::string, int>& counts) {
  std::string out = "{";
  for (const auto& [grade, n] : counts) {
    if (out.size() > 1) out += ',';
    // Grade codes are short identifiers from the plan file; quote defensively all the same.
    out += '"';
    for (char c : grade) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += fmt::format("\":{}", n);
  }
  return out + "}";
}

}  // namespace

ImportOutcome import_year(soci::session& sql, const ImportRequest& req) {
  ImportOutcome outcome;
  soci::transaction tx(sql);
  // Two imports of one year at once must not both see it empty.
  sql << "SELECT pg_advisory_xact_lock(CAST(:key AS bigint))", soci::use(static_cast<long long>(0x696d706f7274LL + req.year), "key");

  if (auto existing = find_fiscal_year(sql, req.year)) {
    auto stored = load_year_sheets(sql, req.year);
    std::map<int, const model::SheetRecord*> by_no;
    for (const auto& s : stored) by_no[s.sheet_no] = &s;
    std::vector<std::string> differences;
    for (const auto& s : req.sheets) {
      auto it = by_no.find(s.sheet_no);
      if (it == by_no.end()) differences.push_back(fmt::format("sheet {} is not in the database", s.sheet_no));
      else if (!it->second->same_content(s)) differences.push_back(fmt::format("sheet {} differs", s.sheet_no));
      by_no.erase(s.sheet_no);
    }
    for (const auto& [no, s] : by_no) differences.push_back(fmt::format("sheet {} is in the database but not in the file", no));
    if (differences.empty() && existing->state == "closed") return outcome;  // unchanged; the transaction rolls back
    std::string list;
    for (std::size_t k = 0; k < differences.size() && k < 10; ++k) list += "\n  " + differences[k];
    if (differences.size() > 10) list += fmt::format("\n  … and {} more", differences.size() - 10);
    throw engine::DomainError(fmt::format(
        "fiscal year {} already exists ({}) and holds other sheets than the file; an imported year is the published "
        "result and is not overwritten:{}",
        req.year, existing->state, list));
  }

  outcome.changed = true;
  outcome.sheets_created = static_cast<int>(req.sheets.size());
  if (req.dry_run) return outcome;

  {
    soci::statement st = (sql.prepare << sql_text("import/insert_fiscal_year.sql"), soci::use(req.year, "year"),
                          soci::use(req.plan_code, "plan_code"));
    st.execute(true);
    if (st.get_affected_rows() != 1) throw engine::DomainError(fmt::format("plan {:?} is not in the database: run `shinchoku migrate`", req.plan_code));
  }
  const std::string comment = fmt::format("imported from {}", req.file_name);
  {
    std::vector<int> sheet_nos;
    std::vector<std::string> measure_keys, actions, results, next_steps, departments;
    std::vector<std::optional<std::string>> grades;
    std::string state = req.sheets.empty() ? std::string("accepted") : req.sheets.front().state;
    for (const auto& s : req.sheets) {
      sheet_nos.push_back(s.sheet_no);
      measure_keys.push_back(s.measure_key);
      grades.push_back(s.grade);
      actions.push_back(s.actions);
      results.push_back(s.results);
      next_steps.push_back(s.next_steps);
      std::string joined;
      for (const auto& d : s.departments) joined += (joined.empty() ? "" : "\t") + d;
      departments.push_back(std::move(joined));
    }
    std::string sheet_nos_text = to_pg_array(sheet_nos), measure_keys_text = to_pg_array(measure_keys),
                grades_text = to_pg_array(grades), actions_text = to_pg_array(actions), results_text = to_pg_array(results),
                next_steps_text = to_pg_array(next_steps), departments_text = to_pg_array(departments);
    int created = 0, events = 0;
    // The statement sorts every sheet with its texts by number (for the events' order): in
    // memory, not in temporary files (15 MB for 10,000 sheets; the default work_mem is 4 MB).
    sql << "SET LOCAL work_mem = '64MB'";
    sql << sql_text("import/insert_sheets.sql"), soci::use(sheet_nos_text, "sheet_nos"), soci::use(measure_keys_text, "measure_keys"),
        soci::use(grades_text, "grades"), soci::use(actions_text, "actions"), soci::use(results_text, "results"),
        soci::use(next_steps_text, "next_steps"), soci::use(departments_text, "departments"),
        soci::use(req.plan_code, "plan_code"), soci::use(req.year, "year"), soci::use(state, "state"),
        soci::use(req.actor, "actor"), soci::use(comment, "comment"), soci::use(req.request_id, "request_id"),
        soci::into(created), soci::into(events);
    if (created != static_cast<int>(req.sheets.size()) || events != created) {
      throw engine::DomainError(fmt::format("only {} of {} sheets could be placed in the database's plan: run `shinchoku migrate` "
                                            "so that the database holds the structure file's measures", created, req.sheets.size()));
    }
  }
  long long import_id = 0;
  int sheets = static_cast<int>(req.sheets.size());
  std::string counts = grade_counts_json(req.grade_counts);
  sql << sql_text("import/insert_table_import.sql"), soci::use(req.year, "year"), soci::use(req.actor, "actor"),
      soci::use(req.file_name, "file_name"), soci::use(req.file_sha256, "file_sha256"), soci::use(sheets, "sheets"),
      soci::use(counts, "grade_counts"), soci::use(req.skipped_lines, "skipped_lines"), soci::use(req.warnings, "warnings"),
      soci::into(import_id);
  sql << sql_text("import/insert_import_event.sql"), soci::use(req.actor, "actor"), soci::use(req.year, "year"),
      soci::use(req.request_id, "request_id"), soci::use(import_id, "import_id");
  outcome.import_id = import_id;
  tx.commit();
  return outcome;
}

std::pair<long long, int> add_sheet(soci::session& sql, const std::string& plan_code, int year, const std::string& measure_key,
                                    const std::vector<std::string>& departments, int sheet_no, const std::string& initial_state,
                                    const SheetChange& change) {
  soci::transaction tx(sql);
  sql << "SELECT year FROM fiscal_year WHERE year = :year FOR UPDATE", soci::use(year, "year");
  auto fy = find_fiscal_year(sql, year);
  if (!fy) throw engine::DomainError(fmt::format("fiscal year {} does not exist", year));
  if (fy->state != "open") throw engine::DomainError(fmt::format("fiscal year {} is closed: sheets cannot be added", year));
  if (departments.empty()) throw engine::DomainError("a sheet needs at least one executing department");
  for (const auto& d : departments) {
    int found = 0;
    sql << "SELECT count(*) FROM department WHERE name = :name", soci::use(d, "name"), soci::into(found);
    if (found == 0) throw engine::DomainError(fmt::format("department {:?} does not exist", d));
  }
  std::string joined;
  for (const auto& d : departments) joined += (joined.empty() ? "" : "\t") + d;
  long long id = 0;
  int number = 0, version = 0;  // version: selected for the record; always 1 for a new sheet
  try {
    sql << sql_text("sheets/insert_sheet.sql"), soci::use(plan_code, "plan_code"), soci::use(measure_key, "measure_key"),
        soci::use(joined, "departments"), soci::use(year, "year"), soci::use(sheet_no, "sheet_no"), soci::use(initial_state, "state"),
        soci::into(id), soci::into(number), soci::into(version);
  } catch (const soci::soci_error& e) {
    std::string what = e.what();
    if (what.find("sheet_fiscal_year_sheet_no_key") != std::string::npos) {
      throw engine::DomainError(fmt::format("sheet number {} is already used in {}", sheet_no, year));
    }
    if (what.find("sheet_measure_id_fiscal_year_department_ids_key") != std::string::npos) {
      throw engine::DomainError(fmt::format("measure {} already has a sheet for these departments in {}", measure_key, year));
    }
    throw;
  }
  if (!sql.got_data()) throw engine::DomainError(fmt::format("measure {:?} is not in the plan", measure_key));
  const std::string comment = "added by a coordinator";
  sql << sql_text("sheets/insert_created_event.sql"), soci::use(change.actor, "actor"), soci::use(change.actor_grant, "actor_grant"),
      soci::use(comment, "comment"), soci::use(change.request_id, "request_id"), soci::use(id, "id");
  tx.commit();
  return {id, number};
}

void retire_sheet(soci::session& sql, long long sheet_id, int expected_version, const std::string& reason, const SheetChange& change) {
  soci::transaction tx(sql);
  int version = 0, retired = 0;
  std::string year_state;
  sql << "SELECT s.version, CAST(s.retired AS integer), y.state FROM sheet s JOIN fiscal_year y ON y.year = s.fiscal_year "
         "WHERE s.id = :id FOR UPDATE OF s FOR SHARE OF y",
      soci::use(sheet_id, "id"), soci::into(version), soci::into(retired), soci::into(year_state);
  if (!sql.got_data()) throw engine::DomainError(fmt::format("sheet id {} does not exist", sheet_id));
  if (year_state != "open") throw engine::DomainError("the sheet's fiscal year is closed: its sheets are read-only");
  if (retired) throw engine::DomainError("the sheet is already retired");
  if (version != expected_version) {
    throw engine::DomainError(fmt::format("the sheet is at version {}, not {}: reload it and decide again", version, expected_version));
  }
  int new_version = 0;
  sql << sql_text("sheets/retire_sheet.sql"), soci::use(sheet_id, "id"), soci::into(new_version);
  append_event(sql, {"sheet", std::to_string(sheet_id), "retire", change.actor, change.actor_grant,
                     {{"retired", {{"before", false}, {"after", true}}}, {"version", {{"before", version}, {"after", new_version}}}},
                     reason, change.request_id});
  tx.commit();
}

}  // namespace persistence
