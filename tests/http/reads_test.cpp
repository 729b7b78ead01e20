// Lists and reads over HTTP: years, sheet lists with their filters and pages, who sees what,
// measures, the audit trail, and the reports (the same bytes as the CLI's export).
#include <gtest/gtest.h>

#include <set>

#include "http_city.hpp"

using namespace http_test;

namespace {

std::vector<int> sheet_nos(const json::value& list) {
  std::vector<int> out;
  for (const auto& s : list.at("items").as_array()) out.push_back(static_cast<int>(s.at("sheet_no").as_int64()));
  return out;
}

}  // namespace

TEST(HttpReads, YearsShowTheClosedFy2019AndTheOpenFy2020) {
  City city;
  auto r = city.get("/api/v1/years", "kiki");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto& items = r.json().at("items").as_array();
  ASSERT_EQ(items.size(), 2u) << r.body;
  std::map<int, json::object> by_year;
  for (const auto& y : items) by_year[static_cast<int>(y.at("year").as_int64())] = y.as_object();
  ASSERT_TRUE(by_year.contains(2019) && by_year.contains(2020)) << r.body;
  EXPECT_EQ(by_year[2019].at("label").as_string(), "令和元年度");
  EXPECT_EQ(by_year[2019].at("state").as_string(), "closed");
  EXPECT_EQ(by_year[2019].at("sheets").as_int64(), 74);
  EXPECT_EQ(by_year[2019].at("counts").at("by_state").at("accepted").as_int64(), 74);
  EXPECT_EQ(by_year[2019].at("counts").at("by_grade").at("A").as_int64(), 50);
  EXPECT_EQ(by_year[2019].at("counts").at("by_grade").at("B").as_int64(), 11);
  EXPECT_EQ(by_year[2019].at("counts").at("by_grade").at("C").as_int64(), 13);
  EXPECT_EQ(by_year[2020].at("label").as_string(), "令和2年度");
  EXPECT_EQ(by_year[2020].at("state").as_string(), "open");
  EXPECT_EQ(by_year[2020].at("counts").at("by_state").at("draft").as_int64(), 74);
}

TEST(HttpReads, SheetFiltersByYearStateGradeDepartmentAndNumber) {
  City city;
  auto all2019 = city.get("/api/v1/sheets?year=2019&limit=200", "tanaka").json();
  EXPECT_EQ(all2019.at("items").as_array().size(), 74u);
  EXPECT_TRUE(all2019.at("next_cursor").is_null());
  for (auto [grade, n] : {std::pair{"A", 50u}, {"B", 11u}, {"C", 13u}}) {
    auto r = city.get(fmt::format("/api/v1/sheets?year=2019&grade={}&limit=200", grade), "tanaka").json();
    EXPECT_EQ(r.at("items").as_array().size(), n) << grade;
    for (const auto& s : r.at("items").as_array()) EXPECT_EQ(s.at("grade").as_string(), grade);
  }
  EXPECT_EQ(city.get("/api/v1/sheets?year=2019&grade=D", "tanaka").json().at("items").as_array().size(), 0u);
  EXPECT_EQ(city.get("/api/v1/sheets?year=2019&state=draft", "coord").json().at("items").as_array().size(), 0u);
  EXPECT_EQ(city.get("/api/v1/sheets?state=accepted&limit=200", "coord").json().at("items").as_array().size(), 74u);
  // Department by code and by Japanese name: the same sheets, each of which names it.
  auto by_code = city.get("/api/v1/sheets?year=2019&department=kiki-kanri&limit=200", "tanaka").json();
  auto by_name = city.get("/api/v1/sheets?year=2019&department=%E5%8D%B1%E6%A9%9F%E7%AE%A1%E7%90%86%E8%AA%B2&limit=200", "tanaka").json();  // 危機管理課
  EXPECT_FALSE(by_code.at("items").as_array().empty());
  EXPECT_EQ(sheet_nos(by_code), sheet_nos(by_name));
  for (const auto& s : by_code.at("items").as_array()) {
    const auto& deps = s.at("departments").as_array();
    EXPECT_NE(std::find(deps.begin(), deps.end(), json::value("危機管理課")), deps.end()) << s.at("sheet_no");
  }
  auto ten = city.get("/api/v1/sheets?sheet_no=10&limit=200", "coord").json();
  ASSERT_EQ(ten.at("items").as_array().size(), 2u) << "sheet 10 of both years";
  EXPECT_EQ(ten.at("items").as_array()[0].at("year").as_int64(), 2019);
  EXPECT_EQ(ten.at("items").as_array()[1].at("year").as_int64(), 2020);
  EXPECT_TRUE(city.get("/api/v1/sheets?year=2019&department=nowhere", "tanaka").json().at("items").as_array().empty());
}

TEST(HttpReads, TextQueryTakesPercentAndUnderscoreLiterally) {
  City city;
  auto q = [&](const std::string& encoded, const std::string& login = "coord") {
    auto r = city.get("/api/v1/sheets?limit=200&q=" + encoded, login);
    EXPECT_EQ(r.status, 200) << encoded << ": " << r.body;
    return sheet_nos(r.json());
  };
  // Only the sheets whose texts hold a literal % match q=% (sheet 16 does, in both years).
  const auto percent = q("%25");
  for (int no : percent) {
    auto s = city.sheet(city.sheet_id(2019, no));
    const std::string all = std::string(s.at("actions").as_string()) + std::string(s.at("results").as_string()) +
                            std::string(s.at("next_steps").as_string()) + std::string(s.at("measure").at("title").as_string());
    EXPECT_NE(all.find('%'), std::string::npos) << "sheet " << no << " matched q=% without a %";
  }
  EXPECT_LT(percent.size(), 10u) << "% is no wildcard";
  EXPECT_TRUE(q("_").empty()) << "no text of the city contains _";
  EXPECT_TRUE(q("%25%25%25").empty());
  const long long id = city.sheet_id(2020, 10);
  ASSERT_EQ(city.patch(id, {{"actions", "達成率100%%%を目指す"}, {"results", "a_b"}}, "tanaka", 1).status, 200);
  EXPECT_EQ(q("%25%25%25"), std::vector<int>{10});
  EXPECT_EQ(q("0%25%25%25%E3%82%92"), std::vector<int>{10});  // "0%%%を"
  EXPECT_EQ(q("_"), std::vector<int>{10});
  EXPECT_TRUE(q("a%25b").empty()) << "% is no wildcard";
  EXPECT_TRUE(q("1_0").empty()) << "_ is no wildcard";
  // A word from a measure title finds the measure's sheets in both years.
  auto title = std::string(city.sheet(id).at("measure").at("title").as_string());
  auto found = q(boost::urls::encode(title, boost::urls::unreserved_chars));
  EXPECT_GE(std::count(found.begin(), found.end(), 10), 2) << title;
  // A staff member of another department does not find the 2020 draft by its text.
  EXPECT_TRUE(q("%25%25%25", "kiki").empty());
}

TEST(HttpReads, PagesWithCursorCoverEverySheetExactlyOnce) {
  City city;
  std::vector<std::pair<int, int>> seen;
  std::string cursor;
  int pages = 0;
  for (; pages < 100; ++pages) {
    auto r = city.get("/api/v1/sheets?limit=7" + (cursor.empty() ? std::string() : "&cursor=" + cursor), "coord");
    ASSERT_EQ(r.status, 200) << r.body;
    auto v = r.json();
    const auto& items = v.at("items").as_array();
    EXPECT_LE(items.size(), 7u);
    for (const auto& s : items) seen.emplace_back(static_cast<int>(s.at("year").as_int64()), static_cast<int>(s.at("sheet_no").as_int64()));
    if (v.at("next_cursor").is_null()) break;
    EXPECT_EQ(items.size(), 7u) << "only the last page is short";
    cursor = std::string(v.at("next_cursor").as_string());
  }
  EXPECT_EQ(seen.size(), 148u) << "74 sheets in each of two years";
  const std::set<std::pair<int, int>> distinct(seen.begin(), seen.end());
  EXPECT_EQ(distinct.size(), seen.size()) << "no sheet twice";
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(pages + 1, (148 + 6) / 7);
  EXPECT_EQ(city.get("/api/v1/sheets?limit=201", "coord").status, 400) << "max page 200";
  EXPECT_EQ(city.get("/api/v1/sheets?cursor=garbage", "coord").status, 400);
}

TEST(HttpReads, StaffSeeEveryAcceptedSheetButOnlyTheirOwnDepartmentsDrafts) {
  City city;
  auto list = [&](const std::string& login) {
    std::vector<json::value> out;
    std::string cursor;
    for (int i = 0; i < 50; ++i) {
      auto v = city.get("/api/v1/sheets?year=2020&limit=50" + (cursor.empty() ? std::string() : "&cursor=" + cursor), login).json();
      for (const auto& s : v.at("items").as_array()) out.push_back(s);
      if (v.at("next_cursor").is_null()) break;
      cursor = std::string(v.at("next_cursor").as_string());
    }
    return out;
  };
  auto mine = list("kiki");
  EXPECT_FALSE(mine.empty());
  for (const auto& s : mine) {
    const auto& deps = s.at("departments").as_array();
    EXPECT_NE(std::find(deps.begin(), deps.end(), json::value("危機管理課")), deps.end()) << "sheet " << s.at("sheet_no");
  }
  EXPECT_LT(mine.size(), 74u);
  EXPECT_EQ(list("coord").size(), 74u);
  EXPECT_EQ(list("kansa").size(), 74u);
  EXPECT_EQ(city.get("/api/v1/sheets?year=2019&limit=200", "kiki").json().at("items").as_array().size(), 74u);
  // Once accepted, another department's sheet appears in the staff member's list.
  const long long id = city.sheets_2020({"地域福祉課", "介護保険課"}, {"危機管理課"}).at(0);
  city.fill(id, "tanaka");
  city.step(id, "submit", "tanaka");
  city.step(id, "approve", "kacho");
  EXPECT_EQ(list("kiki").size(), mine.size());
  city.step(id, "accept", "coord");
  EXPECT_EQ(list("kiki").size(), mine.size() + 1);
}

TEST(HttpReads, MeasureAcrossYearsAndItsHistory) {
  City city;
  auto sheet = city.sheet(city.sheet_id(2019, 10), "kiki");
  // The sheet names its measure's id, which GET /measures/{id} takes.
  ASSERT_TRUE(sheet.contains("measure_id")) << json::serialize(sheet).substr(0, 1500);
  const std::string key(sheet.at("measure_id").as_string());
  EXPECT_EQ(city.sheet(city.sheet_id(2020, 10)).at("measure_id").as_string(), key);
  auto m = city.get("/api/v1/measures/" + key, "coord");
  ASSERT_EQ(m.status, 200) << m.body;
  std::vector<int> years;
  for (const auto& s : m.json().at("sheets").as_array()) years.push_back(static_cast<int>(s.at("year").as_int64()));
  EXPECT_NE(std::find(years.begin(), years.end(), 2019), years.end());
  EXPECT_NE(std::find(years.begin(), years.end(), 2020), years.end());
  EXPECT_EQ(m.json().at("title").as_string(), sheet.at("measure").at("title").as_string());
  // 危機管理課 staff sees the accepted 2019 sheet, not another department's 2020 draft.
  auto other = city.get("/api/v1/measures/" + key, "kiki").json();
  for (const auto& s : other.at("sheets").as_array()) EXPECT_EQ(s.at("state").as_string(), "accepted");
  auto h = city.get("/api/v1/measures/" + key + "/history", "coord");
  ASSERT_EQ(h.status, 200) << h.body;
  EXPECT_GE(h.json().at("events").as_array().size(), 2u) << "a creation in each year";
  EXPECT_EQ(city.get("/api/v1/measures/no-such-key/history", "coord").status, 404);
}

TEST(HttpReads, AuditListsInJsonJsonlAndCsvWithCursorPaging) {
  City city;
  const long long id = city.sheet_id(2020, 10);
  city.fill(id, "tanaka");
  auto page1 = city.get("/api/v1/audit?limit=50", "kansa");
  ASSERT_EQ(page1.status, 200) << page1.body;
  auto v1 = page1.json();
  ASSERT_EQ(v1.at("items").as_array().size(), 50u);
  ASSERT_TRUE(v1.at("next_cursor").is_string());
  auto page2 = city.get("/api/v1/audit?limit=50&cursor=" + std::string(v1.at("next_cursor").as_string()), "kansa").json();
  ASSERT_FALSE(page2.at("items").as_array().empty());
  EXPECT_GT(page2.at("items").as_array()[0].at("id").as_int64(), v1.at("items").as_array().back().at("id").as_int64());
  // Every event exactly once across all pages.
  std::set<long long> ids;
  std::size_t count = 0;
  std::string cursor;
  for (int i = 0; i < 100; ++i) {
    auto v = city.get("/api/v1/audit?limit=40" + (cursor.empty() ? std::string() : "&cursor=" + cursor), "kansa").json();
    for (const auto& e : v.at("items").as_array()) {
      ids.insert(e.at("id").as_int64());
      ++count;
    }
    if (v.at("next_cursor").is_null()) break;
    cursor = std::string(v.at("next_cursor").as_string());
  }
  EXPECT_EQ(ids.size(), count);
  EXPECT_GT(count, 148u) << "creations of both years' sheets and more";
  // One sheet's events, by actor, in the other formats.
  auto mine = city.get("/api/v1/audit?actor=tanaka", "kansa").json();
  ASSERT_EQ(mine.at("items").as_array().size(), 1u) << json::serialize(mine).substr(0, 500);
  EXPECT_EQ(mine.at("items").as_array()[0].at("action").as_string(), "edit");
  auto jsonl = city.get(fmt::format("/api/v1/audit?entity=sheet:{}&format=jsonl", id), "kansa");
  ASSERT_EQ(jsonl.status, 200);
  EXPECT_TRUE(jsonl.header("Content-Type").starts_with("application/x-ndjson")) << jsonl.header("Content-Type");
  std::vector<std::string> lines;
  for (std::size_t at = 0, nl; (nl = jsonl.body.find('\n', at)) != std::string::npos; at = nl + 1) lines.push_back(jsonl.body.substr(at, nl - at));
  ASSERT_EQ(lines.size(), 2u) << jsonl.body;
  EXPECT_EQ(json::parse(lines[1]).at("action").as_string(), "edit");
  auto csv = city.get(fmt::format("/api/v1/audit?entity=sheet:{}&format=csv", id), "kansa");
  ASSERT_EQ(csv.status, 200);
  EXPECT_TRUE(csv.header("Content-Type").starts_with("text/csv"));
  EXPECT_TRUE(csv.body.starts_with("\xEF\xBB\xBFid,entity_type,entity_id,")) << csv.body.substr(0, 100);
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 3) << "header and two events, CRLF";
  EXPECT_EQ(city.get("/api/v1/audit?format=xml", "kansa").status, 400);
  EXPECT_EQ(city.get("/api/v1/audit?since=2020-13-01T00:00:00Z", "kansa").status, 400);
  EXPECT_EQ(city.get("/api/v1/audit?since=2999-01-01T00:00:00Z", "kansa").status, 400) << "beyond the clock's range";
  auto future = city.get("/api/v1/audit?since=2199-01-01T00:00:00%2B09:00", "kansa").json();
  EXPECT_TRUE(future.at("items").as_array().empty());
  auto verify = city.get("/api/v1/audit/verify", "coord");
  ASSERT_EQ(verify.status, 200);
  EXPECT_TRUE(verify.json().at("ok").as_bool()) << verify.body;
  EXPECT_GT(verify.json().at("checked").as_int64(), 0) << verify.body;
}

TEST(HttpReads, ProgressReportIsTheSameBytesAsTheCliExport) {
  City city;
  for (const char* format : {"json", "tsv", "csv", "xlsx"}) {
    auto r = city.get(fmt::format("/api/v1/reports/progress?year=2019&format={}", format), "kiki");
    ASSERT_EQ(r.status, 200) << format << ": " << r.body.substr(0, 300);
    auto out = temp_file("export", std::string(".") + format);
    auto cli = city.cli(fmt::format("export --year 2019 --format {} -o {}", format, out.string()));
    ASSERT_EQ(cli.exit_code, 0) << cli.err;
    const std::string expected = testing_support::slurp(out);
    std::filesystem::remove(out);
    ASSERT_FALSE(expected.empty());
    if (std::string(format) == "xlsx") {
      EXPECT_TRUE(r.header("Content-Type").starts_with("application/vnd.openxmlformats")) << r.header("Content-Type");
      EXPECT_TRUE(r.body.starts_with("PK"));
    }
    EXPECT_EQ(r.body.size(), expected.size()) << format;
    EXPECT_TRUE(r.body == expected) << format << " differs from the CLI export";
  }
  // Not just within one second: a workbook made later is the same bytes.
  auto first = city.get("/api/v1/reports/progress?year=2019&format=xlsx", "kiki");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_TRUE(city.get("/api/v1/reports/progress?year=2019&format=xlsx", "kiki").body == first.body) << "the workbook carries the time it was made";
  EXPECT_EQ(city.get("/api/v1/reports/progress?year=2019&format=pdf", "kiki").status, 400);
  EXPECT_EQ(city.get("/api/v1/reports/progress?format=json", "kiki").status, 400) << "year is required";
  EXPECT_EQ(city.get("/api/v1/reports/progress?year=2030", "kiki").status, 404);
  // A staff member's FY2020 report holds only the drafts they may read.
  auto staff = city.get("/api/v1/reports/progress?year=2020&format=json", "kiki").json();
  auto coord = city.get("/api/v1/reports/progress?year=2020&format=json", "coord").json();
  EXPECT_LT(staff.at("sheets").as_array().size(), coord.at("sheets").as_array().size());
  EXPECT_EQ(coord.at("sheets").as_array().size(), 74u);
}

TEST(HttpReads, SummaryAndYearOverYearCountsOfFy2019) {
  City city;
  auto r = city.get("/api/v1/reports/summary?year=2019", "kiki");
  ASSERT_EQ(r.status, 200) << r.body;
  auto s = r.json().as_object();
  EXPECT_EQ(s.at("sheets").as_int64(), 74);
  EXPECT_EQ(s.at("label").as_string(), "令和元年度");
  std::map<std::string, long long> grades;
  for (const auto& row : s.at("grade_by_strategy").as_array()) {
    for (const auto& [g, n] : row.at("grades").as_object()) grades[std::string(g)] += n.as_int64();
  }
  EXPECT_EQ(grades, (std::map<std::string, long long>{{"A", 50}, {"B", 11}, {"C", 13}}));
  long long accepted = 0;
  bool hoiku = false;
  for (const auto& row : s.at("state_by_department").as_array()) {
    if (row.at("department").as_string() == "危機管理課") hoiku = true;
    for (const auto& [st, n] : row.at("states").as_object()) {
      EXPECT_EQ(st, "accepted");
      accepted += n.as_int64();
    }
  }
  EXPECT_TRUE(hoiku);
  EXPECT_GE(accepted, 74) << "a sheet counts once for each of its departments";
  EXPECT_FALSE(s.at("grade_by_department").as_array().empty());

  const long long id = city.sheet_id(2020, 10);
  ASSERT_EQ(city.patch(id, {{"grade", "B"}}, "tanaka", 1).status, 200);  // A in 2019
  auto yoy = city.get("/api/v1/reports/year-over-year?from=2019&to=2020", "coord");
  ASSERT_EQ(yoy.status, 200) << yoy.body;
  const auto& items = yoy.json().at("items").as_array();
  EXPECT_EQ(items.size(), 74u);
  std::map<std::string, int> changes;
  for (const auto& it : items) {
    changes[std::string(it.at("change").as_string())]++;
    if (it.at("to").is_object() && it.at("to").at("sheet_no").as_int64() == 10) {
      EXPECT_EQ(it.at("from").at("grade").as_string(), "A");
      EXPECT_EQ(it.at("to").at("grade").as_string(), "B");
      EXPECT_EQ(it.at("change").as_string(), "fell");
    }
  }
  EXPECT_EQ(changes["fell"], 1);
  EXPECT_EQ(changes["ungraded"], 73) << "the other drafts have no grade yet";
  EXPECT_EQ(city.get("/api/v1/reports/year-over-year?from=2019", "coord").status, 400);
}
