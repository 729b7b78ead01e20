#include "persistence/sheets.hpp"

#include <fmt/format.h>

#include "engine/errors.hpp"
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
  for (const auto& s : req.sheets) {
    long long id = 0;
    std::string departments = to_pg_array(s.departments);
    std::string grade = s.grade.value_or("");
    soci::indicator grade_ind = s.grade ? soci::i_ok : soci::i_null;
    sql << sql_text("import/insert_sheet.sql"), soci::use(s.year, "year"), soci::use(s.sheet_no, "sheet_no"),
        soci::use(grade, grade_ind, "grade"), soci::use(s.actions, "actions"), soci::use(s.results, "results"),
        soci::use(s.next_steps, "next_steps"), soci::use(s.state, "state"), soci::use(req.plan_code, "plan_code"),
        soci::use(departments, "departments"), soci::use(s.measure_key, "measure_key"), soci::into(id);
    if (!sql.got_data()) throw engine::DomainError(fmt::format("sheet {}: measure {:?} is not in the database", s.sheet_no, s.measure_key));
    sql << sql_text("import/insert_sheet_created_event.sql"), soci::use(req.actor, "actor"), soci::use(comment, "comment"),
        soci::use(req.request_id, "request_id"), soci::use(id, "sheet_id");
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

}  // namespace persistence
