// Reminders behind a real `shinchoku serve` (issue 6): the in-app inbox and the pending items
// report over HTTP, the scheduler inside serve on its injected clock, two servers scheduling at
// once, and SIGTERM. Honjo's FY2020 drafts whose FY2019 grade was C 検討中 are the pending items;
// the city's reminders go to the inbox only.
#include <set>

#include "http_city.hpp"

namespace http_test {
namespace {

// Monday 28 April 2025, 10:00 JST: five business days after Monday 21 April (the default first reminder).
const std::string kMonday = "2025-04-28T10:00:00+09:00";
const std::string kWeekBefore = "2025-04-21T10:00:00+09:00";

long long scalar(const City& city, const std::string& sql) {
  auto conn = persistence::connect_libpq(city.owner_url());
  PGresult* r = PQexec(conn.get(), sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
  const long long v = ok ? std::stoll(PQgetvalue(r, 0, 0)) : -1;
  PQclear(r);
  if (!ok) throw std::runtime_error("test SQL failed: " + sql);
  return v;
}

// The value of a metric line `name value` in the Prometheus text (-1 when absent).
long long metric(const std::string& text, const std::string& name) {
  auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + name.size() + 2));
}

// Polls `done` every 50 ms for at most `limit`.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::milliseconds(4000)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

std::set<std::string> acting_logins(const json::value& item) {
  std::set<std::string> out;
  for (const auto& a : item.at("must_act").as_array()) out.insert(std::string(a.at("login").as_string()));
  return out;
}

TEST(Notifications, TheInboxShowsWhatRunOnceDeliveredAndMarkingOneReadLowersTheUnreadCount) {
  City city;
  city.owner_exec("UPDATE sheet SET state_since = '" + kWeekBefore + "' WHERE fiscal_year = 2020");
  auto before = city.get("/api/v1/notifications", "tanaka");
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(before.json().at("total"), 0);

  auto run = city.cli("remind run-once --now " + kMonday);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;

  // tanaka (地域福祉課 staff) owes one reminder per pending draft of 地域福祉課.
  auto report = city.get("/api/v1/reports/pending?year=2020", "coord");
  ASSERT_EQ(report.status, 200) << report.body;
  long long owed = 0;
  for (const auto& item : report.json().at("items").as_array()) owed += acting_logins(item).contains("tanaka") ? 1 : 0;
  ASSERT_GT(owed, 0) << report.body;

  auto inbox = city.get("/api/v1/notifications", "tanaka");
  ASSERT_EQ(inbox.status, 200) << inbox.body;
  const auto page = inbox.json();
  const auto& items = page.at("items").as_array();
  ASSERT_EQ(static_cast<long long>(items.size()), owed) << inbox.body;
  EXPECT_EQ(page.at("unread"), owed);
  EXPECT_GE(items.at(0).at("id").as_int64(), items.back().at("id").as_int64());  // newest first
  EXPECT_NE(std::string(items.at(0).at("body").as_string()).find("/sheets/"), std::string::npos) << items.at(0);

  const long long id = items.at(0).at("id").as_int64();
  auto other = city.call("POST", fmt::format("/api/v1/notifications/{}/read", id), "", City::bearer(city.token("kaigo")));
  EXPECT_EQ(other.status, 404) << other.body;  // not kaigo's
  auto read = city.call("POST", fmt::format("/api/v1/notifications/{}/read", id), "", City::bearer(city.token("tanaka")));
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.json().at("unread"), owed - 1);
  auto after = city.get("/api/v1/notifications", "tanaka");
  EXPECT_EQ(after.json().at("unread"), owed - 1);
  EXPECT_TRUE(after.json().at("items").at(0).at("read_at").is_string());
  auto unread = city.get("/api/v1/notifications?unread=true", "tanaka");
  EXPECT_EQ(static_cast<long long>(unread.json().at("items").as_array().size()), owed - 1);
}

TEST(Notifications, ThePendingReportListsTheUnderStudyDraftsWithTheirBusinessDays) {
  City city;
  const long long c_drafts = scalar(city,
      "SELECT count(*) FROM sheet WHERE fiscal_year = 2020 AND state = 'draft' AND (grade = 'C' OR (grade IS NULL AND previous_grade = 'C'))");
  ASSERT_GT(c_drafts, 1);
  // One draft a week longer in its state than another: five business days between them.
  const long long old_sheet = scalar(city, "SELECT min(id) FROM sheet WHERE fiscal_year = 2020 AND previous_grade = 'C'");
  const long long new_sheet = scalar(city, "SELECT max(id) FROM sheet WHERE fiscal_year = 2020 AND previous_grade = 'C'");
  city.owner_exec(fmt::format("UPDATE sheet SET state_since = '{}' WHERE id = {}", kWeekBefore, old_sheet));
  city.owner_exec(fmt::format("UPDATE sheet SET state_since = '{}' WHERE id = {}", kMonday, new_sheet));

  auto r = city.get("/api/v1/reports/pending?year=2020", "coord");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = r.json();
  EXPECT_EQ(body.at("count"), c_drafts);
  std::map<long long, json::object> by_id;
  for (const auto& item : body.at("items").as_array()) by_id[item.at("sheet_id").as_int64()] = item.as_object();
  ASSERT_TRUE(by_id.contains(old_sheet) && by_id.contains(new_sheet)) << r.body;
  EXPECT_EQ(by_id[old_sheet].at("business_days_pending").as_int64() - by_id[new_sheet].at("business_days_pending").as_int64(), 5);
  EXPECT_EQ(body.at("items").at(0).at("sheet_id"), old_sheet);  // the longest pending first
  EXPECT_EQ(by_id[old_sheet].at("state"), "draft");
  EXPECT_EQ(by_id[old_sheet].at("previous_grade"), "C");
  EXPECT_FALSE(by_id[old_sheet].at("departments").as_array().empty());
  EXPECT_FALSE(by_id[old_sheet].at("must_act").as_array().empty());

  // A draft graded C now is pending too.
  long long a_sheet = 0;
  for (long long id : city.sheets_2020({"地域福祉課"})) {
    if (!by_id.contains(id)) a_sheet = id;
  }
  ASSERT_NE(a_sheet, 0);
  auto graded = city.patch(a_sheet, {{"grade", "C"}}, "tanaka", city.version(a_sheet));
  ASSERT_EQ(graded.status, 200) << graded.body;
  auto again = city.get("/api/v1/reports/pending?year=2020", "coord").json();
  EXPECT_EQ(again.at("count").as_int64(), c_drafts + 1);

  EXPECT_EQ(city.get("/api/v1/reports/pending?year=2020", "tanaka").status, 403);
  EXPECT_EQ(city.get("/api/v1/reports/pending?year=2020", "kansa").status, 200);
  EXPECT_EQ(city.get("/api/v1/reports/pending?year=2031", "coord").status, 404);
  EXPECT_EQ(city.get("/api/v1/reports/pending?year=2019", "coord").json().at("count"), 0);  // FY2019 is not open
}

Settings scheduling() {
  Settings s;
  s.reminders_enabled = true;
  s.reminders_tick_seconds = 1;
  s.reminders_now = kMonday;
  return s;
}

TEST(Notifications, TheSchedulerInServeDecidesAndDeliversOnItsOwnAndStopsCleanlyOnSigterm) {
  City city(scheduling());
  city.owner_exec("UPDATE sheet SET state_since = '" + kWeekBefore + "' WHERE fiscal_year = 2020");
  // No CLI run: the server's own ticks (every second, its clock at Monday 10:00 JST) decide and deliver.
  ASSERT_TRUE(eventually([&] { return city.get("/api/v1/notifications", "tanaka").json().at("total").as_int64() > 0; })) << city.log();
  const long long rows = scalar(city, "SELECT count(*) FROM reminder_outbox");
  ASSERT_TRUE(eventually([&] { return scalar(city, "SELECT count(*) FROM reminder_outbox WHERE state = 'sent'") == rows; })) << city.log();
  auto m = city.call("GET", "/metrics");
  EXPECT_EQ(metric(m.body, "shinchoku_reminders_decided_total"), rows) << m.body;
  EXPECT_GT(metric(m.body, "shinchoku_reminders_sent_total"), 0) << m.body;
  EXPECT_EQ(metric(m.body, "shinchoku_reminder_outbox{state=\"sent\"}"), rows) << m.body;
  EXPECT_EQ(metric(m.body, "shinchoku_reminder_outbox{state=\"dead\"}"), 0) << m.body;

  const auto started = std::chrono::steady_clock::now();
  city.server().signal(SIGTERM);
  auto status = city.server().wait_exit(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value()) << city.log();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << city.log();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_EQ(scalar(city, "SELECT count(*) FROM reminder_outbox WHERE state = 'sending'"), 0);
}

TEST(Notifications, TwoServersSchedulingAtOnceDecideEachReminderOnceAndDeliverItOnce) {
  City city(scheduling());
  auto second = city.start_server();
  city.owner_exec("UPDATE sheet SET state_since = '" + kWeekBefore + "' WHERE fiscal_year = 2020");
  ASSERT_TRUE(eventually([&] {
    return scalar(city, "SELECT count(*) FROM reminder_outbox") > 0 &&
           scalar(city, "SELECT count(*) FROM reminder_outbox WHERE state <> 'sent'") == 0;
  })) << city.log();
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // both have ticked again since
  const long long rows = scalar(city, "SELECT count(*) FROM reminder_outbox");
  EXPECT_EQ(scalar(city, "SELECT count(*) FROM notification_inbox"), rows);
  EXPECT_EQ(scalar(city, "SELECT count(*) FROM (SELECT DISTINCT user_id, sheet_id FROM notification_inbox) d"), rows);
  // Each row was written by exactly one of the two servers.
  const long long a = metric(city.call("GET", "/metrics").body, "shinchoku_reminders_decided_total");
  const long long b = metric(city.call("GET", "/metrics", {}, {}, second->port()).body, "shinchoku_reminders_decided_total");
  EXPECT_EQ(a + b, rows) << a << " + " << b;
  auto dry = city.cli("remind run-once --dry-run --format json --now " + kMonday);
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_TRUE(json::parse(dry.out).at("due").as_array().empty()) << dry.out;
}

TEST(Notifications, NoRemindersFlagKeepsTheSchedulerOff) {
  City city(scheduling());  // its server decides nothing: no sheet has been pending long enough yet
  city.server().signal(SIGTERM);
  ASSERT_TRUE(city.server().wait_exit(std::chrono::seconds(10)).has_value());
  auto quiet = city.start_server(std::nullopt, {"--no-reminders"});
  city.owner_exec("UPDATE sheet SET state_since = '" + kWeekBefore + "' WHERE fiscal_year = 2020");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(scalar(city, "SELECT count(*) FROM reminder_outbox"), 0);
  EXPECT_NE(quiet->log().find("--no-reminders"), std::string::npos) << quiet->log();
  // The same configuration without the flag decides them within a tick or two.
  auto busy = city.start_server();
  EXPECT_TRUE(eventually([&] { return scalar(city, "SELECT count(*) FROM reminder_outbox") > 0; })) << busy->log();
}

}  // namespace
}  // namespace http_test
