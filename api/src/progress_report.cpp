#include "api/progress_report.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>

#include <unistd.h>

#include <fmt/format.h>
#include <xlsxwriter.h>

#include "engine/progress_table.hpp"
#include "model/fiscal_year.hpp"

namespace api {
namespace {

namespace json = boost::json;

json::value string_or_null(const std::optional<std::string>& s) {
  if (!s || s->empty()) return nullptr;
  return json::string(*s);
}

json::value int_or_null(const std::optional<int>& n) {
  if (!n) return nullptr;
  return *n;
}

json::array string_array(const std::vector<std::string>& items) {
  json::array out;
  out.reserve(items.size());
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

const model::Measure& measure_of(const model::SheetView& v) {
  if (v.measure == nullptr) {
    throw std::invalid_argument(fmt::format("sheet {} of {} has no measure; make views with model::make_views", v.sheet.sheet_no, v.sheet.year));
  }
  return *v.measure;
}

// Stable, so that equal sheet numbers (which a year does not have) keep the caller's order.
std::vector<model::SheetView> sorted_by_sheet_no(const std::vector<model::SheetView>& views) {
  std::vector<model::SheetView> out = views;
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.sheet.sheet_no < b.sheet.sheet_no; });
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += separator;
    out += s;
  }
  return out;
}

// ---- XLSX ----------------------------------------------------------------------------------

// Column widths in Excel's units (about one Latin character; a kanji takes about two). The
// table prints on A3 landscape scaled to one page wide, so the widths are what the columns
// need to read, not more: narrow for R1–R5, grade, sheet number and page; wide for the three
// texts; medium for the labels and department lists.
struct ColumnWidth {
  lxw_col_t first;
  lxw_col_t last;
  double width;
};
constexpr ColumnWidth kColumnWidths[] = {
    {0, 2, 16},    // 基本戦略, 施策細目, 重点施策
    {3, 3, 22},    // 重点事項・重点的取組 (the measure)
    {4, 4, 6},     // 掲載頁
    {5, 5, 18},    // 関係課
    {6, 10, 7},    // R1 … R5
    {11, 11, 6},   // 自己評価
    {12, 12, 6},   // シート頁
    {13, 13, 14},  // 主な実行課
    {14, 16, 45},  // 取組内容, 成果, 今後の方針
};
constexpr std::size_t kColumns = 17;
constexpr std::uint8_t kPaperA3 = 8;

void check(lxw_error error, std::string_view what) {
  if (error != LXW_NO_ERROR) throw std::runtime_error(fmt::format("xlsx: {}: {}", what, lxw_strerror(error)));
}

// A cell of the table: text, a number, or blank.
struct Cell {
  std::optional<std::string> text;
  std::optional<double> number;
};

Cell text_cell(std::string s) {
  Cell c;
  if (!s.empty()) c.text = std::move(s);
  return c;
}

Cell number_cell(std::optional<int> n) {
  Cell c;
  if (n) c.number = *n;
  return c;
}

// The row in the columns of engine::progress_table_header(), as write_progress_table fills them.
std::vector<Cell> table_row(const model::SheetView& v) {
  const auto& m = measure_of(v);
  std::vector<Cell> cells;
  cells.reserve(kColumns);
  cells.push_back(text_cell(v.strategy));
  cells.push_back(text_cell(v.policy));
  cells.push_back(text_cell(v.focus.value_or("")));
  cells.push_back(text_cell(engine::measure_cell(m)));
  cells.push_back(number_cell(m.plan_page));
  cells.push_back(text_cell(join(m.related_departments, "・")));
  for (std::size_t k = 0; k < 5; ++k) cells.push_back(text_cell(k < v.schedule.size() ? v.schedule[k].second.value_or("") : ""));
  cells.push_back(text_cell(v.sheet.grade.value_or("")));
  cells.push_back(number_cell(v.sheet.sheet_no));
  cells.push_back(text_cell(join(v.sheet.departments, " ")));
  cells.push_back(text_cell(v.sheet.actions));
  cells.push_back(text_cell(v.sheet.results));
  cells.push_back(text_cell(v.sheet.next_steps));
  return cells;
}

// libxlsxwriter 1.1.4 writes only to a named file (no in-memory output), so the workbook goes
// to a private temporary file that is removed on every path.
class TempFile {
 public:
  TempFile() {
    auto pattern = (std::filesystem::temp_directory_path() / "shinchoku-report-XXXXXX.xlsx").string();
    int fd = ::mkstemps(pattern.data(), 5);
    if (fd < 0) throw std::runtime_error(fmt::format("xlsx: cannot create a temporary file in {}", std::filesystem::temp_directory_path().string()));
    ::close(fd);
    path_ = std::move(pattern);
  }
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) throw std::runtime_error(fmt::format("xlsx: cannot read back {}", path));
  return bytes;
}

struct WorkbookFree {
  void operator()(lxw_workbook* wb) const { lxw_workbook_free(wb); }
};

void write_sheet(lxw_workbook* wb, int year, const std::vector<model::SheetView>& views) {
  const std::string name = model::FiscalYear(year).label() + " 進捗状況";
  check(workbook_validate_sheet_name(wb, name.c_str()), fmt::format("worksheet name {:?}", name));
  lxw_worksheet* ws = workbook_add_worksheet(wb, name.c_str());
  if (ws == nullptr) throw std::runtime_error(fmt::format("xlsx: cannot add the worksheet {:?}", name));

  lxw_format* body = workbook_add_format(wb);
  lxw_format* header = workbook_add_format(wb);
  if (body == nullptr || header == nullptr) throw std::runtime_error("xlsx: cannot add a cell format");
  for (lxw_format* f : {body, header}) {
    format_set_text_wrap(f);
    format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
  }
  format_set_bold(header);

  for (const auto& c : kColumnWidths) check(worksheet_set_column(ws, c.first, c.last, c.width, body), "column width");

  const auto& names = engine::progress_table_header();
  for (std::size_t k = 0; k < names.size(); ++k) {
    check(worksheet_write_string(ws, 0, static_cast<lxw_col_t>(k), names[k].c_str(), header), fmt::format("header cell {}", names[k]));
  }
  lxw_row_t row = 1;
  for (const auto& v : views) {
    auto cells = table_row(v);
    for (std::size_t k = 0; k < cells.size(); ++k) {
      const auto col = static_cast<lxw_col_t>(k);
      const auto where = [&] { return fmt::format("sheet {}, column {}", v.sheet.sheet_no, names[k]); };
      if (cells[k].number) {
        check(worksheet_write_number(ws, row, col, *cells[k].number, body), where());
      } else if (cells[k].text) {
        check(worksheet_write_string(ws, row, col, cells[k].text->c_str(), body), where());
      }
    }
    ++row;
  }

  worksheet_freeze_panes(ws, 1, 0);
  check(worksheet_autofilter(ws, 0, 0, row - 1, static_cast<lxw_col_t>(kColumns - 1)), "autofilter");
  worksheet_set_landscape(ws);
  worksheet_set_paper(ws, kPaperA3);
  worksheet_fit_to_pages(ws, 1, 0);
  check(worksheet_repeat_rows(ws, 0, 0), "repeated header row");
}

}  // namespace

std::optional<ReportFormat> parse_report_format(std::string_view text) {
  if (text == "json") return ReportFormat::json;
  if (text == "tsv") return ReportFormat::tsv;
  if (text == "csv") return ReportFormat::csv;
  if (text == "xlsx") return ReportFormat::xlsx;
  return std::nullopt;
}

std::string_view content_type(ReportFormat format) {
  switch (format) {
    case ReportFormat::json:
      return "application/json; charset=utf-8";
    case ReportFormat::tsv:
      return "text/tab-separated-values; charset=utf-8";
    case ReportFormat::csv:
      return "text/csv; charset=utf-8";
    case ReportFormat::xlsx:
      return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  }
  return "application/octet-stream";
}

json::object sheet_json(const model::SheetView& v) {
  const auto& m = measure_of(v);

  json::object schedule;
  for (const auto& [label, milestone] : v.schedule) schedule[label] = string_or_null(milestone);

  json::value relisted = nullptr;
  if (v.relisted_from) {
    json::array sheet_nos;
    for (int n : v.relisted_from->sheet_nos) sheet_nos.emplace_back(n);
    relisted = json::object{{"title", v.relisted_from->title},
                            {"plan_page", int_or_null(v.relisted_from->plan_page)},
                            {"sheet_nos", std::move(sheet_nos)}};
  }

  json::object measure;
  measure["number"] = int_or_null(m.number);
  measure["title"] = m.title;
  measure["plan_page"] = int_or_null(m.plan_page);
  measure["lead_department"] = string_or_null(v.lead_department);
  measure["related_departments"] = string_array(m.related_departments);
  measure["schedule"] = std::move(schedule);
  measure["relisted_from"] = std::move(relisted);

  json::object out;
  out["sheet_no"] = v.sheet.sheet_no;
  out["year"] = v.sheet.year;
  out["grade"] = string_or_null(v.sheet.grade);
  out["state"] = v.sheet.state;
  out["departments"] = string_array(v.sheet.departments);
  out["actions"] = v.sheet.actions;
  out["results"] = v.sheet.results;
  out["next_steps"] = v.sheet.next_steps;
  out["strategy"] = v.strategy;
  out["policy"] = v.policy;
  out["focus"] = string_or_null(v.focus);
  out["measure"] = std::move(measure);
  return out;
}

std::string progress_json(int year, const std::vector<model::SheetView>& views) {
  json::array sheets;
  sheets.reserve(views.size());
  for (const auto& v : sorted_by_sheet_no(views)) sheets.emplace_back(sheet_json(v));
  json::object out;
  out["year"] = year;
  out["sheets"] = std::move(sheets);
  return json::serialize(out);
}

std::string progress_xlsx(int year, const std::vector<model::SheetView>& views) {
  TempFile file;
  std::unique_ptr<lxw_workbook, WorkbookFree> wb(workbook_new(file.path().c_str()));
  if (!wb) throw std::runtime_error(fmt::format("xlsx: cannot create a workbook at {}", file.path()));
  // A fixed creation time (the fiscal year's first day, 00:00 JST) instead of now, so that the
  // same table gives the same bytes every time: the API's report equals the CLI's export.
  lxw_doc_properties properties{};
  properties.created = std::chrono::system_clock::to_time_t(
      std::chrono::sys_days(std::chrono::year(year) / std::chrono::March / 31) + std::chrono::hours(15));
  check(workbook_set_properties(wb.get(), &properties), "setting the workbook's properties");
  write_sheet(wb.get(), year, sorted_by_sheet_no(views));
  // workbook_close writes the file and frees the workbook, whether it succeeds or not.
  check(workbook_close(wb.release()), fmt::format("writing {}", file.path()));
  return read_file(file.path());
}

std::string render_progress(ReportFormat format, int year, const std::vector<model::SheetView>& views) {
  switch (format) {
    case ReportFormat::json:
      return progress_json(year, views);
    case ReportFormat::tsv:
      return engine::write_progress_table(sorted_by_sheet_no(views), engine::TableFormat::tsv);
    case ReportFormat::csv:
      return engine::write_progress_table(sorted_by_sheet_no(views), engine::TableFormat::csv);
    case ReportFormat::xlsx:
      return progress_xlsx(year, views);
  }
  throw std::invalid_argument("unknown report format");
}

}  // namespace api
