// The injected clock and the JST calendar date of an instant.
#include <gtest/gtest.h>

#include "calendar_support.hpp"
#include "notifications/clock.hpp"

using namespace std::chrono_literals;
using notifications::FixedClock;
using notifications::TimePoint;
using test_support::ymd;

namespace {

TimePoint utc(notifications::Date d, std::chrono::seconds time_of_day) {
  return TimePoint{std::chrono::sys_days{d} + time_of_day};
}

}  // namespace

TEST(JstClock, DateTurnsAtFifteenHundredUtc) {
  EXPECT_EQ(notifications::jst_date(utc(ymd(2024, 12, 31), 14h + 59min + 59s)), ymd(2024, 12, 31));
  EXPECT_EQ(notifications::jst_date(utc(ymd(2024, 12, 31), 15h)), ymd(2025, 1, 1));
  EXPECT_EQ(notifications::jst_date(utc(ymd(1969, 12, 31), 14h)), ymd(1969, 12, 31));  // before the epoch
  EXPECT_EQ(notifications::jst_date(utc(ymd(1969, 12, 31), 16h)), ymd(1970, 1, 1));
}

TEST(JstClock, StartOfDayAndTimeOfDayInJapan) {
  EXPECT_EQ(notifications::jst_start_of_day(ymd(2025, 1, 1)), utc(ymd(2024, 12, 31), 15h));
  EXPECT_EQ(notifications::jst_time_of_day(utc(ymd(2024, 6, 3), 0h + 30min)), 9h + 30min);
  EXPECT_EQ(notifications::jst_time_of_day(utc(ymd(2024, 6, 3), 15h)), 0h);
}

TEST(JstClock, FixedClockStandsStillUntilMoved) {
  FixedClock clock(utc(ymd(2019, 4, 26), 0h));
  const notifications::Clock& as_clock = clock;
  EXPECT_EQ(as_clock.now(), utc(ymd(2019, 4, 26), 0h));
  EXPECT_EQ(as_clock.now(), utc(ymd(2019, 4, 26), 0h));
  clock.advance(24h);
  EXPECT_EQ(notifications::jst_date(as_clock.now()), ymd(2019, 4, 27));
  clock.set(utc(ymd(2019, 5, 6), 23h));  // 08:00 JST on 7 May
  EXPECT_TRUE(test_support::shipped_calendar().is_business_day(notifications::jst_date(as_clock.now())));
}

TEST(JstClock, SystemClockIsTheSystemsTime) {
  const notifications::SystemClock clock;
  const auto before = std::chrono::system_clock::now();
  const auto now = clock.now();
  EXPECT_GE(now, before);
  EXPECT_LE(now, std::chrono::system_clock::now());
}
