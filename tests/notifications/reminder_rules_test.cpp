// The reminder rules on fixed dates: what is pending, who is reminded, on which business days,
// and a simulated month through Golden Week and one through the year-end closure, decided
// several times a day as a scheduler would, with an outbox of unique keys in memory.
#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include <fmt/format.h>

#include "calendar_support.hpp"
#include "default_workflow.hpp"
#include "notifications/reminder_rules.hpp"

using notifications::DueReminder;
using notifications::Recipient;
using notifications::ReminderRule;
using notifications::ReminderRules;
using notifications::SheetItem;
using notifications::TimePoint;
using test_support::shipped_calendar;
using test_support::ymd;

namespace {

const model::Workflow kWorkflow = testing_support::default_workflow();
const model::GradeScale kGrades({{"A", "達成", true, false},
                                 {"B", "未達成", true, false},
                                 {"C", "検討中", false, true},
                                 {"D", "中止", false, false, true}});
const notifications::DepartmentRef kChiiki{"chiiki-fukushi", "地域福祉課"};
const notifications::DepartmentRef kKaigo{"kaigo-hoken", "介護保険課"};

// An instant given as JST wall time.
TimePoint jst(int y, unsigned m, unsigned d, int hour = 10, int minute = 0) {
  return notifications::jst_start_of_day(ymd(y, m, d)) + std::chrono::hours{hour} + std::chrono::minutes{minute};
}

std::string day_text(notifications::Date d) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                     static_cast<unsigned>(d.day()));
}

std::vector<Recipient> city_users() {
  return {
      {"tanaka", "田中", "tanaka@city.example", true, {{"staff", kChiiki.code}}},
      {"kacho", "課長", "kacho@city.example", true, {{"approver", kChiiki.code}}},
      {"coord", "取りまとめ", "coord@city.example", true, {{"coordinator", std::nullopt}}},
      // the only staff of 介護保険課 has left: that department's drafts fall to the coordinator
      {"suzuki", "鈴木", "suzuki@city.example", false, {{"staff", kKaigo.code}}},
  };
}

SheetItem item(long long id, int no, std::string state, std::optional<std::string> grade, TimePoint since,
               std::vector<notifications::DepartmentRef> departments = {kChiiki},
               std::optional<std::string> previous_grade = std::nullopt) {
  return {id, no, 2025, std::move(state), std::move(grade), std::move(previous_grade), std::move(departments), since};
}

ReminderRules rules(int n, int m, int k) {
  ReminderRules r;
  r.first_after_business_days = n;
  r.repeat_every_business_days = m;
  r.escalate_after = k;
  return r;
}

// "date recipient sheet rule" for every reminder that became due for the first time, deciding at
// 08:30, 10:00, 16:30 and 17:30 JST of every day from `from` to `to`; `change` may edit the items
// before each decision.
using Change = std::function<void(std::vector<SheetItem>&, TimePoint)>;
std::vector<std::string> simulate(std::vector<SheetItem> items, const ReminderRules& r, notifications::Date from,
                                  notifications::Date to, const Change& change = {}) {
  std::set<std::tuple<std::string, long long, std::string, std::string>> outbox;
  std::vector<std::string> fired;
  notifications::FixedClock clock(jst(static_cast<int>(from.year()), static_cast<unsigned>(from.month()),
                                      static_cast<unsigned>(from.day()), 0));
  for (auto day = std::chrono::sys_days{from}; day <= std::chrono::sys_days{to}; day += std::chrono::days{1}) {
    for (auto [h, m] : {std::pair{8, 30}, std::pair{10, 0}, std::pair{16, 30}, std::pair{17, 30}}) {
      const notifications::Date d{day};
      clock.set(jst(static_cast<int>(d.year()), static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()), h, m));
      if (change) change(items, clock.now());
      const auto decision =
          notifications::decide_reminders(items, city_users(), kWorkflow, kGrades, shipped_calendar(), r, clock.now());
      for (const auto& due : decision.due) {
        if (outbox.emplace(due.recipient, due.sheet_id, std::string(notifications::rule_name(due.rule)), due.period).second) {
          fired.push_back(fmt::format("{} {} {} {}", day_text(d), due.recipient, due.sheet_no,
                                      notifications::rule_name(due.rule)));
        }
      }
    }
  }
  return fired;
}

}  // namespace

TEST(ReminderRules, PendingMeansUnderStudyOrUngradedAfterAnUnderStudyYear) {
  const auto at = jst(2025, 4, 1);
  EXPECT_TRUE(notifications::is_pending(item(1, 1, "draft", "C", at), kWorkflow, kGrades));
  EXPECT_TRUE(notifications::is_pending(item(1, 1, "approved", "C", at), kWorkflow, kGrades));
  EXPECT_FALSE(notifications::is_pending(item(1, 1, "draft", "B", at), kWorkflow, kGrades));
  EXPECT_TRUE(notifications::is_pending(item(1, 1, "draft", std::nullopt, at, {kChiiki}, "C"), kWorkflow, kGrades));
  EXPECT_FALSE(notifications::is_pending(item(1, 1, "draft", std::nullopt, at, {kChiiki}, "A"), kWorkflow, kGrades));
  EXPECT_FALSE(notifications::is_pending(item(1, 1, "draft", std::nullopt, at), kWorkflow, kGrades));
  // graded A this year although last year was C: no longer under study
  EXPECT_FALSE(notifications::is_pending(item(1, 1, "draft", "A", at, {kChiiki}, "C"), kWorkflow, kGrades));
  EXPECT_FALSE(notifications::is_pending(item(1, 1, "accepted", "C", at), kWorkflow, kGrades));
}

TEST(ReminderRules, GoldenWeekMonthRemindsOnExactlyTheExpectedBusinessDays) {
  // The days off this test relies on.
  const auto& cal = shipped_calendar();
  ASSERT_TRUE(cal.is_holiday(ymd(2025, 4, 29)));   // 昭和の日, Tuesday
  ASSERT_TRUE(cal.is_holiday(ymd(2025, 5, 5)));    // こどもの日, Monday
  ASSERT_TRUE(cal.is_holiday(ymd(2025, 5, 6)));    // 振替休日 for みどりの日 on Sunday
  ASSERT_TRUE(cal.is_business_day(ymd(2025, 5, 2)));

  std::vector<SheetItem> items = {
      item(1, 6, "submitted", "C", jst(2025, 4, 21, 10)),                          // approver's turn
      item(2, 17, "draft", std::nullopt, jst(2025, 4, 30, 15), {kChiiki, kKaigo}, "C"),  // staff; 介護保険課 has nobody
      item(3, 18, "draft", "A", jst(2025, 4, 1, 10)),                              // graded A: not pending
      item(4, 20, "approved", "C", jst(2025, 4, 22, 9, 30)),                       // coordinator's turn, accepted May 2
  };
  const auto accept_on_may_2 = [](std::vector<SheetItem>& it, TimePoint now) {
    if (now >= jst(2025, 5, 2, 12)) {
      it[3].state = "accepted";
      it[3].state_since = jst(2025, 5, 2, 12);
    }
  };
  const auto fired = simulate(items, rules(3, 2, 2), ymd(2025, 4, 19), ymd(2025, 5, 20), accept_on_may_2);
  const std::vector<std::string> expected = {
      "2025-04-24 kacho 6 first",
      "2025-04-25 coord 20 first",
      "2025-04-28 kacho 6 repeat",
      "2025-04-30 coord 20 repeat",
      "2025-05-01 coord 6 escalation",  // the third reminder: K = 2 passed
      "2025-05-01 kacho 6 repeat",
      "2025-05-02 coord 20 repeat",      // decided at 10:00, accepted at 12:00
      "2025-05-07 coord 6 escalation",
      "2025-05-07 coord 17 first",       // standing in for staff@kaigo-hoken
      "2025-05-07 kacho 6 repeat",
      "2025-05-07 tanaka 17 first",
      "2025-05-09 coord 6 escalation",
      "2025-05-09 coord 17 repeat",
      "2025-05-09 kacho 6 repeat",
      "2025-05-09 tanaka 17 repeat",
      "2025-05-13 coord 6 escalation",
      "2025-05-13 coord 17 repeat",      // already reminded as stand-in: no escalation copy as well
      "2025-05-13 kacho 6 repeat",
      "2025-05-13 tanaka 17 repeat",
      "2025-05-15 coord 6 escalation",
      "2025-05-15 coord 17 repeat",
      "2025-05-15 kacho 6 repeat",
      "2025-05-15 tanaka 17 repeat",
      "2025-05-19 coord 6 escalation",
      "2025-05-19 coord 17 repeat",
      "2025-05-19 kacho 6 repeat",
      "2025-05-19 tanaka 17 repeat",
  };
  EXPECT_EQ(fired, expected);
}

TEST(ReminderRules, YearEndClosureMonthSkipsTheClosedDaysAndTheHoliday) {
  const auto& cal = shipped_calendar();
  ASSERT_TRUE(cal.is_closure(ymd(2025, 12, 29)));
  ASSERT_TRUE(cal.is_closure(ymd(2026, 1, 2)));
  ASSERT_TRUE(cal.is_holiday(ymd(2026, 1, 12)));  // 成人の日
  const auto fired =
      simulate({item(1, 6, "submitted", "C", jst(2025, 12, 22, 10))}, rules(3, 2, 0), ymd(2025, 12, 20), ymd(2026, 1, 17));
  const std::vector<std::string> expected = {
      "2025-12-25 kacho 6 first",  "2026-01-05 kacho 6 repeat", "2026-01-07 kacho 6 repeat",
      "2026-01-09 kacho 6 repeat", "2026-01-14 kacho 6 repeat", "2026-01-16 kacho 6 repeat",
  };
  EXPECT_EQ(fired, expected);
}

TEST(ReminderRules, NothingIsDueOutsideTheSendingWindow) {
  const std::vector<SheetItem> items = {item(1, 6, "submitted", "C", jst(2025, 6, 2, 10))};  // Monday
  const auto r = rules(1, 1, 0);
  auto decide = [&](TimePoint now) {
    return notifications::decide_reminders(items, city_users(), kWorkflow, kGrades, shipped_calendar(), r, now);
  };
  EXPECT_TRUE(decide(jst(2025, 6, 3, 8, 59)).due.empty());
  EXPECT_FALSE(decide(jst(2025, 6, 3, 8, 59)).in_window);
  EXPECT_EQ(decide(jst(2025, 6, 3, 9, 0)).due.size(), 1u);
  EXPECT_EQ(decide(jst(2025, 6, 3, 16, 59)).due.size(), 1u);
  EXPECT_TRUE(decide(jst(2025, 6, 3, 17, 0)).due.empty());
}

TEST(ReminderRules, NonBusinessDayOwesNothingAndSaysSo) {
  const std::vector<SheetItem> items = {item(1, 6, "submitted", "C", jst(2025, 6, 2, 10))};
  const auto d = notifications::decide_reminders(items, city_users(), kWorkflow, kGrades, shipped_calendar(), rules(1, 1, 0),
                                                 jst(2025, 6, 7, 10));  // Saturday
  EXPECT_FALSE(d.business_day);
  EXPECT_TRUE(d.due.empty());
  EXPECT_EQ(d.pending_items, 1);
}

TEST(ReminderRules, MissedDayIsCaughtUpOnceWithTheNumberThenOwed) {
  const std::vector<SheetItem> items = {item(1, 6, "submitted", "C", jst(2025, 6, 2, 10))};
  // N = 2, M = 2: reminder 1 was owed on 6/4 and reminder 2 on 6/6; a scheduler that first runs
  // on 6/9 (5 business days after 6/2) owes reminder (5 − 2) / 2 + 1 = 2 alone, not both.
  const auto d = notifications::decide_reminders(items, city_users(), kWorkflow, kGrades, shipped_calendar(), rules(2, 2, 0),
                                                 jst(2025, 6, 9, 10));
  ASSERT_EQ(d.due.size(), 1u);
  EXPECT_EQ(d.due[0].reminder_number, 2);
  EXPECT_EQ(d.due[0].rule, ReminderRule::repeat);
  EXPECT_EQ(d.due[0].business_days_pending, 5);
}

TEST(ReminderRules, ReturnedSheetStartsCountingAgainInItsNewState) {
  std::vector<SheetItem> items = {item(1, 6, "submitted", "C", jst(2025, 6, 2, 10))};
  const auto fired = simulate(items, rules(2, 10, 0), ymd(2025, 6, 2), ymd(2025, 6, 13),
                              [](std::vector<SheetItem>& it, TimePoint now) {
                                if (now >= jst(2025, 6, 5, 11)) {  // the approver returns it to draft
                                  it[0].state = "draft";
                                  it[0].state_since = jst(2025, 6, 5, 11);
                                }
                              });
  const std::vector<std::string> expected = {"2025-06-04 kacho 6 first", "2025-06-09 tanaka 6 first"};
  EXPECT_EQ(fired, expected);
}

TEST(ReminderRules, DepartmentWithNobodyFallsToCoordinatorsAndIsReported) {
  const std::vector<SheetItem> items = {item(7, 17, "draft", "C", jst(2025, 6, 2, 10), {kChiiki, kKaigo})};
  const auto d = notifications::decide_reminders(items, city_users(), kWorkflow, kGrades, shipped_calendar(), rules(1, 1, 0),
                                                 jst(2025, 6, 3, 10));
  ASSERT_EQ(d.gaps.size(), 1u);
  EXPECT_EQ(d.gaps[0], (notifications::CoverageGap{7, 17, 2025, "staff", kKaigo.code, true}));
  ASSERT_EQ(d.due.size(), 2u);
  EXPECT_EQ(d.due[0].recipient, "coord");
  EXPECT_EQ(d.due[0].stands_in_for, "staff@kaigo-hoken");
  EXPECT_EQ(d.due[1].recipient, "tanaka");
  EXPECT_FALSE(d.due[1].stands_in_for.has_value());
}

TEST(ReminderRules, GapWithoutCoordinatorsIsReportedUncovered) {
  auto users = city_users();
  users.erase(users.begin() + 2);  // no coordinator
  const std::vector<SheetItem> items = {item(7, 17, "submitted", "C", jst(2025, 6, 2, 10), {kKaigo})};
  const auto d = notifications::decide_reminders(items, users, kWorkflow, kGrades, shipped_calendar(), rules(1, 1, 0),
                                                 jst(2025, 6, 3, 10));
  ASSERT_EQ(d.gaps.size(), 1u);
  EXPECT_FALSE(d.gaps[0].covered);
  EXPECT_EQ(d.gaps[0].role, "approver");
  EXPECT_TRUE(d.due.empty());
}

TEST(ReminderRules, EmailChannelOnlyForUsersWithAnAddress) {
  auto users = city_users();
  users[1].email.reset();  // kacho has no address
  auto r = rules(1, 1, 0);
  r.channels = {"email", "webhook", "inbox"};
  const std::vector<SheetItem> items = {item(1, 6, "submitted", "C", jst(2025, 6, 2, 10))};
  const auto d = notifications::decide_reminders(items, users, kWorkflow, kGrades, shipped_calendar(), r, jst(2025, 6, 3, 10));
  ASSERT_EQ(d.due.size(), 1u);
  EXPECT_EQ(d.due[0].channels, (std::vector<std::string>{"webhook", "inbox"}));
}

TEST(ReminderRules, OneDigestPerRecipientListsAllTheirItems) {
  const std::vector<SheetItem> items = {item(1, 6, "submitted", "C", jst(2025, 6, 2, 10)),
                                        item(2, 9, "submitted", "C", jst(2025, 6, 2, 11)),
                                        item(3, 12, "draft", "C", jst(2025, 6, 2, 11))};
  const auto d = notifications::decide_reminders(items, city_users(), kWorkflow, kGrades, shipped_calendar(), rules(1, 1, 0),
                                                 jst(2025, 6, 3, 10));
  const auto groups = notifications::digests(d.due);
  ASSERT_EQ(groups.size(), 2u);
  ASSERT_EQ(groups.at("kacho").size(), 2u);
  EXPECT_EQ(groups.at("kacho")[0]->sheet_no, 6);
  EXPECT_EQ(groups.at("kacho")[1]->sheet_no, 9);
  EXPECT_EQ(groups.at("tanaka").size(), 1u);
}

TEST(ReminderRules, NextWindowStartSkipsToTheNextBusinessDay) {
  const auto r = rules(1, 1, 0);
  EXPECT_EQ(notifications::next_window_start(shipped_calendar(), r, jst(2025, 5, 2, 15)), jst(2025, 5, 7, 9));
  EXPECT_EQ(notifications::next_window_start(shipped_calendar(), r, jst(2025, 12, 26, 10)), jst(2026, 1, 5, 9));
}

TEST(ReminderRules, PendingItemsListEveryPendingItemWithWhoMustActOnAnyDayLongestFirst) {
  // Saturday 3 May 2025 (Golden Week), 20:00: no reminder is due, but the dashboard still lists.
  const std::vector<SheetItem> items{
      item(1, 6, "draft", "C", jst(2025, 4, 21)),                                        // 地域福祉課: tanaka
      item(2, 7, "draft", std::nullopt, jst(2025, 4, 28), {kKaigo}, "C"),                  // 介護保険課: nobody, coord stands in
      item(3, 8, "submitted", "C", jst(2025, 4, 14)),                                    // kacho approves
      item(4, 9, "draft", "A", jst(2025, 4, 1)),                                         // not pending
  };
  const auto now = jst(2025, 5, 3, 20);
  const auto decision = notifications::decide_reminders(items, city_users(), kWorkflow, kGrades, shipped_calendar(), rules(1, 1, 0), now);
  EXPECT_TRUE(decision.due.empty());
  const auto list = notifications::pending_items(items, city_users(), kWorkflow, kGrades, shipped_calendar(), rules(5, 5, 2), now);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].item.sheet_id, 3);  // since 14 April: 4/15–18, 21–25, 28, 30, 5/2 = 13 business days (29 April 昭和の日)
  EXPECT_EQ(list[0].business_days_pending, 13);
  ASSERT_EQ(list[0].must_act.size(), 1u);
  EXPECT_EQ(list[0].must_act[0].login, "kacho");
  EXPECT_EQ(list[0].roles, std::vector<std::string>{"approver"});
  EXPECT_EQ(list[1].item.sheet_id, 1);
  EXPECT_EQ(list[1].business_days_pending, 8);  // 4/22–25, 28, 30, 5/1, 5/2
  EXPECT_EQ(list[1].must_act[0].login, "tanaka");
  EXPECT_EQ(list[2].item.sheet_id, 2);
  EXPECT_EQ(list[2].business_days_pending, 3);  // 4/30, 5/1, 5/2
  ASSERT_EQ(list[2].must_act.size(), 1u);
  EXPECT_EQ(list[2].must_act[0].login, "coord");
  EXPECT_EQ(list[2].must_act[0].stands_in_for, "staff@kaigo-hoken");
  ASSERT_EQ(list[2].gaps.size(), 1u);
  EXPECT_TRUE(list[2].gaps[0].covered);
}

TEST(ReminderRules, ValidateRefusesNonsense) {
  EXPECT_THROW(rules(0, 1, 0).validate(), std::invalid_argument);
  EXPECT_THROW(rules(1, 0, 0).validate(), std::invalid_argument);
  EXPECT_THROW(rules(1, 1, -1).validate(), std::invalid_argument);
  auto r = rules(1, 1, 0);
  r.window_end = r.window_start;
  EXPECT_THROW(r.validate(), std::invalid_argument);
  r = rules(1, 1, 0);
  r.channels = {"fax"};
  EXPECT_THROW(r.validate(), std::invalid_argument);
  r.channels = {"email", "email"};
  EXPECT_THROW(r.validate(), std::invalid_argument);
  EXPECT_NO_THROW(rules(1, 1, 0).validate());
}
