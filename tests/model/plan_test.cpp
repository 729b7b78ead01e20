#include <gtest/gtest.h>

#include <algorithm>

#include "model/plan.hpp"

namespace {

model::PlanSeed sound_seed() {
  model::PlanSeed s;
  s.departments = {{"chiiki-fukushi", "地域福祉課", model::DepartmentKind::city, {}},
                   {"shakai-fukushi-kyogikai", "社会福祉協議会", model::DepartmentKind::outside, {"※社会福祉協議会"}}};
  s.plan = {"honjo", "本庄市地域福祉計画", 2019, 2023, {{"A", "達成", true, false}, {"C", "検討中", false, true}}};
  s.structure.strategies = {{"S1", "1 市民の生活を支える仕組みづくり"}};
  s.structure.policies = {{"S1-P1", "S1", "(1) 相談支援の仕組みづくり"}};
  s.structure.focuses = {{"S1-P1-F1", "S1-P1", "① 包括的な相談支援体制の構築"}};
  model::Measure m;
  m.id = "M01";
  m.policy_id = "S1-P1";
  m.focus_id = "S1-P1-F1";
  m.number = 1;
  m.title = "庁内相談・政策管理機能部署の設置";
  m.plan_page = 69;
  m.related_departments = {"地域福祉課"};
  m.schedule = {"", "研究・準備", "", "設置", "検証"};
  m.sheets = {1};
  s.structure.measures = {m};
  return s;
}

bool mentions(const std::vector<std::string>& problems, std::string_view text) {
  return std::any_of(problems.begin(), problems.end(), [&](const auto& p) { return p.find(text) != std::string::npos; });
}

}  // namespace

TEST(PlanSeed, SoundSeedHasNoProblems) { EXPECT_TRUE(model::validate(sound_seed()).empty()); }

TEST(PlanSeed, UnknownRelatedDepartmentIsReported) {
  auto s = sound_seed();
  s.structure.measures[0].related_departments.push_back("存在しない課");
  EXPECT_TRUE(mentions(model::validate(s), "存在しない課"));
}

TEST(PlanSeed, AliasesResolveAsDepartments) {
  auto s = sound_seed();
  s.structure.measures[0].related_departments.push_back("※社会福祉協議会");
  EXPECT_TRUE(model::validate(s).empty());
}

TEST(PlanSeed, SheetNumberInTwoMeasuresIsReported) {
  auto s = sound_seed();
  auto copy = s.structure.measures[0];
  copy.id = "M02";
  s.structure.measures.push_back(copy);
  EXPECT_TRUE(mentions(model::validate(s), "sheet 1 belongs to both M01 and M02"));
}

TEST(PlanSeed, FocusUnderAnotherPolicyIsReported) {
  auto s = sound_seed();
  s.structure.policies.push_back({"S1-P2", "S1", "(2) 横断的なサービスづくり"});
  s.structure.measures[0].policy_id = "S1-P2";
  EXPECT_TRUE(mentions(model::validate(s), "focus S1-P1-F1 belongs to policy S1-P1"));
}

TEST(PlanSeed, DanglingReferencesAreReported) {
  auto s = sound_seed();
  s.structure.measures[0].relisted_from = "M99";
  s.structure.policies[0].strategy_id = "S9";
  auto problems = model::validate(s);
  EXPECT_TRUE(mentions(problems, "M99"));
  EXPECT_TRUE(mentions(problems, "S9"));
}

TEST(PlanSeed, RepeatedDepartmentCodeOrBadCodeIsReported) {
  auto s = sound_seed();
  s.departments.push_back({"chiiki-fukushi", "別の課", model::DepartmentKind::city, {}});
  s.departments.push_back({"Bad Code", "悪い課", model::DepartmentKind::city, {}});
  auto problems = model::validate(s);
  EXPECT_TRUE(mentions(problems, "code \"chiiki-fukushi\" is used twice"));
  EXPECT_TRUE(mentions(problems, "Bad Code"));
}

TEST(PlanSeed, ScheduleMustCoverThePlanYears) {
  auto s = sound_seed();
  s.structure.measures[0].schedule.pop_back();
  EXPECT_TRUE(mentions(model::validate(s), "schedule has 4 entries, the plan has 5 years"));
}
