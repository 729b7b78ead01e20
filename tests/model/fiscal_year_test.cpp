#include <gtest/gtest.h>

#include "model/fiscal_year.hpp"

using model::FiscalYear;
using namespace std::chrono;

namespace {
system_clock::time_point utc(int y, unsigned m, unsigned d, int h = 0, int min = 0) {
  return sys_days{year{y} / month{m} / day{d}} + hours{h} + minutes{min};
}
}  // namespace

TEST(FiscalYear, LabelsFirstReiwaYearAsGannen) {
  FiscalYear fy(2019);
  EXPECT_EQ(fy.label(), "令和元年度");
  EXPECT_EQ(fy.short_label(), "R1");
}

TEST(FiscalYear, LabelsLaterReiwaYearsWithNumbers) {
  EXPECT_EQ(FiscalYear(2020).label(), "令和2年度");
  EXPECT_EQ(FiscalYear(2020).short_label(), "R2");
  EXPECT_EQ(FiscalYear(2023).label(), "令和5年度");
  EXPECT_EQ(FiscalYear(2023).short_label(), "R5");
}

TEST(FiscalYear, LabelsYearsBeforeReiwaInHeisei) {
  EXPECT_EQ(FiscalYear(2018).label(), "平成30年度");
  EXPECT_EQ(FiscalYear(2018).short_label(), "H30");
  EXPECT_EQ(FiscalYear(1989).label(), "平成元年度");
}

TEST(FiscalYear, ParsesEveryWrittenForm) {
  EXPECT_EQ(FiscalYear::parse("2019"), FiscalYear(2019));
  EXPECT_EQ(FiscalYear::parse("R1"), FiscalYear(2019));
  EXPECT_EQ(FiscalYear::parse("令和元年度"), FiscalYear(2019));
  EXPECT_EQ(FiscalYear::parse("R2"), FiscalYear(2020));
  EXPECT_EQ(FiscalYear::parse("令和2年度"), FiscalYear(2020));
  EXPECT_EQ(FiscalYear::parse("H30"), FiscalYear(2018));
  EXPECT_EQ(FiscalYear::parse("平成30年度"), FiscalYear(2018));
}

TEST(FiscalYear, RoundTripsLabels) {
  for (int y = FiscalYear::kMin; y <= 2100; ++y) {
    FiscalYear fy(y);
    EXPECT_EQ(FiscalYear::parse(fy.label()), fy) << fy.label();
    EXPECT_EQ(FiscalYear::parse(fy.short_label()), fy) << fy.short_label();
  }
}

TEST(FiscalYear, RefusesMalformedText) {
  for (const char* bad : {"", "R0", "R", "令和0年度", "令和2年", "令和1年度", "19", "2019x", "X1", "令和元", "1988", "99999"}) {
    EXPECT_FALSE(FiscalYear::parse(bad).has_value()) << bad;
  }
  EXPECT_THROW(FiscalYear(1900), std::invalid_argument);
}

TEST(FiscalYear, RunsFromAprilFirstInJapan) {
  FiscalYear fy(2019);
  // 2019-04-01 00:00 JST is 2019-03-31 15:00 UTC.
  EXPECT_EQ(fy.begins(), utc(2019, 3, 31, 15));
  EXPECT_EQ(fy.ends(), utc(2020, 3, 31, 15));
  EXPECT_FALSE(fy.contains(utc(2019, 3, 31, 14, 59)));
  EXPECT_TRUE(fy.contains(utc(2019, 3, 31, 15, 0)));
  EXPECT_TRUE(fy.contains(utc(2020, 3, 31, 14, 59)));
  EXPECT_FALSE(fy.contains(utc(2020, 3, 31, 15, 0)));
}

TEST(FiscalYear, ContainingUsesJapaneseDateNotUtc) {
  // 2020-03-31 16:00 UTC is already April 1 in Japan: fiscal 2020.
  EXPECT_EQ(FiscalYear::containing(utc(2020, 3, 31, 16)), FiscalYear(2020));
  EXPECT_EQ(FiscalYear::containing(utc(2020, 3, 31, 14)), FiscalYear(2019));
  EXPECT_EQ(FiscalYear::containing(utc(2020, 1, 15)), FiscalYear(2019));
  EXPECT_EQ(FiscalYear::containing(utc(2019, 12, 31, 23)), FiscalYear(2019));
}
