// Fiscal years over HTTP against a real server: the list the dashboard reads, and closing a
// year (POST /api/v1/years/{year}/close) with the code of `shinchoku year close`: 403 for
// others than coordinators and admins, 409 while sheets are not final, 200 and its audit event.
#include <gtest/gtest.h>

#include "http_city.hpp"

using namespace http_test;

namespace {

HttpResponse close_year(City& city, int year, const std::string& login, Headers more = {}) {
  return city.call("POST", fmt::format("/api/v1/years/{}/close", year), {}, City::bearer(city.token(login), std::move(more)));
}

json::object year_item(City& city, int year) {
  auto r = city.get("/api/v1/years", "coord");
  if (r.status != 200) throw std::runtime_error(fmt::format("GET years: {} {}", r.status, r.body));
  for (const auto& y : r.json().at("items").as_array()) {
    if (y.at("year").as_int64() == year) return y.as_object();
  }
  throw std::runtime_error(fmt::format("no year {} in {}", year, r.body));
}

}  // namespace

TEST(HttpYears, TheListGivesLabelsStatesCountsAndWhetherEachYearCanClose) {
  City city;
  const auto fy2019 = year_item(city, 2019), fy2020 = year_item(city, 2020);
  EXPECT_EQ(fy2019.at("label").as_string(), "令和元年度");
  EXPECT_EQ(fy2019.at("short_label").as_string(), "R1");
  EXPECT_EQ(fy2019.at("state").as_string(), "closed");
  EXPECT_EQ(fy2019.at("not_final").as_int64(), 0);
  EXPECT_FALSE(fy2019.at("closable").as_bool());
  EXPECT_EQ(fy2020.at("label").as_string(), "令和2年度");
  EXPECT_EQ(fy2020.at("state").as_string(), "open");
  EXPECT_EQ(fy2020.at("not_final").as_int64(), 74);
  EXPECT_FALSE(fy2020.at("closable").as_bool());
}

TEST(HttpYears, OnlyCoordinatorsAndAdminsCloseAYearAndOnlyWhenEverySheetIsFinal) {
  City city;
  for (const char* who : {"tanaka", "chiiki_kacho", "kansa"}) {
    auto r = close_year(city, 2020, who);
    EXPECT_EQ(r.status, 403) << who << " " << r.body;
    problem(r);
  }
  EXPECT_EQ(close_year(city, 2031, "coord").status, 404);

  auto busy = close_year(city, 2020, "coord");
  ASSERT_EQ(busy.status, 409) << busy.body;
  const auto p = problem(busy);
  EXPECT_EQ(p.at("not_final").as_int64(), 74);
  EXPECT_EQ(p.at("sheets").as_array().size(), 74u);
  EXPECT_EQ(p.at("sheets").at(0).at("state").as_string(), "draft");
  EXPECT_NE(std::string(p.at("detail_ja").as_string()).find("74件"), std::string::npos) << busy.body;
  EXPECT_EQ(year_item(city, 2020).at("state").as_string(), "open");

  // FY2019 (imported, every sheet accepted) reopened by the admin with the CLI, closed over HTTP.
  ASSERT_EQ(city.cli("year reopen 2019 --actor kanri").exit_code, 0);
  EXPECT_TRUE(year_item(city, 2019).at("closable").as_bool());
  auto done = close_year(city, 2019, "coord", {{"X-Request-Id", "close-fy2019"}});
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.json().at("year").as_int64(), 2019);
  EXPECT_EQ(done.json().at("state").as_string(), "closed");
  EXPECT_EQ(done.json().at("label").as_string(), "令和元年度");
  EXPECT_EQ(year_item(city, 2019).at("state").as_string(), "closed");

  auto again = close_year(city, 2019, "coord");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(problem(again).at("year_state").as_string(), "closed");

  // The close is in the audit trail with who, the grant used and the request id; the chains hold.
  auto audit = city.get("/api/v1/audit?entity=fiscal_year:2019", "kansa");
  ASSERT_EQ(audit.status, 200) << audit.body;
  const json::object* close_event = nullptr;
  for (const auto& e : audit.json().at("items").as_array()) {
    if (e.at("action").as_string() == "close" && e.at("request_id").as_string() == "close-fy2019") close_event = &e.as_object();
  }
  ASSERT_NE(close_event, nullptr) << audit.body;
  EXPECT_EQ(close_event->at("actor").as_string(), "coord");
  EXPECT_EQ(close_event->at("actor_grant").as_string(), "coordinator");
  EXPECT_EQ(close_event->at("changes").at("state").at("after").as_string(), "closed");
  auto verify = city.get("/api/v1/audit/verify", "kansa");
  ASSERT_EQ(verify.status, 200) << verify.body;
  EXPECT_TRUE(verify.json().at("ok").as_bool()) << verify.body;

  // An admin may close too.
  ASSERT_EQ(city.cli("year reopen 2019 --actor kanri").exit_code, 0);
  EXPECT_EQ(close_year(city, 2019, "kanri").status, 200);
}
