#pragma once
// The published progress table (進捗状況一覧) as tab-separated text: reading it — the real
// FY2019 file is PDF text with shifted columns and merged-cell labels out of place — and
// writing it back with the hierarchy filled in on every row.
#include <string>
#include <string_view>
#include <vector>

#include "engine/errors.hpp"
#include "model/sheet.hpp"

namespace engine {

// The table's columns in the published order.
const std::vector<std::string>& progress_table_header();

struct TableIssue {
  int line = 0;
  std::string message;
};

// A malformed table: every problem found, each as `file:line: reason`.
class TableError : public DomainError {
 public:
  TableError(std::string file, std::vector<TableIssue> issues);
  const std::vector<TableIssue>& issues() const { return issues_; }

 private:
  std::vector<TableIssue> issues_;
};

struct ParsedSheet {
  model::SheetRecord sheet;
  int line = 0;
};

struct ParsedTable {
  std::vector<ParsedSheet> sheets;  // in file order
  int lines = 0;
  // Lines that are not sheets, by kind; counted, never imported.
  int blank_lines = 0;
  int legend_lines = 0;   // "A:達成 B:未達成 …", repeated on every page
  int header_lines = 0;   // the column header, repeated on every page
  int other_lines = 0;    // label fragments and notes (e.g. the p.155 ※社会福祉協議会 line)
  std::vector<TableIssue> warnings;
  int skipped() const { return blank_lines + legend_lines + header_lines + other_lines; }
};

// Reads the table for fiscal year `year`, matching each sheet to its measure through the
// plan's structure. Throws TableError (nothing partial) for: invalid UTF-8, an empty file, a
// wrong header, a grade outside the plan's scale, a duplicate or unknown sheet number, a row
// cut short before 主な実行課, a department the plan does not know. Rows the structure does not
// confirm and schedule cells read ambiguously become warnings. Sheets come out `accepted`.
ParsedTable parse_progress_table(std::string_view text, std::string_view file_name, const model::PlanSeed& plan, int year);

enum class TableFormat { tsv, csv };

// Writes the table with the hierarchy filled in on every row, sheets in the given order.
// TSV: UTF-8, LF, a cell holding a tab, a line break or a leading quote is quoted as in
// RFC 4180. CSV: UTF-8 with a byte-order mark, CRLF, RFC 4180 quoting, so Excel opens it right.
std::string write_progress_table(const std::vector<model::SheetView>& sheets, TableFormat format);

// The measure cell as the table writes it: "3 電話相談窓口の充実", with "(再掲)" for a relisting.
std::string measure_cell(const model::Measure& m);

}  // namespace engine
