// The progress table reader on small made-up tables, one quirk of the real file at a time.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "engine/progress_table.hpp"

using engine::ParsedTable;
using engine::TableError;

namespace {

model::PlanSeed plan() {
  model::PlanSeed s;
  s.departments = {{"chiiki-fukushi", "地域福祉課", model::DepartmentKind::city, {}},
                   {"kaigo-hoken", "介護保険課", model::DepartmentKind::city, {}},
                   {"shakai-fukushi-kyogikai", "社会福祉協議会", model::DepartmentKind::outside, {"※社会福祉協議会"}}};
  s.plan = {"honjo", "本庄市地域福祉計画", 2019, 2023,
            {{"A", "達成", true, false}, {"B", "未達成", true, false}, {"C", "検討中", false, true}, {"D", "中止", false, false}}};
  s.structure.strategies = {{"S1", "1 市民の生活を支える仕組みづくり"}};
  s.structure.policies = {{"S1-P1", "S1", "(1) 相談支援の仕組みづくり"}};
  s.structure.focuses = {{"S1-P1-F1", "S1-P1", "① 包括的な相談支援体制の構築"}};
  auto measure = [](std::string id, std::optional<int> number, std::string title, std::vector<int> sheets) {
    model::Measure m;
    m.id = std::move(id);
    m.policy_id = "S1-P1";
    m.focus_id = "S1-P1-F1";
    m.number = number;
    m.title = std::move(title);
    m.plan_page = 75;
    m.related_departments = {"地域福祉課", "介護保険課"};
    m.schedule = {"調査・研究", "", "検討", "", "実施"};
    m.sheets = std::move(sheets);
    return m;
  };
  s.structure.measures = {measure("M01", 1, "庁内相談・政策管理機能部署の設置", {1}),
                          measure("M02", 2, "機能集約センターの設置", {2, 3}),
                          measure("M03", 6, "相談支援専門職の確保", {6})};
  s.structure.measures[2].schedule_ambiguous = true;
  model::Measure incomplete;
  incomplete.id = "M04";
  incomplete.policy_id = "S1-P1";
  incomplete.incomplete = true;
  incomplete.schedule = {"", "", "", "", ""};
  incomplete.sheets = {69};
  s.structure.measures.push_back(incomplete);
  return s;
}

const std::string kHeader =
    "基本戦略\t施策細目\t重点施策\t重点事項・重点的取組\t掲載頁\t関係課 (赤字取りまとめ課)\tR1\tR2\tR3\tR4\tR5\t自己評価\tシート頁\t主な実行課\t取組内容\t成果\t今後の方針";
const std::string kLegend = "A:達成 B:未達成 C:検討中 D:中止";

// A row in the header's columns: 11 cells before the grade.
std::string row(const std::string& grade, int sheet, const std::string& departments, const std::string& actions,
                const std::string& results, const std::string& next_steps, const std::string& measure = "") {
  return fmt::format("\t\t\t{}\t75\t地域福祉課\t\t\t\t\t\t{}\t{}\t{}\t{}\t{}\t{}", measure, grade, sheet, departments, actions,
                     results, next_steps);
}

ParsedTable parse(const std::string& text) { return engine::parse_progress_table(text, "t.tsv", plan(), 2019); }

// The warnings about rows, leaving out those about structure-file sheets a small table lacks.
std::vector<engine::TableIssue> row_warnings(const ParsedTable& t) {
  std::vector<engine::TableIssue> out;
  for (const auto& w : t.warnings) {
    if (w.message.find("is not in the table") == std::string::npos) out.push_back(w);
  }
  return out;
}

std::string refusal(const std::string& text) {
  try {
    parse(text);
  } catch (const TableError& e) {
    return e.what();
  }
  return "";
}

std::string table(std::initializer_list<std::string> rows) {
  std::string out = "\n" + kLegend + "\n\n" + kHeader + "\n";
  for (const auto& r : rows) out += r + "\n";
  return out;
}

}  // namespace

TEST(ProgressTable, ReadsARowInTheHeadersColumns) {
  auto t = parse(table({row("A", 1, "地域福祉課", "取組 ", " 成果", "方針", "1 庁内相談・政策管理機能部署の設置")}));
  ASSERT_EQ(t.sheets.size(), 1u);
  const auto& s = t.sheets[0].sheet;
  EXPECT_EQ(s.sheet_no, 1);
  EXPECT_EQ(s.grade, "A");
  EXPECT_EQ(s.measure_key, "M01");
  EXPECT_EQ(s.departments, std::vector<std::string>{"地域福祉課"});
  EXPECT_EQ(s.actions, "取組");
  EXPECT_EQ(s.results, "成果");
  EXPECT_EQ(s.next_steps, "方針");
  EXPECT_EQ(s.state, "accepted");
  EXPECT_EQ(s.year, 2019);
  EXPECT_EQ(t.sheets[0].line, 5);
  EXPECT_TRUE(row_warnings(t).empty());
}

TEST(ProgressTable, ReadsRowsShiftedEitherWay) {
  // Grade as the 9th cell (shifted left by three) and as the 23rd (shifted right by eleven).
  std::string left = "① 包括的な相談支援体制の構築\t1\t庁内相談・政策管理機能部署の設置\t69\t地域福祉課\t\t\t\tA\t1\t地域福祉課\t取組\t成果\t方針";
  std::string right = std::string(11, '\t') + "\t\t\t\t\t\t\t\t\t\t\t" + "B\t2\t介護保険課\t取組2\t成果2\t方針2";
  auto t = parse(table({left, right}));
  ASSERT_EQ(t.sheets.size(), 2u);
  EXPECT_EQ(t.sheets[0].sheet.grade, "A");
  EXPECT_EQ(t.sheets[0].sheet.actions, "取組");
  EXPECT_EQ(t.sheets[1].sheet.grade, "B");
  EXPECT_EQ(t.sheets[1].sheet.sheet_no, 2);
  EXPECT_EQ(t.sheets[1].sheet.next_steps, "方針2");
}

TEST(ProgressTable, KeepsEmptyTextsEmpty) {
  auto t = parse(table({row("C", 1, "地域福祉課", "取組", "", "方針"), row("A", 2, "地域福祉課", "取組", "成果", "")}));
  EXPECT_EQ(t.sheets[0].sheet.results, "");
  EXPECT_EQ(t.sheets[0].sheet.next_steps, "方針");
  EXPECT_EQ(t.sheets[1].sheet.next_steps, "");
}

TEST(ProgressTable, SkipsAndCountsLinesThatAreNotSheets) {
  std::string text = table({row("A", 1, "地域福祉課", "a", "b", "c")}) + "\n" + kLegend + "\n\n" + kHeader + "\n" +
                     "\t\t\t\t155\t※社会福祉協議会\n" + "\t\t確保\n" + row("A", 2, "地域福祉課", "a", "b", "c") + "\t\t\n";
  auto t = parse(text);
  EXPECT_EQ(t.sheets.size(), 2u);
  EXPECT_EQ(t.legend_lines, 2);
  EXPECT_EQ(t.header_lines, 2);
  EXPECT_EQ(t.other_lines, 2) << "the p.155 note and the label fragment";
  EXPECT_EQ(t.blank_lines, 4);
  EXPECT_EQ(t.skipped(), 10);
}

TEST(ProgressTable, TrailingEmptyCellsAreNotAnError) {
  auto t = parse(table({row("A", 1, "地域福祉課", "a", "b", "c") + "\t\t\t"}));
  EXPECT_EQ(t.sheets.size(), 1u);
}

TEST(ProgressTable, SplitsAndResolvesDepartmentsThroughAliases) {
  auto t = parse(table({row("A", 1, "地域福祉課 ※社会福祉協議会\u3000介護保険課", "a", "b", "c")}));
  EXPECT_EQ(t.sheets[0].sheet.departments, (std::vector<std::string>{"地域福祉課", "社会福祉協議会", "介護保険課"}));
}

TEST(ProgressTable, OneMeasureKeepsSeveralSheets) {
  // The second sheet's row carries no measure cells: they were merged with the first's.
  auto t = parse(table({row("A", 2, "地域福祉課", "a", "b", "c", "2 機能集約センターの設置"),
                        std::string(11, '\t') + "B\t3\t介護保険課\td\te\tf"}));
  EXPECT_EQ(t.sheets[0].sheet.measure_key, "M02");
  EXPECT_EQ(t.sheets[1].sheet.measure_key, "M02");
  EXPECT_TRUE(row_warnings(t).empty());
}

TEST(ProgressTable, WarnsWhereTheStructureFileDecidedWhatTheRowDoesNotShow) {
  auto t = parse(table({row("A", 1, "地域福祉課", "a", "b", "c", "別の事業の名前"),
                        row("A", 6, "地域福祉課", "a", "b", "c", "6 相談支援専門職の確保"),
                        row("A", 69, "地域福祉課", "a", "b", "c")}));
  auto w = row_warnings(t);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].line, 5);
  EXPECT_NE(w[0].message.find("does not name its measure"), std::string::npos);
  EXPECT_NE(w[1].message.find("read ambiguously"), std::string::npos);
  EXPECT_NE(w[1].message.find("R1=調査・研究, R3=検討, R5=実施"), std::string::npos) << w[1].message;
  EXPECT_NE(w[2].message.find("does not show its measure"), std::string::npos);
  EXPECT_EQ(t.sheets.size(), 3u) << "warnings never drop a sheet";
}

TEST(ProgressTable, RefusesAWrongHeader) {
  std::string bad = kHeader;
  bad.replace(bad.find("成果"), std::string("成果").size(), "結果");
  auto why = refusal("\n" + bad + "\n" + row("A", 1, "地域福祉課", "a", "b", "c") + "\n");
  EXPECT_NE(why.find("t.tsv:2: wrong header: column 16 is \"結果\", expected \"成果\""), std::string::npos) << why;
}

TEST(ProgressTable, RefusesAGradeOutsideTheScale) {
  auto why = refusal(table({row("E", 1, "地域福祉課", "a", "b", "c")}));
  EXPECT_NE(why.find("t.tsv:5: sheet 1: grade \"E\" is not one of A, B, C or D"), std::string::npos) << why;
}

TEST(ProgressTable, RefusesADuplicateSheetNumber) {
  auto why = refusal(table({row("A", 1, "地域福祉課", "a", "b", "c"), row("B", 1, "地域福祉課", "a", "b", "c")}));
  EXPECT_NE(why.find("t.tsv:6: sheet 1 appears twice (first on line 5)"), std::string::npos) << why;
}

TEST(ProgressTable, RefusesInvalidUtf8WithItsLine) {
  auto why = refusal(table({row("A", 1, "地域福祉課", "a\xFF", "b", "c")}));
  EXPECT_NE(why.find("t.tsv:5: invalid UTF-8 (byte 0xFF)"), std::string::npos) << why;
}

TEST(ProgressTable, RefusesARowCutShortBeforeTheExecutingDepartments) {
  auto why = refusal(table({"\t\t\t1 庁内相談・政策管理機能部署の設置\t75\t地域福祉課\t\t\t\t\t\tA\t1"}));
  EXPECT_NE(why.find("t.tsv:5: sheet 1: the row is cut short before 主な実行課"), std::string::npos) << why;
}

TEST(ProgressTable, RefusesAnEmptyFile) {
  EXPECT_NE(refusal("").find("t.tsv:1: the file is empty"), std::string::npos);
  EXPECT_NE(refusal("\n \n\t\n").find("the file is empty"), std::string::npos);
}

TEST(ProgressTable, RefusesASheetNumberTheStructureDoesNotKnow) {
  auto why = refusal(table({row("A", 70, "地域福祉課", "a", "b", "c")}));
  EXPECT_NE(why.find("t.tsv:5: sheet 70 is not in the plan's structure file"), std::string::npos) << why;
}

TEST(ProgressTable, RefusesAnUnknownDepartment) {
  auto why = refusal(table({row("A", 1, "地域福祉課 架空課", "a", "b", "c")}));
  EXPECT_NE(why.find("t.tsv:5: sheet 1: department \"架空課\" is not in the departments file"), std::string::npos) << why;
}

TEST(ProgressTable, RefusesATableWithoutHeader) {
  auto why = refusal(row("A", 1, "地域福祉課", "a", "b", "c") + "\n");
  EXPECT_NE(why.find("a sheet row before the header line"), std::string::npos) << why;
}

TEST(ProgressTable, ReportsEveryProblemNotJustTheFirst) {
  try {
    parse(table({row("E", 1, "地域福祉課", "a", "b", "c"), row("A", 2, "無い課", "a", "b", "c")}));
    FAIL();
  } catch (const TableError& e) {
    ASSERT_EQ(e.issues().size(), 2u);
    EXPECT_EQ(e.issues()[0].line, 5);
    EXPECT_EQ(e.issues()[1].line, 6);
  }
}

namespace {
std::vector<model::SheetRecord> records_of(const ParsedTable& t) {
  std::vector<model::SheetRecord> out;
  for (const auto& p : t.sheets) out.push_back(p.sheet);
  return out;
}
}  // namespace

TEST(ProgressTable, WrittenTsvReadsBackTheSame) {
  auto p = plan();
  auto original = parse(table({row("A", 1, "地域福祉課 介護保険課", "改行を\n含む\t取組", "\"引用\"で始まる", "方針"),
                               row("", 2, "地域福祉課", "", "", ""), row("C", 69, "社会福祉協議会", "x", "", "y")}));
  // Quoted cells are our own export's; the made-up table above has none, so set the texts directly.
  auto records = records_of(original);
  records[0].actions = "改行を\n含む\t取組";
  records[0].results = "\"引用\"で始まる";
  auto views = model::make_views(p, records);
  auto tsv = engine::write_progress_table(views, engine::TableFormat::tsv);
  auto again = engine::parse_progress_table(tsv, "export.tsv", p, 2019);
  ASSERT_EQ(again.sheets.size(), records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_TRUE(again.sheets[i].sheet.same_content(records[i])) << "sheet " << records[i].sheet_no;
  }
  EXPECT_FALSE(again.sheets[1].sheet.grade.has_value()) << "an empty grade stays empty";
}

TEST(ProgressTable, WrittenRowsFillTheHierarchyIn) {
  auto p = plan();
  auto views = model::make_views(p, records_of(parse(table({row("A", 2, "地域福祉課", "a", "b", "c"), row("B", 3, "介護保険課", "d", "e", "f")}))));
  auto tsv = engine::write_progress_table(views, engine::TableFormat::tsv);
  EXPECT_NE(tsv.find("1 市民の生活を支える仕組みづくり\t(1) 相談支援の仕組みづくり\t① 包括的な相談支援体制の構築\t2 機能集約センターの設置\t75\t"
                     "地域福祉課・介護保険課\t調査・研究\t\t検討\t\t実施\tB\t3\t介護保険課\td\te\tf\n"),
            std::string::npos)
      << tsv;
  EXPECT_TRUE(tsv.starts_with(kHeader + "\n"));
}

TEST(ProgressTable, CsvIsForExcel) {
  auto p = plan();
  auto records = records_of(parse(table({row("A", 1, "地域福祉課", "a", "b", "c")})));
  records[0].actions = "カンマ, と \"引用\"";
  auto csv = engine::write_progress_table(model::make_views(p, records), engine::TableFormat::csv);
  EXPECT_TRUE(csv.starts_with("\xEF\xBB\xBF基本戦略,施策細目,")) << "UTF-8 byte-order mark";
  EXPECT_NE(csv.find("\r\n"), std::string::npos);
  EXPECT_EQ(csv.find("\n", csv.find("\r\n") + 2) - 1, csv.find("\r\n", csv.find("\r\n") + 2)) << "every line ends in CRLF";
  EXPECT_NE(csv.find(",\"カンマ, と \"\"引用\"\"\","), std::string::npos) << csv;
}

TEST(ProgressTable, MeasureCellMarksRelistings) {
  model::Measure m;
  m.number = 3;
  m.title = "相談支援専門職の確保";
  EXPECT_EQ(engine::measure_cell(m), "3 相談支援専門職の確保");
  m.relisted_from = "M01";
  EXPECT_EQ(engine::measure_cell(m), "3 相談支援専門職の確保(再掲)");
  m.number.reset();
  EXPECT_EQ(engine::measure_cell(m), "相談支援専門職の確保(再掲)");
}

TEST(ProgressTable, SheetsTheStructureExpectsButTheTableLacksAreReported) {
  auto t = parse(table({row("A", 1, "地域福祉課", "a", "b", "c")}));
  std::vector<std::string> missing;
  for (const auto& w : t.warnings) {
    if (w.message.find("is not in the table") != std::string::npos) missing.push_back(w.message);
  }
  ASSERT_EQ(missing.size(), 4u) << "sheets 2, 3, 6 and 69";
  EXPECT_NE(missing[0].find("sheet 2 (M02)"), std::string::npos) << missing[0];
}

TEST(ProgressTable, UngradedRowInTheHeadersColumnsIsNotMisreadByItsTexts) {
  // An exported draft: no grade, and texts that look like a grade and a sheet number.
  auto t = parse(table({row("", 2, "地域福祉課", "A", "3", "方針")}));
  ASSERT_EQ(t.sheets.size(), 1u);
  EXPECT_EQ(t.sheets[0].sheet.sheet_no, 2);
  EXPECT_FALSE(t.sheets[0].sheet.grade.has_value());
  EXPECT_EQ(t.sheets[0].sheet.actions, "A");
  EXPECT_EQ(t.sheets[0].sheet.results, "3");
}
