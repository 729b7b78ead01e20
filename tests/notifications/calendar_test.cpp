// The holiday law's rules, one at a time, on days whose status is known.
#include <gtest/gtest.h>

#include "calendar_support.hpp"

using notifications::HolidayDataError;
using notifications::HolidayException;
using notifications::HolidayKind;
using notifications::JapaneseCalendar;
using test_support::shipped_calendar;
using test_support::ymd;

namespace {

std::string name_on(notifications::Date d) { return shipped_calendar().holiday_name(d).value_or("(none)"); }

}  // namespace

TEST(HolidayRules, FixedDaysCarryTheirJapaneseNames) {
  EXPECT_EQ(name_on(ymd(2024, 1, 1)), "元日");
  EXPECT_EQ(name_on(ymd(2024, 2, 11)), "建国記念の日");
  EXPECT_EQ(name_on(ymd(2024, 2, 23)), "天皇誕生日");
  EXPECT_EQ(name_on(ymd(2024, 4, 29)), "昭和の日");
  EXPECT_EQ(name_on(ymd(2024, 5, 3)), "憲法記念日");
  EXPECT_EQ(name_on(ymd(2024, 5, 4)), "みどりの日");
  EXPECT_EQ(name_on(ymd(2024, 5, 5)), "こどもの日");
  EXPECT_EQ(name_on(ymd(2024, 8, 11)), "山の日");
  EXPECT_EQ(name_on(ymd(2024, 11, 3)), "文化の日");
  EXPECT_EQ(name_on(ymd(2024, 11, 23)), "勤労感謝の日");
  EXPECT_EQ(shipped_calendar().holiday(ymd(2024, 1, 1))->kind, HolidayKind::national);
  EXPECT_FALSE(shipped_calendar().is_holiday(ymd(2024, 1, 2)));
}

TEST(HolidayRules, EmperorsBirthdayFollowsTheReign) {
  EXPECT_EQ(name_on(ymd(1988, 4, 29)), "天皇誕生日");
  EXPECT_EQ(name_on(ymd(1989, 4, 29)), "みどりの日");
  EXPECT_EQ(name_on(ymd(2018, 12, 23)), "天皇誕生日");
  EXPECT_FALSE(shipped_calendar().is_holiday(ymd(2019, 2, 23)));
  EXPECT_FALSE(shipped_calendar().is_holiday(ymd(2019, 12, 23)));
  EXPECT_EQ(name_on(ymd(2020, 2, 23)), "天皇誕生日");
}

TEST(HolidayRules, GreeneryDayMovesToMayFourthIn2007AndShowaDayTakesAprilTwentyNinth) {
  EXPECT_EQ(name_on(ymd(2006, 4, 29)), "みどりの日");
  EXPECT_EQ(name_on(ymd(2006, 5, 4)), "国民の休日");
  EXPECT_EQ(name_on(ymd(2007, 4, 29)), "昭和の日");
  EXPECT_EQ(name_on(ymd(2007, 5, 4)), "みどりの日");
}

TEST(HolidayRules, MountainDayExistsFrom2016) {
  EXPECT_FALSE(shipped_calendar().is_holiday(ymd(2015, 8, 11)));
  EXPECT_EQ(name_on(ymd(2016, 8, 11)), "山の日");
}

TEST(HolidayRules, HappyMondayDaysStartInTheirYears) {
  // 成人の日: 15 January until 1999, the second Monday from 2000.
  EXPECT_EQ(name_on(ymd(1999, 1, 15)), "成人の日");
  EXPECT_FALSE(shipped_calendar().is_holiday(ymd(2000, 1, 15)));
  EXPECT_EQ(name_on(ymd(2000, 1, 10)), "成人の日");
  EXPECT_EQ(name_on(ymd(2024, 1, 8)), "成人の日");
  // 海の日: from 1996 on 20 July, the third Monday from 2003.
  EXPECT_FALSE(shipped_calendar().is_holiday(ymd(1995, 7, 20)));
  EXPECT_EQ(name_on(ymd(1996, 7, 20)), "海の日");
  EXPECT_EQ(name_on(ymd(2002, 7, 20)), "海の日");
  EXPECT_EQ(name_on(ymd(2003, 7, 21)), "海の日");
  EXPECT_EQ(name_on(ymd(2024, 7, 15)), "海の日");
  // 敬老の日: 15 September from 1966, the third Monday from 2003.
  EXPECT_FALSE(shipped_calendar().is_holiday(ymd(1965, 9, 15)));
  EXPECT_EQ(name_on(ymd(1966, 9, 15)), "敬老の日");
  EXPECT_EQ(name_on(ymd(2003, 9, 15)), "敬老の日");
  EXPECT_EQ(name_on(ymd(2024, 9, 16)), "敬老の日");
  // 体育の日: 10 October from 1966, the second Monday from 2000; スポーツの日 from 2020.
  EXPECT_EQ(name_on(ymd(1966, 10, 10)), "体育の日");
  EXPECT_EQ(name_on(ymd(2000, 10, 9)), "体育の日");
  EXPECT_EQ(name_on(ymd(2019, 10, 14)), "体育の日");
  EXPECT_EQ(name_on(ymd(2022, 10, 10)), "スポーツの日");
}

TEST(HolidayRules, EquinoxDaysFollowTheAstronomicalFormula) {
  EXPECT_EQ(name_on(ymd(2023, 3, 21)), "春分の日");
  EXPECT_EQ(name_on(ymd(2023, 9, 23)), "秋分の日");
  EXPECT_EQ(name_on(ymd(2020, 3, 20)), "春分の日");
  EXPECT_EQ(name_on(ymd(2012, 9, 22)), "秋分の日");
  EXPECT_EQ(name_on(ymd(1978, 3, 21)), "春分の日");  // the formula's 1900–1979 branch
  EXPECT_EQ(name_on(ymd(1979, 9, 24)), "秋分の日");
  EXPECT_EQ(name_on(ymd(2024, 9, 22)), "秋分の日");
}

TEST(HolidayRules, DatesOutsideTheComputedYearsAreRefused) {
  EXPECT_THROW((void)shipped_calendar().is_holiday(ymd(1948, 12, 31)), std::out_of_range);
  EXPECT_THROW((void)shipped_calendar().is_business_day(ymd(2100, 1, 1)), std::out_of_range);
  EXPECT_THROW((void)shipped_calendar().holidays_in(2100), std::out_of_range);
  EXPECT_NO_THROW((void)shipped_calendar().is_holiday(ymd(1949, 1, 1)));
  EXPECT_NO_THROW((void)shipped_calendar().is_holiday(ymd(2099, 12, 31)));
}

TEST(SubstituteHoliday, SundayHolidayGivesTheNextDay) {
  const auto h = shipped_calendar().holiday(ymd(2019, 5, 6));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->name, "振替休日");
  EXPECT_EQ(h->kind, HolidayKind::substitute);
  EXPECT_EQ(h->substitute_for, "こどもの日");
  EXPECT_EQ(name_on(ymd(2024, 2, 12)), "振替休日");
  EXPECT_EQ(shipped_calendar().holiday(ymd(2024, 2, 12))->substitute_for, "建国記念の日");
}

TEST(SubstituteHoliday, From2007TheFirstFollowingDayThatIsNoHoliday) {
  // 2008: みどりの日 on Sunday 4 May, こどもの日 on Monday: the substitute is Tuesday 6 May.
  EXPECT_EQ(shipped_calendar().holiday(ymd(2008, 5, 6))->substitute_for, "みどりの日");
  // 2020: 憲法記念日 on Sunday 3 May: 4 and 5 May are holidays, so Wednesday 6 May.
  EXPECT_EQ(shipped_calendar().holiday(ymd(2020, 5, 6))->substitute_for, "憲法記念日");
}

TEST(SubstituteHoliday, Before2007OnlyTheNextDay) {
  // 1998: 憲法記念日 on Sunday: Monday 4 May is the substitute (not a 国民の休日).
  EXPECT_EQ(name_on(ymd(1998, 5, 4)), "振替休日");
  EXPECT_FALSE(shipped_calendar().is_holiday(ymd(1998, 5, 6)));
}

TEST(SubstituteHoliday, StartsWithTheAmendmentOfApril1973) {
  EXPECT_FALSE(shipped_calendar().is_holiday(ymd(1973, 2, 12)));  // 建国記念の日 on Sunday 11 Feb
  EXPECT_EQ(name_on(ymd(1973, 4, 30)), "振替休日");               // 天皇誕生日 on Sunday 29 Apr
}

TEST(SubstituteHoliday, SaturdayHolidayHasNone) {
  EXPECT_EQ(name_on(ymd(2021, 3, 20)), "春分の日");  // a Saturday
  EXPECT_FALSE(shipped_calendar().is_holiday(ymd(2021, 3, 22)));
  EXPECT_TRUE(shipped_calendar().is_business_day(ymd(2021, 3, 22)));
}

TEST(CitizensHoliday, DayBetweenTwoHolidaysIsOff) {
  const auto h = shipped_calendar().holiday(ymd(2015, 9, 22));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->name, "国民の休日");
  EXPECT_EQ(h->kind, HolidayKind::citizens);
  EXPECT_EQ(name_on(ymd(2009, 9, 22)), "国民の休日");
  EXPECT_EQ(name_on(ymd(2026, 9, 22)), "国民の休日");
  EXPECT_EQ(name_on(ymd(1988, 5, 4)), "国民の休日");
}

TEST(CitizensHoliday, NoneBefore1986AndNeverOnASundayBefore2007) {
  EXPECT_FALSE(shipped_calendar().is_holiday(ymd(1984, 5, 4)));  // a Friday, before the amendment
  EXPECT_FALSE(shipped_calendar().is_holiday(ymd(1986, 5, 4)));  // a Sunday
  EXPECT_EQ(name_on(ymd(1992, 5, 4)), "振替休日");               // 5/3 was a Sunday
}

TEST(SpecialLaws, GoldenWeek2019IsTenDaysOff) {
  const auto& cal = shipped_calendar();
  EXPECT_TRUE(cal.is_business_day(ymd(2019, 4, 26)));
  for (unsigned d = 27; d <= 30; ++d) EXPECT_FALSE(cal.is_business_day(ymd(2019, 4, d))) << "April " << d;
  for (unsigned d = 1; d <= 6; ++d) EXPECT_FALSE(cal.is_business_day(ymd(2019, 5, d))) << "May " << d;
  EXPECT_TRUE(cal.is_business_day(ymd(2019, 5, 7)));
  EXPECT_EQ(name_on(ymd(2019, 4, 30)), "国民の休日");
  EXPECT_EQ(name_on(ymd(2019, 5, 1)), "即位の日");
  EXPECT_EQ(cal.holiday(ymd(2019, 5, 1))->kind, HolidayKind::special);
  EXPECT_EQ(name_on(ymd(2019, 5, 2)), "国民の休日");
}

TEST(SpecialLaws, EnthronementCeremonyOn2019October22) {
  EXPECT_EQ(name_on(ymd(2019, 10, 22)), "即位礼正殿の儀");
  EXPECT_EQ(shipped_calendar().holiday(ymd(2019, 10, 22))->kind, HolidayKind::special);
}

TEST(SpecialLaws, ImperialEventsOfTheShowaAndHeiseiEras) {
  EXPECT_EQ(name_on(ymd(1959, 4, 10)), "結婚の儀");
  EXPECT_EQ(name_on(ymd(1989, 2, 24)), "大喪の礼");
  EXPECT_EQ(name_on(ymd(1990, 11, 12)), "即位礼正殿の儀");
  EXPECT_EQ(name_on(ymd(1993, 6, 9)), "結婚の儀");
}

TEST(SpecialLaws, OlympicYearsMoveThreeHolidays) {
  const auto& cal = shipped_calendar();
  EXPECT_EQ(name_on(ymd(2020, 7, 23)), "海の日");
  EXPECT_EQ(name_on(ymd(2020, 7, 24)), "スポーツの日");
  EXPECT_EQ(name_on(ymd(2020, 8, 10)), "山の日");
  EXPECT_EQ(cal.holiday(ymd(2020, 7, 23))->kind, HolidayKind::national);
  for (const auto d : {ymd(2020, 7, 20), ymd(2020, 8, 11), ymd(2020, 10, 12)}) {
    EXPECT_FALSE(cal.is_holiday(d));
    EXPECT_TRUE(cal.is_business_day(d));
  }
  EXPECT_EQ(name_on(ymd(2021, 7, 22)), "海の日");
  EXPECT_EQ(name_on(ymd(2021, 7, 23)), "スポーツの日");
  EXPECT_EQ(name_on(ymd(2021, 8, 8)), "山の日");
  EXPECT_EQ(cal.holiday(ymd(2021, 8, 9))->substitute_for, "山の日");  // 8 August 2021 was a Sunday
  for (const auto d : {ymd(2021, 7, 19), ymd(2021, 8, 11), ymd(2021, 10, 11)}) {
    EXPECT_FALSE(cal.is_holiday(d));
    EXPECT_TRUE(cal.is_business_day(d));
  }
}

TEST(SpecialLaws, ComeFromTheDataNotTheRules) {
  const JapaneseCalendar rules_only({});
  EXPECT_EQ(rules_only.holiday_name(ymd(2020, 7, 20)), "海の日");
  EXPECT_FALSE(rules_only.is_holiday(ymd(2020, 7, 23)));
  EXPECT_FALSE(rules_only.is_holiday(ymd(2019, 5, 1)));
  EXPECT_FALSE(rules_only.is_holiday(ymd(2019, 4, 30)));
}

TEST(SpecialLaws, MovingAHolidayTheRulesDoNotPutThereIsRefused) {
  const std::vector<HolidayException> wrong_day{{ymd(2020, 7, 23), "海の日", ymd(2020, 7, 13), "test", 7}};
  try {
    JapaneseCalendar calendar(wrong_day);
    FAIL() << "accepted";
  } catch (const HolidayDataError& e) {
    EXPECT_NE(std::string(e.what()).find("line 7"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("2020-07-13"), std::string::npos) << e.what();
  }
  const std::vector<HolidayException> wrong_name{{ymd(2020, 7, 23), "山の日", ymd(2020, 7, 20), "test", 1}};
  EXPECT_THROW(JapaneseCalendar{wrong_name}, HolidayDataError);
}

TEST(SpecialLaws, ExtraDayOnAnExistingHolidayIsRefused) {
  const std::vector<HolidayException> clash{{ymd(2019, 5, 3), "即位の日", std::nullopt, "test", 1}};
  EXPECT_THROW(JapaneseCalendar{clash}, HolidayDataError);
  const std::vector<HolidayException> too_early{{ymd(1948, 5, 3), "何か", std::nullopt, "test", 1}};
  EXPECT_THROW(JapaneseCalendar{too_early}, HolidayDataError);
}

TEST(HolidayRules, HolidaysOfAYearInDateOrder) {
  const auto h2019 = shipped_calendar().holidays_in(2019);
  ASSERT_EQ(h2019.size(), 22u);  // the Cabinet Office's list for 2019
  EXPECT_EQ(h2019.front().date, ymd(2019, 1, 1));
  EXPECT_EQ(h2019.back().name, "勤労感謝の日");
  EXPECT_EQ(h2019[20].date, ymd(2019, 11, 4));
  EXPECT_EQ(h2019[20].substitute_for, "文化の日");
  for (std::size_t i = 1; i < h2019.size(); ++i) EXPECT_LT(h2019[i - 1].date, h2019[i].date);
  EXPECT_EQ(shipped_calendar().holidays_in(2024).size(), 21u);
}
