#include "engine/progress_table.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include <fmt/format.h>

#include "model/fiscal_year.hpp"
#include "model/text.hpp"

namespace engine {
namespace {

// Column positions of the published header (0-based).
constexpr std::size_t kGradeColumn = 11;
// The real file shifts rows by columns either way: the grade sits from the 9th to the 23rd cell.
constexpr std::size_t kFirstGradeColumn = 8;
constexpr std::size_t kLastGradeColumn = 22;

struct Record {
  int line = 0;  // line of the record's first character
  std::vector<std::string> cells;
};

// Splits tab-separated text into records. A cell that begins with '"' is quoted as in RFC 4180
// ("" for a quote; tabs and line breaks inside): our own exports quote such cells; the
// published table has none.
std::vector<Record> split_records(std::string_view text) {
  std::vector<Record> out;
  int line = 1;
  std::size_t i = 0;
  while (i <= text.size()) {
    Record r;
    r.line = line;
    std::string cell;
    bool end_of_record = false;
    while (!end_of_record) {
      if (i < text.size() && text[i] == '"' && cell.empty()) {
        ++i;
        while (i < text.size()) {
          if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              cell += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') ++line;
          cell += text[i++];
        }
      }
      if (i >= text.size()) {
        r.cells.push_back(std::move(cell));
        end_of_record = true;
        ++i;
      } else if (text[i] == '\t') {
        r.cells.push_back(std::move(cell));
        cell.clear();
        ++i;
      } else if (text[i] == '\n' || text[i] == '\r') {
        r.cells.push_back(std::move(cell));
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        ++i;
        ++line;
        end_of_record = true;
      } else {
        cell += text[i++];
      }
    }
    out.push_back(std::move(r));
  }
  // A final line break does not start a record.
  if (!out.empty() && out.back().cells.size() == 1 && out.back().cells[0].empty() && text.ends_with('\n')) out.pop_back();
  return out;
}

std::optional<int> positive_integer(std::string_view s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty() || v <= 0) return std::nullopt;
  return v;
}

bool looks_like_grade(std::string_view s, const model::GradeScale& scale) {
  if (scale.contains(s)) return true;
  // Catch a wrong grade ("E") as a grade, so that it is refused rather than skipped.
  return s.size() == 1 && s[0] >= 'A' && s[0] <= 'Z';
}

// Splits 主な実行課 ("地域福祉課 生活自立支援課") on ASCII and ideographic spaces.
std::vector<std::string> split_departments(std::string_view s) {
  std::vector<std::string> out;
  std::string current;
  auto flush = [&] {
    auto t = model::trim(current);
    if (!t.empty()) out.emplace_back(t);
    current.clear();
  };
  constexpr std::string_view kIdeographicSpace = "\u3000";
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == ' ' || s[i] == '\t') {
      flush();
      ++i;
    } else if (s.substr(i).starts_with(kIdeographicSpace)) {
      flush();
      i += kIdeographicSpace.size();
    } else {
      current += s[i++];
    }
  }
  flush();
  return out;
}

int line_of_offset(std::string_view text, std::size_t offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

std::string schedule_text(const model::PlanSeed& plan, const model::Measure& m) {
  std::string out;
  for (std::size_t k = 0; k < m.schedule.size(); ++k) {
    if (m.schedule[k].empty()) continue;
    if (!out.empty()) out += ", ";
    out += fmt::format("{}={}", model::FiscalYear(plan.plan.first_year + static_cast<int>(k)).short_label(), m.schedule[k]);
  }
  return out.empty() ? "no milestones" : out;
}

}  // namespace

const std::vector<std::string>& progress_table_header() {
  static const std::vector<std::string> header = {
      "基本戦略", "施策細目", "重点施策", "重点事項・重点的取組", "掲載頁", "関係課 (赤字取りまとめ課)",
      "R1", "R2", "R3", "R4", "R5", "自己評価", "シート頁", "主な実行課", "取組内容", "成果", "今後の方針"};
  return header;
}

TableError::TableError(std::string file, std::vector<TableIssue> issues)
    : DomainError([&] {
        std::string m;
        for (const auto& i : issues) {
          if (!m.empty()) m += '\n';
          m += fmt::format("{}:{}: {}", file, i.line, i.message);
        }
        return m;
      }()),
      issues_(std::move(issues)) {}

std::string measure_cell(const model::Measure& m) {
  if (m.incomplete && m.title.empty()) return {};
  std::string out = m.number ? fmt::format("{} {}", *m.number, m.title) : m.title;
  if (m.relisted_from) out += "(再掲)";
  return out;
}

ParsedTable parse_progress_table(std::string_view text, std::string_view file_name, const model::PlanSeed& plan, int year) {
  const std::string file(file_name);
  if (auto bad = model::first_invalid_utf8(text); bad != std::string_view::npos) {
    throw TableError(file, {{line_of_offset(text, bad), fmt::format("invalid UTF-8 (byte 0x{:02X}); the table must be UTF-8",
                                                                    static_cast<unsigned char>(text[bad]))}});
  }
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  if (model::trim(text).empty()) throw TableError(file, {{1, "the file is empty"}});

  const model::GradeScale scale(plan.plan.grades);
  std::map<std::string, std::string, std::less<>> department_names;  // name or alias -> name
  for (const auto& d : plan.departments) {
    department_names[d.name] = d.name;
    for (const auto& a : d.aliases) department_names[a] = d.name;
  }
  std::map<int, const model::Measure*> measure_of_sheet;
  for (const auto& m : plan.structure.measures) {
    for (int n : m.sheets) measure_of_sheet[n] = &m;
  }
  const auto& header = progress_table_header();

  ParsedTable out;
  std::vector<TableIssue> errors;
  std::map<int, int> line_of_sheet;
  std::set<const model::Measure*> warned_schedule;
  bool header_seen = false;

  auto records = split_records(text);
  out.lines = records.empty() ? 0 : records.back().line;
  for (auto& record : records) {
    auto& cells = record.cells;
    for (auto& c : cells) c = std::string(model::trim(c));
    while (!cells.empty() && cells.back().empty()) cells.pop_back();
    const int line = record.line;

    if (cells.empty()) {
      ++out.blank_lines;
      continue;
    }
    if (cells.size() == 1 && !scale.grades().empty() && cells[0].starts_with(scale.grades().front().code + ":")) {
      ++out.legend_lines;
      continue;
    }
    if (cells[0] == header.front()) {
      if (cells != header) {
        std::string why;
        for (std::size_t k = 0; k < std::max(cells.size(), header.size()); ++k) {
          std::string got = k < cells.size() ? cells[k] : "";
          std::string want = k < header.size() ? header[k] : "";
          if (got != want) {
            why = fmt::format("column {} is {:?}, expected {:?}", k + 1, got, want);
            break;
          }
        }
        errors.push_back({line, fmt::format("wrong header: {}", why)});
      }
      header_seen = true;
      ++out.header_lines;
      continue;
    }

    // A sheet row: grade, sheet number, executing departments, then the three texts.
    std::optional<std::size_t> at;
    auto sheet_pattern = [&](std::size_t i, bool allow_empty_grade) {
      if (i + 1 >= cells.size() || !positive_integer(cells[i + 1])) return false;
      return (allow_empty_grade && cells[i].empty()) || looks_like_grade(cells[i], scale);
    };
    // The header's own columns first, when 主な実行課 there names known departments: our exports
    // and clean tables. An ungraded sheet can only be told this way.
    auto names_known_departments = [&](std::size_t k) {
      if (k >= cells.size()) return false;
      auto names = split_departments(cells[k]);
      return !names.empty() && std::all_of(names.begin(), names.end(), [&](const auto& n) { return department_names.contains(n); });
    };
    if (sheet_pattern(kGradeColumn, true) && names_known_departments(kGradeColumn + 2)) at = kGradeColumn;
    // Then the PDF's shifted rows: the grade anywhere from the 9th to the 23rd cell.
    for (std::size_t i = kFirstGradeColumn; i <= kLastGradeColumn && !at; ++i) {
      if (sheet_pattern(i, false)) at = i;
    }
    if (!at) {
      ++out.other_lines;
      continue;
    }
    if (!header_seen) {
      errors.push_back({line, fmt::format("a sheet row before the header line (expected a header starting {:?})", header.front())});
      header_seen = true;  // say it once
    }
    const std::size_t i = *at;
    const int sheet_no = *positive_integer(cells[i + 1]);
    const std::string& grade = cells[i];
    std::size_t errors_before = errors.size();

    if (!grade.empty() && !scale.contains(grade)) {
      errors.push_back({line, fmt::format("sheet {}: grade {:?} is not one of {}", sheet_no, grade, scale.codes_for_message())});
    }
    if (auto [it, inserted] = line_of_sheet.emplace(sheet_no, line); !inserted) {
      errors.push_back({line, fmt::format("sheet {} appears twice (first on line {})", sheet_no, it->second)});
    }
    const model::Measure* measure = nullptr;
    if (auto it = measure_of_sheet.find(sheet_no); it != measure_of_sheet.end()) {
      measure = it->second;
    } else {
      errors.push_back({line, fmt::format("sheet {} is not in the plan's structure file: add it there first", sheet_no)});
    }
    if (i + 2 >= cells.size() || cells[i + 2].empty()) {
      errors.push_back({line, fmt::format("sheet {}: the row is cut short before 主な実行課 (executing departments)", sheet_no)});
      continue;
    }
    if (cells.size() > i + 6) {
      errors.push_back({line, fmt::format("sheet {}: unexpected cell {:?} after 今後の方針 (column {})", sheet_no,
                                          cells[i + 6].substr(0, 60), i + 7)});
    }
    std::vector<std::string> departments;
    for (const auto& name : split_departments(cells[i + 2])) {
      auto it = department_names.find(name);
      if (it == department_names.end()) {
        errors.push_back({line, fmt::format("sheet {}: department {:?} is not in the departments file", sheet_no, name)});
      } else if (std::find(departments.begin(), departments.end(), it->second) == departments.end()) {
        departments.push_back(it->second);
      }
    }
    if (errors.size() != errors_before || measure == nullptr) continue;

    // What the structure file decided and the row does not show is said, never silently guessed.
    const bool row_has_measure_cells = std::any_of(cells.begin(), cells.begin() + static_cast<std::ptrdiff_t>(i),
                                                   [](const std::string& c) { return !c.empty(); });
    if (measure->incomplete) {
      out.warnings.push_back({line, fmt::format("sheet {}: the table does not show its measure; the structure file places it as {} under policy {}",
                                                sheet_no, measure->id, measure->policy_id)});
    } else if (row_has_measure_cells) {
      bool names_its_measure = std::any_of(cells.begin(), cells.begin() + static_cast<std::ptrdiff_t>(i),
                                           [&](const std::string& c) { return c.find(measure->title) != std::string::npos; });
      if (!names_its_measure) {
        out.warnings.push_back({line, fmt::format("sheet {}: the row does not name its measure; the structure file places it under {:?} ({})",
                                                  sheet_no, measure->title, measure->id)});
      }
    }
    if (measure->schedule_ambiguous && warned_schedule.insert(measure).second) {
      out.warnings.push_back({line, fmt::format("sheet {}: the schedule cells of {:?} are collapsed or shifted and read ambiguously; "
                                                "the structure file reads them as {}",
                                                sheet_no, measure->title, schedule_text(plan, *measure))});
    }

    ParsedSheet ps;
    ps.line = line;
    auto& s = ps.sheet;
    s.year = year;
    s.sheet_no = sheet_no;
    s.measure_key = measure->id;
    if (!grade.empty()) s.grade = grade;
    s.state = "accepted";
    s.departments = std::move(departments);
    auto text_at = [&](std::size_t k) { return k < cells.size() ? cells[k] : std::string(); };
    s.actions = text_at(i + 3);
    s.results = text_at(i + 4);
    s.next_steps = text_at(i + 5);
    out.sheets.push_back(std::move(ps));
  }
  if (!header_seen) errors.push_back({1, fmt::format("no header line (a line starting {:?}) and no sheet rows", header.front())});
  // A sheet the structure file expects but the table lacks is said, never silently dropped.
  if (errors.empty()) {
    for (const auto& [no, measure] : measure_of_sheet) {
      if (!line_of_sheet.contains(no)) {
        out.warnings.push_back({out.lines, fmt::format("sheet {} ({}) of the structure file is not in the table", no, measure->id)});
      }
    }
  }
  if (!errors.empty()) throw TableError(file, std::move(errors));
  return out;
}

namespace {

std::string quote_cell(std::string_view cell, TableFormat format) {
  const bool needs = format == TableFormat::csv ? cell.find_first_of(",\"\r\n") != std::string_view::npos
                                                : (cell.find_first_of("\t\r\n") != std::string_view::npos || cell.starts_with('"'));
  return needs ? model::quoted(cell) : std::string(cell);
}

}  // namespace

std::string write_progress_table(const std::vector<model::SheetView>& sheets, TableFormat format) {
  const char separator = format == TableFormat::csv ? ',' : '\t';
  const std::string_view newline = format == TableFormat::csv ? "\r\n" : "\n";
  std::string out = format == TableFormat::csv ? "\xEF\xBB\xBF" : "";
  auto row = [&](const std::vector<std::string>& cells) {
    for (std::size_t k = 0; k < cells.size(); ++k) {
      if (k > 0) out += separator;
      out += quote_cell(cells[k], format);
    }
    out += newline;
  };
  row(progress_table_header());
  for (const auto& v : sheets) {
    const auto& m = *v.measure;
    std::vector<std::string> cells;
    cells.push_back(v.strategy);
    cells.push_back(v.policy);
    cells.push_back(v.focus.value_or(""));
    cells.push_back(measure_cell(m));
    cells.push_back(m.plan_page ? std::to_string(*m.plan_page) : "");
    std::string related;
    for (const auto& d : m.related_departments) related += (related.empty() ? "" : "・") + d;
    cells.push_back(related);
    for (std::size_t k = 0; k < 5; ++k) cells.push_back(k < v.schedule.size() ? v.schedule[k].second.value_or("") : "");
    cells.push_back(v.sheet.grade.value_or(""));
    cells.push_back(std::to_string(v.sheet.sheet_no));
    std::string departments;
    for (const auto& d : v.sheet.departments) departments += (departments.empty() ? "" : " ") + d;
    cells.push_back(departments);
    cells.push_back(v.sheet.actions);
    cells.push_back(v.sheet.results);
    cells.push_back(v.sheet.next_steps);
    row(cells);
  }
  return out;
}

}  // namespace engine
