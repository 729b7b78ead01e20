// Business days: weekdays that are no holiday and not in the year-end closure, and the
// arithmetic the reminder rules count with.
#include <gtest/gtest.h>

#include "calendar_support.hpp"

using notifications::ClosureRule;
using notifications::JapaneseCalendar;
using test_support::shipped_calendar;
using test_support::ymd;

TEST(YearEndClosure, DefaultIsDecember29ToJanuary3) {
  const auto& cal = shipped_calendar();
  EXPECT_TRUE(cal.is_business_day(ymd(2024, 12, 27)));  // Friday
  EXPECT_FALSE(cal.is_business_day(ymd(2024, 12, 30)));  // Monday
  EXPECT_FALSE(cal.is_business_day(ymd(2024, 12, 31)));
  EXPECT_FALSE(cal.is_business_day(ymd(2025, 1, 2)));
  EXPECT_FALSE(cal.is_business_day(ymd(2025, 1, 3)));  // Friday
  EXPECT_TRUE(cal.is_business_day(ymd(2025, 1, 6)));    // Monday
  EXPECT_TRUE(cal.is_closure(ymd(2024, 12, 29)));
  EXPECT_FALSE(cal.is_holiday(ymd(2024, 12, 30)));  // closed, but no holiday
  EXPECT_FALSE(cal.is_closure(ymd(2024, 12, 28)));
  EXPECT_FALSE(cal.is_closure(ymd(2025, 1, 4)));
}

TEST(YearEndClosure, IsASetting) {
  const JapaneseCalendar longer({}, ClosureRule{12, 28, 1, 4});
  EXPECT_FALSE(longer.is_business_day(ymd(2023, 12, 28)));  // Thursday
  EXPECT_FALSE(longer.is_business_day(ymd(2024, 1, 4)));    // Thursday
  EXPECT_TRUE(shipped_calendar().is_business_day(ymd(2023, 12, 28)));
  EXPECT_TRUE(shipped_calendar().is_business_day(ymd(2024, 1, 4)));

  const JapaneseCalendar obon({}, ClosureRule{8, 13, 8, 16});  // within one year
  EXPECT_FALSE(obon.is_business_day(ymd(2024, 8, 13)));
  EXPECT_FALSE(obon.is_business_day(ymd(2024, 8, 16)));
  EXPECT_TRUE(obon.is_business_day(ymd(2024, 8, 19)));
  EXPECT_TRUE(obon.is_business_day(ymd(2024, 12, 30)));

  const JapaneseCalendar none({}, std::nullopt);
  EXPECT_TRUE(none.is_business_day(ymd(2024, 12, 30)));
  EXPECT_FALSE(none.is_business_day(ymd(2025, 1, 1)));  // 元日 all the same
}

TEST(YearEndClosure, DayNoYearHasIsRefused) {
  EXPECT_THROW(JapaneseCalendar({}, ClosureRule{2, 30, 3, 1}), std::invalid_argument);
  EXPECT_THROW(JapaneseCalendar({}, ClosureRule{13, 1, 1, 3}), std::invalid_argument);
  EXPECT_THROW(JapaneseCalendar({}, ClosureRule{12, 29, 1, 0}), std::invalid_argument);
  EXPECT_NO_THROW(JapaneseCalendar({}, ClosureRule{2, 29, 3, 1}));
}

TEST(BusinessDays, WeekendsAreNotBusinessDays) {
  EXPECT_TRUE(shipped_calendar().is_business_day(ymd(2024, 6, 7)));   // Friday
  EXPECT_FALSE(shipped_calendar().is_business_day(ymd(2024, 6, 8)));  // Saturday
  EXPECT_FALSE(shipped_calendar().is_business_day(ymd(2024, 6, 9)));  // Sunday
  EXPECT_FALSE(shipped_calendar().is_holiday(ymd(2024, 6, 8)));
}

TEST(BusinessDays, BetweenCountsTheDaysAfterFromUpToAndIncludingTo) {
  const auto& cal = shipped_calendar();
  EXPECT_EQ(cal.business_days_between(ymd(2024, 6, 7), ymd(2024, 6, 7)), 0);
  EXPECT_EQ(cal.business_days_between(ymd(2024, 6, 7), ymd(2024, 6, 8)), 0);   // Friday → Saturday
  EXPECT_EQ(cal.business_days_between(ymd(2024, 6, 7), ymd(2024, 6, 10)), 1);  // Friday → Monday
  EXPECT_EQ(cal.business_days_between(ymd(2024, 6, 8), ymd(2024, 6, 10)), 1);  // Saturday → Monday
  EXPECT_EQ(cal.business_days_between(ymd(2024, 6, 10), ymd(2024, 6, 14)), 4);
  EXPECT_EQ(cal.business_days_between(ymd(2024, 6, 14), ymd(2024, 6, 10)), -4);
  EXPECT_EQ(cal.business_days_between(ymd(2024, 6, 1), ymd(2024, 6, 30)), 20);
}

TEST(BusinessDays, AcrossGoldenWeek) {
  const auto& cal = shipped_calendar();
  // 2019: ten days off, 27 April – 6 May.
  EXPECT_EQ(cal.business_days_between(ymd(2019, 4, 26), ymd(2019, 5, 7)), 1);
  EXPECT_EQ(cal.add_business_days(ymd(2019, 4, 26), 1), ymd(2019, 5, 7));
  EXPECT_EQ(cal.add_business_days(ymd(2019, 5, 7), -1), ymd(2019, 4, 26));
  EXPECT_EQ(cal.add_business_days(ymd(2019, 4, 25), 3), ymd(2019, 5, 8));
  // 2024: 昭和の日 on Monday 29 April, then 3–6 May (振替休日 on the 6th).
  EXPECT_EQ(cal.add_business_days(ymd(2024, 4, 26), 5), ymd(2024, 5, 8));
  EXPECT_EQ(cal.business_days_between(ymd(2024, 4, 26), ymd(2024, 5, 8)), 5);
}

TEST(BusinessDays, AcrossNewYear) {
  const auto& cal = shipped_calendar();
  EXPECT_EQ(cal.business_days_between(ymd(2024, 12, 27), ymd(2025, 1, 6)), 1);
  EXPECT_EQ(cal.add_business_days(ymd(2024, 12, 27), 1), ymd(2025, 1, 6));
  EXPECT_EQ(cal.add_business_days(ymd(2025, 1, 6), -1), ymd(2024, 12, 27));
  // 2025/26: the closure runs Monday 29 December to Saturday 3 January; 12 January is 成人の日.
  EXPECT_EQ(cal.add_business_days(ymd(2025, 12, 26), 5), ymd(2026, 1, 9));
  EXPECT_EQ(cal.add_business_days(ymd(2025, 12, 26), 6), ymd(2026, 1, 13));
}

TEST(BusinessDays, AddZeroIsTheDayItselfAndOtherwiseLandsOnABusinessDay) {
  const auto& cal = shipped_calendar();
  EXPECT_EQ(cal.add_business_days(ymd(2024, 6, 8), 0), ymd(2024, 6, 8));   // a Saturday stays
  EXPECT_EQ(cal.add_business_days(ymd(2024, 6, 8), 1), ymd(2024, 6, 10));  // → Monday
  EXPECT_EQ(cal.add_business_days(ymd(2024, 6, 8), -1), ymd(2024, 6, 7));  // → Friday
}

TEST(BusinessDays, AddAndBetweenAgreeEveryDayOfThreeYears) {
  const auto& cal = shipped_calendar();
  using std::chrono::days;
  using std::chrono::sys_days;
  for (auto day = sys_days{ymd(2019, 1, 1)}; day <= sys_days{ymd(2021, 12, 31)}; day += days{1}) {
    const notifications::Date d{day};
    for (int n : {1, 2, 5, 10, 23}) {
      const auto later = cal.add_business_days(d, n);
      ASSERT_TRUE(cal.is_business_day(later));
      ASSERT_EQ(cal.business_days_between(d, later), n);
      ASSERT_EQ(cal.business_days_between(d, notifications::Date{sys_days{later} - days{1}}), n - 1);
      const auto earlier = cal.add_business_days(d, -n);
      ASSERT_TRUE(cal.is_business_day(earlier));
      // n business days in [earlier, d).
      ASSERT_EQ(cal.business_days_between(notifications::Date{sys_days{earlier} - days{1}},
                                          notifications::Date{day - days{1}}),
                n);
    }
  }
}

TEST(BusinessDays, BetweenAddsUpOverConsecutiveSpans) {
  const auto& cal = shipped_calendar();
  const auto a = ymd(2018, 12, 20);
  const auto b = ymd(2019, 5, 3);
  const auto c = ymd(2020, 1, 15);
  EXPECT_EQ(cal.business_days_between(a, c), cal.business_days_between(a, b) + cal.business_days_between(b, c));
  EXPECT_EQ(cal.business_days_between(c, a), -cal.business_days_between(a, c));
}

TEST(BusinessDays, ArithmeticBeyondTheComputedYearsIsRefused) {
  const auto& cal = shipped_calendar();
  EXPECT_THROW((void)cal.add_business_days(ymd(2099, 12, 30), 5), std::out_of_range);
  EXPECT_THROW((void)cal.add_business_days(ymd(1949, 1, 4), -5), std::out_of_range);
  EXPECT_THROW((void)cal.business_days_between(ymd(2024, 1, 1), ymd(2100, 1, 1)), std::out_of_range);
}
