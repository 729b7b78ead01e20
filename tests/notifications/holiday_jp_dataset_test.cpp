// The calendar against the @holiday-jp/holiday_jp dataset (npm, pinned in package-lock.json
// here), day by day for 2016–2030 (and for all its years, 1970–2050): holiday or not, and the
// name. dump-holidays.js writes the dataset as JSON before this runs (a ctest fixture).
// Missing dump: a failure in CI (CI=true), a skip elsewhere.
//
// The dataset names some days differently from the law's wording; the mapping is exact:
//   "<X> 振替休日"          our 振替休日, X one of the run of holidays right before it. The law
//                           names no holiday for it; we name the one on the Sunday. When the
//                           Sunday is 5/3 or 5/4 the dataset names the run's last, こどもの日
//                           (2025-05-06, 2026-05-06 …), except in 2020 ("憲法記念日 振替休日");
//                           such days are counted and printed, not failed
//   "休日"                  our 国民の休日
//   "休日（祝日扱い）"      a special-law day (2019-05-01 即位の日, 2019-10-22 即位礼正殿の儀)
//   "体育の日（スポーツの日）" 体育の日 (2019, annotated with the name it took in 2020)
//   anything else           a national or special holiday of that very name
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "calendar_support.hpp"

using notifications::Date;
using notifications::Holiday;
using notifications::HolidayKind;
using test_support::ymd;

namespace {

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && *ci != '\0' && std::string_view(ci) != "false" && std::string_view(ci) != "0";
}

std::string iso(Date d) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                     static_cast<unsigned>(d.day()));
}

std::string describe(const std::optional<Holiday>& h) {
  if (!h) return "(no holiday)";
  return h->kind == HolidayKind::substitute ? fmt::format("{} for {}", h->name, h->substitute_for) : h->name;
}

// The holidays in the unbroken run of holidays that ends the day before `date`.
bool in_run_before(const notifications::JapaneseCalendar& calendar, Date date, std::string_view name) {
  for (auto day = std::chrono::sys_days{date} - std::chrono::days{1};; day -= std::chrono::days{1}) {
    const auto h = calendar.holiday(Date{day});
    if (!h) return false;
    if (h->name == name) return true;
  }
}

enum class Match { same, same_but_attributed_otherwise, different };

// Whether our holiday is what the dataset's name says (the mapping above).
Match compare(const notifications::JapaneseCalendar& calendar, Date date, const std::optional<Holiday>& ours,
              const std::optional<std::string>& theirs) {
  auto result = [](bool ok) { return ok ? Match::same : Match::different; };
  if (!ours || !theirs) return result(!ours && !theirs);
  constexpr std::string_view substitute_suffix = " 振替休日";
  const std::string_view name = *theirs;
  if (name.size() > substitute_suffix.size() && name.ends_with(substitute_suffix)) {
    const auto substitute_for = name.substr(0, name.size() - substitute_suffix.size());
    if (ours->kind != HolidayKind::substitute || !in_run_before(calendar, date, substitute_for)) {
      return Match::different;
    }
    return ours->substitute_for == substitute_for ? Match::same : Match::same_but_attributed_otherwise;
  }
  if (name == "休日") return result(ours->kind == HolidayKind::citizens);
  if (name == "休日（祝日扱い）") return result(ours->kind == HolidayKind::special);
  if (name == "体育の日（スポーツの日）") {
    return result(ours->kind == HolidayKind::national && ours->name == "体育の日");
  }
  return result((ours->kind == HolidayKind::national || ours->kind == HolidayKind::special) && ours->name == name);
}

// Compares every day of [first, last] and reports each difference as a test failure.
void compare_days(Date first, Date last) {
  const std::filesystem::path dump = SHINCHOKU_HOLIDAY_JP_DUMP;
  if (!std::filesystem::exists(dump)) {
    const auto why = fmt::format(
        "no dump of @holiday-jp/holiday_jp at {}: it needs node and `npm ci` in tests/notifications "
        "(scripts/test runs it), then ctest runs dump-holidays.js",
        dump.string());
    if (in_ci()) FAIL() << why << " — required in CI";
    GTEST_SKIP() << why;
  }
  const auto json = boost::json::parse(test_support::read_text(dump.string())).as_object();
  ASSERT_EQ(json.at("version").as_string(), "2.5.1") << "package-lock.json pins 2.5.1";
  std::map<std::string, std::string, std::less<>> dataset;
  for (const auto& [date, name] : json.at("holidays").as_object()) {
    dataset.emplace(std::string(date), std::string(name.as_string()));
  }
  ASSERT_EQ(dataset.size(), 1329u) << "the 2.5.1 dataset: 1970–2050";

  const auto& calendar = test_support::shipped_calendar();
  int compared = 0;
  int holidays = 0;
  int in_dataset = 0;
  std::vector<std::string> differences;
  std::vector<std::string> attributed_otherwise;
  for (auto day = std::chrono::sys_days{first}; day <= std::chrono::sys_days{last}; day += std::chrono::days{1}) {
    const Date date{day};
    ++compared;
    const auto ours = calendar.holiday(date);
    const auto it = dataset.find(iso(date));
    const std::optional<std::string> theirs = it == dataset.end() ? std::nullopt : std::optional(it->second);
    in_dataset += theirs ? 1 : 0;
    const auto line = [&] {
      return fmt::format("{}: ours {}, dataset {}", iso(date), describe(ours), theirs.value_or("(no holiday)"));
    };
    switch (compare(calendar, date, ours, theirs)) {
      case Match::same:
        holidays += ours ? 1 : 0;
        break;
      case Match::same_but_attributed_otherwise:
        holidays += 1;
        attributed_otherwise.push_back(line());
        break;
      case Match::different:
        differences.push_back(line());
        break;
    }
  }
  EXPECT_EQ(compared, (std::chrono::sys_days{last} - std::chrono::sys_days{first}).count() + 1);
  EXPECT_EQ(holidays, in_dataset);
  for (const auto& d : differences) ADD_FAILURE() << d;
  for (const auto& a : attributed_otherwise) std::cout << "substitute attributed otherwise: " << a << "\n";
  std::cout << fmt::format("holiday_jp 2.5.1, {}..{}: {} days compared, {} of the dataset's {} holidays matched "
                           "({} substitutes attributed to another holiday of the same run), {} differences\n",
                           iso(first), iso(last), compared, holidays, in_dataset, attributed_otherwise.size(),
                           differences.size());
  testing::Test::RecordProperty("holidays_matched", holidays);
}

}  // namespace

// What the reminders issue asks for.
TEST(HolidayJpDataset, MatchesEveryDayFrom2016To2030) { compare_days(ymd(2016, 1, 1), ymd(2030, 12, 31)); }

// The whole dataset, to catch a rule that is wrong only in older or later years.
TEST(HolidayJpDataset, MatchesEveryDayOfItsYears1970To2050) { compare_days(ymd(1970, 1, 1), ymd(2050, 12, 31)); }
