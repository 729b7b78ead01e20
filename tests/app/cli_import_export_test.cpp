// The FY2019 table in and out, through the real binary on a real PostgreSQL.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>
#include <sstream>

#include "cli_runner.hpp"
#include "test_database.hpp"

namespace json = boost::json;
using testing_support::CliResult;
using testing_support::ScratchDatabase;
using testing_support::run_shell;
using testing_support::shell_quote;
using testing_support::slurp;

namespace {

const std::string kBinary = SHINCHOKU_BINARY;
const std::string kSource = SHINCHOKU_SOURCE_DIR;
const std::string kRealTable = kSource + "/data/honjo/honjo-welfare-plan-fy2019-progress.tsv";

// A migrated and seeded scratch database, and the binary pointed at it.
class Shinchoku {
 public:
  Shinchoku() {
    auto r = run("migrate");
    if (r.exit_code != 0) throw std::runtime_error("migrate failed: " + r.err);
  }
  CliResult run(const std::string& args) const {
    return run_shell(kBinary + " " + args, {{"SHINCHOKU_DATABASE_URL", db.app_url()},
                                            {"SHINCHOKU_DATABASE_OWNER_URL", db.owner_url()},
                                            {"SHINCHOKU_CONFIG", kSource + "/config/shinchoku.toml"}});
  }
  // Every row of the data, as pg_dump prints it: compared before and after a refused import.
  std::string dump() const {
    auto r = run_shell("pg_dump --data-only --no-owner " + shell_quote(db.owner_url()));
    if (r.exit_code != 0) throw std::runtime_error("pg_dump failed: " + r.err);
    // pg_dump frames its output with a random \restrict key (PostgreSQL 15.14 and later).
    std::string out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      if (!line.starts_with("\\restrict") && !line.starts_with("\\unrestrict")) out += line + "\n";
    }
    return out;
  }
  ScratchDatabase db{testing_support::Schema::migrated};
};

std::filesystem::path temp_file(const std::string& name) {
  return std::filesystem::temp_directory_path() / fmt::format("shinchoku-{}-{}", ::getpid(), name);
}

void write_file(const std::filesystem::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

json::object sheet(const json::value& report, int sheet_no) {
  for (const auto& s : report.at("sheets").as_array()) {
    if (s.at("sheet_no").as_int64() == sheet_no) return s.as_object();
  }
  throw std::runtime_error(fmt::format("sheet {} not in the export", sheet_no));
}

// The real table imported once for the read-only tests of this suite.
class RealTable : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    app = new Shinchoku();
    import_result = new CliResult(app->run("import " + kRealTable + " --year 2019 --format json"));
    auto exported = app->run("export --year 2019 --format json");
    if (exported.exit_code == 0) exported_json = new json::value(json::parse(exported.out));
  }
  static void TearDownTestSuite() {
    delete exported_json;
    delete import_result;
    delete app;
  }
  static Shinchoku* app;
  static CliResult* import_result;
  static json::value* exported_json;
};
Shinchoku* RealTable::app = nullptr;
CliResult* RealTable::import_result = nullptr;
json::value* RealTable::exported_json = nullptr;

}  // namespace

TEST_F(RealTable, ImportReportsTheCounts) {
  ASSERT_EQ(import_result->exit_code, 0) << import_result->err;
  auto r = json::parse(import_result->out);
  EXPECT_EQ(r.at("sheets").as_int64(), 74);
  EXPECT_EQ(r.at("grades").at("A").as_int64(), 50);
  EXPECT_EQ(r.at("grades").at("B").as_int64(), 11);
  EXPECT_EQ(r.at("grades").at("C").as_int64(), 13);
  EXPECT_EQ(r.at("grades").at("D").as_int64(), 0);
  EXPECT_EQ(r.at("changed").as_bool(), true);
  EXPECT_EQ(r.at("sha256").as_string(), std::string(slurp(kRealTable + ".sha256")).substr(0, 64));
  EXPECT_EQ(r.at("skipped_lines").at("legend").as_int64(), 9) << "the legend repeated on each of 9 pages";
  EXPECT_EQ(r.at("skipped_lines").at("header").as_int64(), 9);
  EXPECT_EQ(r.at("skipped_lines").at("other").as_int64(), 1) << "the p.155 ※社会福祉協議会 note";
  EXPECT_FALSE(r.at("warnings").as_array().empty()) << "collapsed schedule cells are reported";
}

TEST_F(RealTable, HoldsSheetsOneToSixtyNineAndSeventyEightToEightyTwo) {
  ASSERT_NE(exported_json, nullptr);
  std::vector<int> numbers;
  std::map<std::string, int> grades;
  for (const auto& s : exported_json->at("sheets").as_array()) {
    numbers.push_back(static_cast<int>(s.at("sheet_no").as_int64()));
    grades[s.at("grade").is_null() ? "" : std::string(s.at("grade").as_string())]++;
    EXPECT_EQ(s.at("state").as_string(), "accepted");
    EXPECT_EQ(s.at("year").as_int64(), 2019);
    EXPECT_FALSE(s.at("departments").as_array().empty());
    EXPECT_FALSE(s.at("strategy").as_string().empty());
    EXPECT_FALSE(s.at("policy").as_string().empty());
  }
  std::vector<int> expected;
  for (int n = 1; n <= 69; ++n) expected.push_back(n);
  for (int n = 78; n <= 82; ++n) expected.push_back(n);
  EXPECT_EQ(numbers, expected);
  EXPECT_EQ(grades, (std::map<std::string, int>{{"A", 50}, {"B", 11}, {"C", 13}}));
}

TEST_F(RealTable, SheetTenIsExactlyTheDesignExample) {
  ASSERT_NE(exported_json, nullptr);
  auto s = sheet(*exported_json, 10);
  EXPECT_EQ(s.at("grade").as_string(), "A");
  EXPECT_EQ(s.at("departments"), json::parse(R"(["地域福祉課", "介護保険課", "健康推進課"])"));
  EXPECT_TRUE(s.at("actions").as_string().starts_with("電話相談については、"));
  EXPECT_TRUE(s.at("results").as_string().starts_with("初回相談の多くは"));
  EXPECT_TRUE(s.at("next_steps").as_string().starts_with("今後の"));
  EXPECT_EQ(s.at("strategy").as_string(), "1 市民の生活を支える仕組みづくり");
  EXPECT_EQ(s.at("policy").as_string(), "(1) 相談支援の仕組みづくり");
  EXPECT_EQ(s.at("focus").as_string(), "② 福祉窓口の多チャンネル化");
  EXPECT_EQ(s.at("measure"), json::parse(R"({"number": 3, "title": "電話相談窓口の充実", "plan_page": 80,
   "lead_department": "地域福祉課",
   "related_departments": ["地域福祉課", "生活自立支援課", "障害福祉課", "介護保険課",
                           "健康推進課", "子育て支援課", "保育課"],
   "schedule": {"R1": null, "R2": null, "R3": "実施", "R4": null, "R5": null},
   "relisted_from": null})"));
}

TEST_F(RealTable, TextsAreExactAndTrimmed) {
  ASSERT_NE(exported_json, nullptr);
  auto s1 = sheet(*exported_json, 1);
  EXPECT_EQ(s1.at("actions").as_string(),
            "庁内関係各課で構成する本庄市地域福祉検討会議を立ち上げ、総合支援体制の構築に向けて関係各課長で構成する庁内ワーキンググループを設置しました。"
            "また、埼玉県による「市町村総合相談支援体制構築のためのアドバイザー派遣」の支援を受け、関係部署を集めて勉強会を開催し、"
            "総合相談支援の体制整備に向けた国の動向等について意識の高揚を図りました。");
  EXPECT_EQ(s1.at("results").as_string(),
            "庁内ワーキンググループを年度中に3回開催し、総合相談支援体制に向けた組織の在り方や連携体制の重要性について協議することができました。");
  EXPECT_EQ(s1.at("strategy").as_string(), "1 市民の生活を支える仕組みづくり") << "its label sits 23 lines further down";
  EXPECT_EQ(sheet(*exported_json, 14).at("next_steps").as_string(), "") << "sheet 14 has no 今後の方針";
  EXPECT_EQ(sheet(*exported_json, 4).at("results").as_string(), "") << "a C sheet without 成果";
  for (const auto& s : exported_json->at("sheets").as_array()) {
    for (const char* field : {"actions", "results", "next_steps"}) {
      std::string_view text = s.at(field).as_string();
      EXPECT_FALSE(text.starts_with(" ") || text.ends_with(" ")) << "sheet " << s.at("sheet_no") << " " << field;
    }
  }
}

TEST_F(RealTable, MeasuresArePlacedAsTheStructureFileSays) {
  ASSERT_NE(exported_json, nullptr);
  EXPECT_EQ(sheet(*exported_json, 62).at("policy").as_string(), "(1) 福祉学習の充実");
  EXPECT_EQ(sheet(*exported_json, 15).at("focus").as_string(), "① 生きづらさを抱えている人への支援") << "a label split over two rows";
  EXPECT_TRUE(sheet(*exported_json, 40).at("focus").is_string());
  EXPECT_TRUE(sheet(*exported_json, 50).at("focus").is_null()) << "strategies 2–4 have no focus level";
  auto s17 = sheet(*exported_json, 17);
  EXPECT_EQ(s17.at("measure").at("title").as_string(), "相談支援専門職の確保");
  EXPECT_EQ(s17.at("measure").at("relisted_from"), json::parse(R"({"title": "相談支援専門職の確保", "plan_page": 75, "sheet_nos": [6]})"));
  // One measure, several sheets: same measure, other executing departments.
  for (auto [a, b] : {std::pair{12, 13}, {15, 16}, {23, 24}, {24, 25}, {37, 38}, {44, 45}, {51, 52}, {61, 62}, {67, 68}}) {
    EXPECT_EQ(sheet(*exported_json, a).at("measure"), sheet(*exported_json, b).at("measure")) << a << " and " << b;
    EXPECT_NE(sheet(*exported_json, a).at("departments"), sheet(*exported_json, b).at("departments")) << a << " and " << b;
  }
  EXPECT_EQ(sheet(*exported_json, 35).at("departments"), json::parse(R"(["各施設所管課"])")) << "a pseudo-department";
}

TEST_F(RealTable, ImportIsAuditedInTheSameDatabase) {
  auto conn = persistence::connect_libpq(app->db.owner_url());
  auto count = [&](const std::string& sql) {
    PGresult* r = PQexec(conn.get(), sql.c_str());
    std::string v = PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, 0) : PQresultErrorMessage(r);
    PQclear(r);
    return v;
  };
  EXPECT_EQ(count("SELECT count(*) FROM audit_event WHERE entity_type = 'sheet' AND action = 'create'"), "74");
  EXPECT_EQ(count("SELECT count(*) FROM audit_event WHERE entity_type = 'fiscal_year' AND action = 'import'"), "1");
  EXPECT_EQ(count("SELECT count(DISTINCT actor) FROM audit_event"), "1");
  EXPECT_EQ(count("SELECT changes->'grade'->>'after' FROM audit_event e JOIN sheet s ON e.entity_id = s.id::text "
                  "WHERE s.sheet_no = 10 AND e.action = 'create'"),
            "A");
  EXPECT_EQ(count("SELECT file_sha256 FROM table_import"), std::string(slurp(kRealTable + ".sha256")).substr(0, 64));
  EXPECT_EQ(count("SELECT state FROM fiscal_year WHERE year = 2019"), "closed");
  // Append-only, whoever asks: the owner hits the trigger, the application role has no right.
  EXPECT_NE(count("UPDATE audit_event SET actor = 'x' RETURNING 1").find("append-only"), std::string::npos);
  EXPECT_NE(count("DELETE FROM audit_event RETURNING 1").find("append-only"), std::string::npos);
  auto app_conn = persistence::connect_libpq(app->db.app_url());
  PGresult* r = PQexec(app_conn.get(), "DELETE FROM audit_event");
  EXPECT_NE(std::string(PQresultErrorMessage(r)).find("permission denied"), std::string::npos);
  PQclear(r);
}

TEST_F(RealTable, SecondImportChangesNothingAndSaysSo) {
  auto before = app->dump();
  auto again = app->run("import " + kRealTable + " --year 2019");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("unchanged: 令和元年度 (2019) already holds exactly these 74 sheets"), std::string::npos) << again.out;
  EXPECT_TRUE(app->dump() == before) << "the second import wrote something";
}

TEST_F(RealTable, CsvExportOpensInExcel) {
  auto csv = app->run("export --year 2019 --format csv");
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_TRUE(csv.out.starts_with("\xEF\xBB\xBF基本戦略,施策細目,重点施策,重点事項・重点的取組,"));
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 75) << "a header and 74 rows";
  EXPECT_EQ(csv.out.find("\n"), csv.out.find("\r\n") + 1);
}

TEST_F(RealTable, XlsxExportReadsBackAsTheJson) {
  auto path = temp_file("export.xlsx");
  auto r = app->run("export --year 2019 --format xlsx -o " + path.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto read = run_shell("/usr/bin/python3 " + kSource + "/tests/api/read_xlsx.py " + path.string());
  std::filesystem::remove(path);
  ASSERT_EQ(read.exit_code, 0) << read.err;
  auto book = json::parse(read.out);
  ASSERT_NE(exported_json, nullptr);
  const auto& rows = book.at("rows").as_array();
  const auto& sheets = exported_json->at("sheets").as_array();
  ASSERT_EQ(rows.size(), sheets.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i].as_array();
    const auto& s = sheets[i];
    EXPECT_EQ(row[12].as_int64(), s.at("sheet_no").as_int64());
    auto text = [&](std::size_t k) { return row[k].is_null() ? std::string() : std::string(row[k].as_string()); };
    EXPECT_EQ(text(11), s.at("grade").is_null() ? "" : std::string(s.at("grade").as_string()));
    EXPECT_EQ(text(14), std::string(s.at("actions").as_string())) << "sheet " << s.at("sheet_no");
    EXPECT_EQ(text(15), std::string(s.at("results").as_string()));
    EXPECT_EQ(text(16), std::string(s.at("next_steps").as_string()));
    EXPECT_EQ(text(0), std::string(s.at("strategy").as_string()));
  }
  EXPECT_EQ(book.at("title").as_string(), "令和元年度 進捗状況");
}

TEST(TableRoundTrip, ExportedTsvImportsIntoAnEmptyDatabaseAsTheSameJson) {
  Shinchoku first;
  ASSERT_EQ(first.run("import " + kRealTable + " --year 2019").exit_code, 0);
  auto json1 = first.run("export --year 2019 --format json");
  auto path = temp_file("roundtrip.tsv");
  ASSERT_EQ(first.run("export --year 2019 --format tsv -o " + path.string()).exit_code, 0);

  Shinchoku second;
  auto imported = second.run("import " + path.string() + " --year 2019");
  std::filesystem::remove(path);
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  auto json2 = second.run("export --year 2019 --format json");
  ASSERT_EQ(json1.exit_code, 0);
  EXPECT_EQ(json2.out, json1.out);
}

// ---- malformed files: refused with file:line, exit 1, database unchanged ------------------

namespace {

class MalformedTable : public ::testing::Test {
 protected:
  Shinchoku app;
  std::string real = slurp(kRealTable);

  // Imports `text` and checks it is refused with `expected` in the message and nothing written.
  void expect_refused(const std::string& name, const std::string& text, const std::string& expected) {
    auto path = temp_file(name);
    write_file(path, text);
    auto before = app.dump();
    auto r = app.run("import " + path.string() + " --year 2019");
    std::filesystem::remove(path);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find(path.string() + ":"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
    EXPECT_TRUE(app.dump() == before) << "a refused import wrote something";
  }

  std::string replace_line(int line, const std::string& text) {
    std::string out;
    int n = 1;
    std::size_t pos = 0;
    while (pos <= real.size()) {
      auto end = real.find('\n', pos);
      if (end == std::string::npos) end = real.size();
      out += (n == line ? text : real.substr(pos, end - pos));
      if (end < real.size()) out += '\n';
      pos = end + 1;
      ++n;
    }
    return out;
  }
  std::string line(int n) {
    std::size_t pos = 0;
    for (int i = 1; i < n; ++i) pos = real.find('\n', pos) + 1;
    return real.substr(pos, real.find('\n', pos) - pos);
  }
};

}  // namespace

TEST_F(MalformedTable, WrongHeader) {
  auto header = line(5);
  header.replace(header.find("自己評価"), std::string("自己評価").size(), "評価");
  expect_refused("header.tsv", replace_line(5, header), ":5: wrong header: column 12 is \"評価\", expected \"自己評価\"");
}

TEST_F(MalformedTable, GradeE) {
  auto row = line(6);
  row.replace(row.find("\tA\t1\t"), 5, "\tE\t1\t");
  expect_refused("grade.tsv", replace_line(6, row), ":6: sheet 1: grade \"E\" is not one of A, B, C or D");
}

TEST_F(MalformedTable, DuplicateSheetNumber) {
  auto row = line(7);
  row.replace(row.find("\tB\t2\t"), 5, "\tB\t1\t");
  expect_refused("duplicate.tsv", replace_line(7, row), ":7: sheet 1 appears twice (first on line 6)");
}

TEST_F(MalformedTable, InvalidUtf8) {
  auto row = line(8);
  row.insert(row.find("地域福祉課"), "\x82\xA0");  // a Shift_JIS あ
  expect_refused("utf8.tsv", replace_line(8, row), ":8: invalid UTF-8");
}

TEST_F(MalformedTable, RowCutShortBeforeTheExecutingDepartments) {
  auto row = line(9);
  expect_refused("short.tsv", replace_line(9, row.substr(0, row.find("\tC\t4\t") + 5)), ":9: sheet 4: the row is cut short before 主な実行課");
}

TEST_F(MalformedTable, EmptyFile) { expect_refused("empty.tsv", "", ":1: the file is empty"); }

TEST_F(MalformedTable, SheetNumberTheStructureDoesNotKnow) {
  auto row = line(6);
  row.replace(row.find("\tA\t1\t"), 5, "\tA\t70\t");
  expect_refused("unknown.tsv", replace_line(6, row), ":6: sheet 70 is not in the plan's structure file");
}

TEST_F(MalformedTable, DepartmentNotInTheDepartmentsFile) {
  auto row = line(6);
  row.replace(row.find("\t1\t地域福祉課\t"), std::string("\t1\t地域福祉課\t").size(), "\t1\t地域福祉課 未来創造課\t");
  expect_refused("department.tsv", replace_line(6, row), ":6: sheet 1: department \"未来創造課\" is not in the departments file");
}

TEST_F(MalformedTable, DryRunWritesNothing) {
  auto before = app.dump();
  auto r = app.run("import " + kRealTable + " --year 2019 --dry-run");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("dry run: would create 令和元年度 (2019) as a closed year with 74 accepted sheets"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sheets: 74 (A 50, B 11, C 13, D 0)"), std::string::npos) << r.out;
  EXPECT_TRUE(app.dump() == before) << "a dry run wrote something";
}

TEST_F(MalformedTable, UsageErrorsExitTwo) {
  EXPECT_EQ(app.run("import").exit_code, 2);
  EXPECT_EQ(app.run("export --year 2019 --format pdf").exit_code, 2);
  EXPECT_EQ(app.run("no-such-command").exit_code, 2);
  EXPECT_EQ(app.run("--help").exit_code, 0);
  auto missing = app.run("export --year 2020");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("fiscal year 2020 (令和2年度) does not exist"), std::string::npos) << missing.err;
}
