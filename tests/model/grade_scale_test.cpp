#include <gtest/gtest.h>

#include "model/grade_scale.hpp"

using model::Grade;
using model::GradeScale;

namespace {
GradeScale honjo() {
  return GradeScale({{"A", "達成", true, false}, {"B", "未達成", true, false}, {"C", "検討中", false, true}, {"D", "中止", false, false}});
}
}  // namespace

TEST(GradeScale, HonjoRequiresResultsForAchievedAndNotAchieved) {
  auto s = honjo();
  EXPECT_TRUE(s.results_required("A"));
  EXPECT_TRUE(s.results_required("B"));
  EXPECT_FALSE(s.results_required("C"));
  EXPECT_FALSE(s.results_required("D"));
}

TEST(GradeScale, OnlyUnderStudyGradeIsChased) {
  auto s = honjo();
  EXPECT_TRUE(s.under_study("C"));
  EXPECT_FALSE(s.under_study("A"));
  EXPECT_FALSE(s.under_study("D"));
}

TEST(GradeScale, UnknownGradeIsNotInTheScale) {
  auto s = honjo();
  EXPECT_FALSE(s.contains("E"));
  EXPECT_FALSE(s.contains("a"));
  EXPECT_FALSE(s.contains(""));
  EXPECT_EQ(s.find("E"), nullptr);
  EXPECT_FALSE(s.results_required("E"));
  ASSERT_NE(s.find("B"), nullptr);
  EXPECT_EQ(s.find("B")->label, "未達成");
}

TEST(GradeScale, AnotherCityScaleWorksTheSame) {
  GradeScale five({{"S", "大きく進んだ", true, false}, {"1", "順調", true, false}, {"2", "遅れ", true, false}, {"3", "着手", false, true}});
  EXPECT_TRUE(five.under_study("3"));
  EXPECT_EQ(five.codes_for_message(), "S, 1, 2 or 3");
  EXPECT_EQ(honjo().codes_for_message(), "A, B, C or D");
}

TEST(GradeScale, RefusesMalformedScales) {
  EXPECT_THROW(GradeScale({}), std::invalid_argument);
  EXPECT_THROW(GradeScale({{"A", "達成", true, false}, {"A", "再", false, false}}), std::invalid_argument);
  EXPECT_THROW(GradeScale({{"", "空", false, false}}), std::invalid_argument);
  EXPECT_THROW(GradeScale({{"A", "", false, false}}), std::invalid_argument);
}
