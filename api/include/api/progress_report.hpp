#pragma once
// The progress report of a fiscal year (進捗状況一覧) in the formats the CLI export and the
// HTTP report both offer. Both call render_progress, so they give the same bytes.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "model/sheet.hpp"

namespace api {

enum class ReportFormat { json, tsv, csv, xlsx };

// "json", "tsv", "csv" or "xlsx" (exactly, lower case); nullopt for anything else.
std::optional<ReportFormat> parse_report_format(std::string_view text);

// The HTTP Content-Type of each format; the text formats are UTF-8.
std::string_view content_type(ReportFormat format);

// One sheet as DESIGN.md §5 shows it, keys in that order: sheet_no, year, grade, state,
// departments, actions, results, next_steps, strategy, policy, focus, measure {number, title,
// plan_page, lead_department, related_departments, schedule, relisted_from}. An empty grade,
// a missing focus, number, plan page or lead department is null; texts are kept as they are
// ("" stays ""). Throws std::invalid_argument for a view without its measure.
boost::json::object sheet_json(const model::SheetView& v);

// {"year":2019,"sheets":[...]} with the sheets sorted by sheet number (stable). One line of
// UTF-8 with Japanese unescaped, no trailing line break (a caller printing to a terminal adds
// its own). The caller passes the sheets of `year`; each sheet keeps its own "year".
std::string progress_json(int year, const std::vector<model::SheetView>& views);

// The bytes of an .xlsx workbook with one worksheet, "令和元年度 進捗状況": the columns of
// engine::progress_table_header(), one row per sheet sorted by sheet number, as a
// coordinator would print it (A3 landscape, one page wide, header repeated and frozen,
// autofilter, wrapped and top-aligned text). Sheet numbers and plan pages are numbers; empty
// cells are blank. Throws std::runtime_error when libxlsxwriter fails (the message says why).
std::string progress_xlsx(int year, const std::vector<model::SheetView>& views);

// One entry point the CLI export and the HTTP report both call, so they give the same bytes:
// json -> progress_json; tsv, csv -> engine::write_progress_table of the views sorted by
// sheet number; xlsx -> progress_xlsx.
std::string render_progress(ReportFormat format, int year, const std::vector<model::SheetView>& views);

}  // namespace api
