#include "api/progress_report.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <sys/wait.h>

#include <fmt/format.h>

#include "engine/progress_table.hpp"
#include "model/plan.hpp"
#include "model/sheet.hpp"

namespace {

namespace json = boost::json;

// A small plan in Honjo's shape: an original measure with a focus, a number, a page and a
// schedule; its (再掲) relisting without a number or focus; a third measure of its own.
model::PlanSeed small_plan() {
  model::PlanSeed seed;
  seed.departments = {{"chiiki-fukushi", "地域福祉課", model::DepartmentKind::city, {}},
                      {"shogai-fukushi", "障害福祉課", model::DepartmentKind::city, {}},
                      {"kaigo-hoken", "介護保険課", model::DepartmentKind::city, {}},
                      {"kenko-suishin", "健康推進課", model::DepartmentKind::city, {}}};
  seed.plan = {"test-plan", "テスト市地域福祉計画", 2019, 2023,
               {{"A", "達成", true, false}, {"B", "未達成", true, false}, {"C", "検討中", false, true}, {"D", "中止", false, false}}};
  auto& s = seed.structure;
  s.strategies = {{"S1", "1 市民の生活を支える仕組みづくり"}, {"S2", "2 地域で支え合う人づくり"}};
  s.policies = {{"P1", "S1", "(1) 相談支援の仕組みづくり"}, {"P2", "S2", "(1) 人材の育成"}};
  s.focuses = {{"F1", "P1", "② 福祉窓口の多チャンネル化"}};

  model::Measure original;
  original.id = "M1";
  original.policy_id = "P1";
  original.focus_id = "F1";
  original.number = 3;
  original.title = "相談支援専門職の確保";
  original.plan_page = 75;
  original.related_departments = {"地域福祉課", "障害福祉課", "介護保険課"};
  original.schedule = {"", "", "実施", "", ""};
  original.sheets = {6};

  model::Measure relisted;
  relisted.id = "M2";
  relisted.policy_id = "P2";
  relisted.title = "相談支援専門職の確保";
  relisted.plan_page = 102;
  relisted.related_departments = {"介護保険課", "地域福祉課"};
  relisted.schedule = {"検討", "", "", "", "見直し"};
  relisted.sheets = {17};
  relisted.relisted_from = "M1";

  model::Measure phone;
  phone.id = "M3";
  phone.policy_id = "P1";
  phone.focus_id = "F1";
  phone.number = 4;
  phone.title = "電話相談窓口の充実";
  phone.plan_page = 80;
  phone.related_departments = {"地域福祉課", "健康推進課"};
  phone.schedule = {"実施", "実施", "実施", "実施", "実施"};
  phone.sheets = {10};

  s.measures = {original, relisted, phone};
  return seed;
}

model::SheetRecord sheet(int sheet_no, std::string measure, std::optional<std::string> grade, std::string state,
                         std::vector<std::string> departments, std::string actions, std::string results, std::string next_steps) {
  model::SheetRecord r;
  r.year = 2019;
  r.sheet_no = sheet_no;
  r.measure_key = std::move(measure);
  r.grade = std::move(grade);
  r.state = std::move(state);
  r.departments = std::move(departments);
  r.actions = std::move(actions);
  r.results = std::move(results);
  r.next_steps = std::move(next_steps);
  return r;
}

class ProgressReport : public ::testing::Test {
 protected:
  model::PlanSeed plan = small_plan();
  // Deliberately out of sheet order.
  std::vector<model::SheetView> views = model::make_views(
      plan, {sheet(17, "M2", std::nullopt, "draft", {"介護保険課", "地域福祉課"}, "研修会を2回開催した。", "", "来年度も継続する。"),
             sheet(6, "M1", "A", "accepted", {"地域福祉課", "障害福祉課"},
                   "相談員を1名増員し、\n研修に参加した（\"専門職\"、社会福祉士）。", "相談件数が増えた。", "今後も確保に努める。"),
             sheet(10, "M3", "B", "accepted", {"地域福祉課"}, "電話相談を受け付けた。", "初回相談の多くは電話だった。", "")});

  const model::SheetView& view(int sheet_no) const {
    for (const auto& v : views) {
      if (v.sheet.sheet_no == sheet_no) return v;
    }
    throw std::logic_error("no such sheet in the fixture");
  }

  std::vector<model::SheetView> sorted_views() const {
    return {view(6), view(10), view(17)};
  }
};

std::vector<std::string> keys_of(const json::object& o) {
  std::vector<std::string> out;
  for (const auto& kv : o) out.emplace_back(kv.key());
  return out;
}

TEST_F(ProgressReport, SheetJsonOfARelistedSheetHasDesignShapeExactly) {
  const auto expected = json::parse(R"({"sheet_no": 17, "year": 2019, "grade": null, "state": "draft",
    "departments": ["介護保険課", "地域福祉課"],
    "actions": "研修会を2回開催した。", "results": "", "next_steps": "来年度も継続する。",
    "strategy": "2 地域で支え合う人づくり", "policy": "(1) 人材の育成", "focus": null,
    "measure": {"number": null, "title": "相談支援専門職の確保", "plan_page": 102,
      "lead_department": "介護保険課",
      "related_departments": ["介護保険課", "地域福祉課"],
      "schedule": {"R1": "検討", "R2": null, "R3": null, "R4": null, "R5": "見直し"},
      "relisted_from": {"title": "相談支援専門職の確保", "plan_page": 75, "sheet_nos": [6]}}})");
  const auto got = api::sheet_json(view(17));
  EXPECT_EQ(json::value(got), expected) << json::serialize(got);
  // Same keys in the same order, at every level, so the bytes match DESIGN §5 too.
  EXPECT_EQ(json::serialize(got), json::serialize(expected));
  EXPECT_EQ(keys_of(got), keys_of(expected.as_object()));
  EXPECT_EQ(keys_of(got.at("measure").as_object()), keys_of(expected.at("measure").as_object()));
  EXPECT_EQ(keys_of(got.at("measure").at("schedule").as_object()),
            (std::vector<std::string>{"R1", "R2", "R3", "R4", "R5"}));
}

TEST_F(ProgressReport, SheetJsonOfAnOriginalSheetHasNumberFocusAndNoRelisting) {
  const auto expected = json::parse(R"({"sheet_no": 6, "year": 2019, "grade": "A", "state": "accepted",
    "departments": ["地域福祉課", "障害福祉課"],
    "actions": "相談員を1名増員し、\n研修に参加した（\"専門職\"、社会福祉士）。", "results": "相談件数が増えた。",
    "next_steps": "今後も確保に努める。",
    "strategy": "1 市民の生活を支える仕組みづくり", "policy": "(1) 相談支援の仕組みづくり",
    "focus": "② 福祉窓口の多チャンネル化",
    "measure": {"number": 3, "title": "相談支援専門職の確保", "plan_page": 75,
      "lead_department": "地域福祉課",
      "related_departments": ["地域福祉課", "障害福祉課", "介護保険課"],
      "schedule": {"R1": null, "R2": null, "R3": "実施", "R4": null, "R5": null},
      "relisted_from": null}})");
  EXPECT_EQ(json::serialize(api::sheet_json(view(6))), json::serialize(expected));
}

TEST_F(ProgressReport, SheetJsonGivesNullForMissingPageAndLeadDepartment) {
  auto v = view(10);
  model::Measure bare = *v.measure;
  bare.plan_page.reset();
  bare.number.reset();
  bare.related_departments.clear();
  v.measure = &bare;
  v.lead_department.clear();
  v.sheet.grade = "";
  const auto got = api::sheet_json(v);
  const auto& m = got.at("measure").as_object();
  EXPECT_TRUE(m.at("plan_page").is_null());
  EXPECT_TRUE(m.at("number").is_null());
  EXPECT_TRUE(m.at("lead_department").is_null());
  EXPECT_EQ(m.at("related_departments"), json::array());
  EXPECT_TRUE(got.at("grade").is_null());
  EXPECT_EQ(got.at("next_steps"), "");  // an empty text stays "", not null
}

TEST_F(ProgressReport, SheetJsonRefusesAViewWithoutItsMeasure) {
  auto v = view(6);
  v.measure = nullptr;
  EXPECT_THROW(api::sheet_json(v), std::invalid_argument);
}

TEST_F(ProgressReport, ProgressJsonHasYearAndSheetsSortedBySheetNumber) {
  const std::string text = api::progress_json(2019, views);
  const auto doc = json::parse(text).as_object();
  EXPECT_EQ(keys_of(doc), (std::vector<std::string>{"year", "sheets"}));
  EXPECT_EQ(doc.at("year"), 2019);
  const auto& sheets = doc.at("sheets").as_array();
  ASSERT_EQ(sheets.size(), 3u);
  std::vector<std::int64_t> numbers;
  for (const auto& s : sheets) numbers.push_back(s.at("sheet_no").as_int64());
  EXPECT_EQ(numbers, (std::vector<std::int64_t>{6, 10, 17}));
  for (const auto& s : sheets) {
    EXPECT_EQ(s, json::value(api::sheet_json(view(static_cast<int>(s.at("sheet_no").as_int64())))));
  }
  // One line, no trailing line break.
  EXPECT_EQ(text.find('\n'), std::string::npos);
}

TEST_F(ProgressReport, ProgressJsonKeepsJapaneseUnescaped) {
  const std::string text = api::progress_json(2019, views);
  EXPECT_NE(text.find("地域福祉課"), std::string::npos) << text;
  EXPECT_NE(text.find("\"title\":\"相談支援専門職の確保\""), std::string::npos) << text;
  EXPECT_EQ(text.find("\\u"), std::string::npos) << text;
}

TEST_F(ProgressReport, ProgressJsonOfAYearWithoutSheetsIsAnEmptyList) {
  EXPECT_EQ(api::progress_json(2020, {}), R"({"year":2020,"sheets":[]})");
}

TEST(ReportFormat, ParsesTheFourFormatNamesAndNothingElse) {
  EXPECT_EQ(api::parse_report_format("json"), api::ReportFormat::json);
  EXPECT_EQ(api::parse_report_format("tsv"), api::ReportFormat::tsv);
  EXPECT_EQ(api::parse_report_format("csv"), api::ReportFormat::csv);
  EXPECT_EQ(api::parse_report_format("xlsx"), api::ReportFormat::xlsx);
  EXPECT_EQ(api::parse_report_format("XLSX"), std::nullopt);
  EXPECT_EQ(api::parse_report_format("pdf"), std::nullopt);
  EXPECT_EQ(api::parse_report_format(""), std::nullopt);
}

TEST(ReportFormat, ContentTypesNameUtf8ForTextFormats) {
  EXPECT_EQ(api::content_type(api::ReportFormat::json), "application/json; charset=utf-8");
  EXPECT_EQ(api::content_type(api::ReportFormat::tsv), "text/tab-separated-values; charset=utf-8");
  EXPECT_EQ(api::content_type(api::ReportFormat::csv), "text/csv; charset=utf-8");
  EXPECT_EQ(api::content_type(api::ReportFormat::xlsx), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
}

TEST_F(ProgressReport, RenderedTsvAndCsvAreTheEngineTableSortedBySheetNumber) {
  EXPECT_EQ(api::render_progress(api::ReportFormat::tsv, 2019, views),
            engine::write_progress_table(sorted_views(), engine::TableFormat::tsv));
  EXPECT_EQ(api::render_progress(api::ReportFormat::csv, 2019, views),
            engine::write_progress_table(sorted_views(), engine::TableFormat::csv));
}

TEST_F(ProgressReport, RenderedJsonIsProgressJson) {
  EXPECT_EQ(api::render_progress(api::ReportFormat::json, 2019, views), api::progress_json(2019, views));
}

// ---- XLSX, read back with openpyxl ----------------------------------------------------------

struct CommandResult {
  int status = -1;
  std::string output;
};

CommandResult run(const std::string& command) {
  CommandResult r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) r.output.append(buffer, n);
  int status = ::pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class TempXlsx {
 public:
  explicit TempXlsx(const std::string& bytes)
      : path_(std::filesystem::temp_directory_path() /
              fmt::format("shinchoku-api-test-{}-{}.xlsx", ::getpid(), ::testing::UnitTest::GetInstance()->random_seed())) {
    std::ofstream(path_, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  ~TempXlsx() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Reads the workbook with tests/api/read_xlsx.py. A missing openpyxl fails the test, it is
// not skipped: the export would then go unchecked.
json::object read_xlsx(const std::string& bytes) {
  TempXlsx file(bytes);
  const std::string script = std::string(SHINCHOKU_API_TEST_DIR) + "/read_xlsx.py";
  auto r = run(fmt::format("/usr/bin/python3 '{}' '{}' 2>&1", script, file.path().string()));
  if (r.status != 0) {
    ADD_FAILURE() << "read_xlsx.py failed (exit " << r.status << "); it needs /usr/bin/python3 with openpyxl "
                  << "(Debian package python3-openpyxl):\n" << r.output;
    return {};
  }
  boost::system::error_code ec;
  auto doc = json::parse(r.output, ec);
  if (ec || !doc.is_object()) {
    ADD_FAILURE() << "read_xlsx.py printed no JSON object: " << r.output;
    return {};
  }
  return doc.as_object();
}

std::string joined(const json::array& items, std::string_view separator) {
  std::string out;
  for (const auto& d : items) {
    if (!out.empty()) out += separator;
    out += d.as_string().c_str();
  }
  return out;
}

// A row of the printed table as the JSON of the same sheet says it should be: blank cells
// (empty texts, missing values) read back as null.
json::array expected_row(const json::object& s, const model::SheetView& v) {
  auto text = [](const json::value& x) -> json::value {
    if (x.is_null() || (x.is_string() && x.as_string().empty())) return nullptr;
    return x;
  };
  auto text_of = [&](const std::string& s) -> json::value { return text(json::string(s)); };
  const auto& m = s.at("measure").as_object();
  json::array row;
  row.push_back(text(s.at("strategy")));
  row.push_back(text(s.at("policy")));
  row.push_back(text(s.at("focus")));
  row.push_back(text_of(engine::measure_cell(*v.measure)));
  row.push_back(m.at("plan_page"));
  row.push_back(text_of(joined(m.at("related_departments").as_array(), "・")));
  for (const auto& kv : m.at("schedule").as_object()) row.push_back(text(kv.value()));
  row.push_back(text(s.at("grade")));
  row.push_back(s.at("sheet_no"));
  row.push_back(text_of(joined(s.at("departments").as_array(), " ")));
  row.push_back(text(s.at("actions")));
  row.push_back(text(s.at("results")));
  row.push_back(text(s.at("next_steps")));
  return row;
}

TEST_F(ProgressReport, XlsxIsTheTableAsACoordinatorWouldPrintIt) {
  const auto book = read_xlsx(api::progress_xlsx(2019, views));
  ASSERT_FALSE(book.empty());

  EXPECT_EQ(book.at("title"), "令和元年度 進捗状況");
  EXPECT_EQ(book.at("sheet_count"), 1);
  EXPECT_EQ(book.at("freeze_panes"), "A2");
  EXPECT_EQ(book.at("orientation"), "landscape");
  EXPECT_EQ(book.at("paper_size"), 8);  // A3
  EXPECT_EQ(book.at("fit_to_page"), true);
  EXPECT_EQ(book.at("fit_to_width"), 1);
  EXPECT_EQ(book.at("fit_to_height"), 0);  // one page wide, as many pages long as needed
  EXPECT_EQ(book.at("print_title_rows"), "$1:$1");  // the header repeats on every page
  EXPECT_EQ(book.at("auto_filter"), "A1:Q4");

  json::array header;
  for (const auto& h : engine::progress_table_header()) header.emplace_back(h);
  EXPECT_EQ(book.at("header"), header);

  const auto doc = json::parse(api::progress_json(2019, views)).as_object();
  const auto& sheets = doc.at("sheets").as_array();
  const auto& rows = book.at("rows").as_array();
  ASSERT_EQ(rows.size(), sheets.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& s = sheets[i].as_object();
    const int sheet_no = static_cast<int>(s.at("sheet_no").as_int64());
    EXPECT_EQ(rows[i], json::value(expected_row(s, view(sheet_no)))) << "sheet " << sheet_no;
  }
  // Spot checks a reader would make: sheet numbers and pages are numbers, the relisting
  // shows its marker, an ungraded sheet has a blank grade.
  EXPECT_EQ(rows[0].as_array()[12], 6);
  EXPECT_EQ(rows[0].as_array()[4], 75);
  EXPECT_EQ(rows[2].as_array()[3], "相談支援専門職の確保(再掲)");
  EXPECT_TRUE(rows[2].as_array()[11].is_null());

  const auto& widths = book.at("column_widths").as_object();
  auto width = [&](const char* column) {
    const auto& w = widths.at(column);
    return w.is_null() ? 0.0 : w.to_number<double>();
  };
  const double r1 = width("G");
  EXPECT_GT(r1, 0.0);
  for (const char* text_column : {"O", "P", "Q"}) EXPECT_GT(width(text_column), 3 * r1) << text_column;
  for (const char* narrow : {"E", "L", "M"}) EXPECT_LE(width(narrow), r1) << narrow;
}

TEST_F(ProgressReport, XlsxOfAnotherYearNamesItsWorksheetByThatYear) {
  const auto book = read_xlsx(api::progress_xlsx(2020, {}));
  ASSERT_FALSE(book.empty());
  EXPECT_EQ(book.at("title"), "令和2年度 進捗状況");
  EXPECT_EQ(book.at("rows"), json::array());
}

TEST_F(ProgressReport, RenderedXlsxIsAZipWorkbookAndLeavesNoTemporaryFile) {
  // A private TMPDIR, so that other tests running at the same time do not count.
  const auto tmp = std::filesystem::temp_directory_path() / fmt::format("shinchoku-api-tmpdir-{}", ::getpid());
  std::filesystem::create_directories(tmp);
  const char* old_tmpdir = std::getenv("TMPDIR");
  const std::string saved = old_tmpdir ? old_tmpdir : "";
  ::setenv("TMPDIR", tmp.c_str(), 1);
  std::string bytes;
  EXPECT_NO_THROW(bytes = api::render_progress(api::ReportFormat::xlsx, 2019, views));
  const bool left_over = !std::filesystem::is_empty(tmp);
  if (old_tmpdir) {
    ::setenv("TMPDIR", saved.c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
  std::filesystem::remove_all(tmp);
  EXPECT_TRUE(bytes.starts_with("PK\x03\x04")) << "not a zip file";
  EXPECT_FALSE(left_over) << "a temporary file was left in " << tmp;
}

}  // namespace
