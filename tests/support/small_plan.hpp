#pragma once
// A small plan with Honjo's grade scale: three departments, one strategy > policy > focus, a
// measure and its relisting. For tests below app/ that cannot read the TOML files.
#include "model/plan.hpp"

namespace testing_support {

inline model::PlanSeed small_seed() {
  model::PlanSeed s;
  s.departments = {{"chiiki-fukushi", "地域福祉課", model::DepartmentKind::city, {}},
                   {"kaigo-hoken", "介護保険課", model::DepartmentKind::city, {}},
                   {"shakai-fukushi-kyogikai", "社会福祉協議会", model::DepartmentKind::outside, {"※社会福祉協議会"}}};
  s.plan = {"honjo", "本庄市地域福祉計画", 2019, 2023,
            {{"A", "達成", true, false}, {"B", "未達成", true, false}, {"C", "検討中", false, true}, {"D", "中止", false, false, true}}};
  s.structure.strategies = {{"S1", "1 市民の生活を支える仕組みづくり"}};
  s.structure.policies = {{"S1-P1", "S1", "(1) 相談支援の仕組みづくり"}};
  s.structure.focuses = {{"S1-P1-F1", "S1-P1", "① 包括的な相談支援体制の構築"}};
  model::Measure m1;
  m1.id = "M01";
  m1.policy_id = "S1-P1";
  m1.focus_id = "S1-P1-F1";
  m1.number = 6;
  m1.title = "相談支援専門職の確保";
  m1.plan_page = 75;
  m1.related_departments = {"地域福祉課", "介護保険課"};
  m1.schedule = {"調査・研究", "", "検討", "", "実施"};
  m1.sheets = {6};
  model::Measure m2 = m1;
  m2.id = "M02";
  m2.focus_id.reset();
  m2.number.reset();
  m2.plan_page.reset();
  m2.relisted_from = "M01";
  m2.schedule = {"", "", "", "", ""};
  m2.sheets = {17, 18};
  s.structure.measures = {m1, m2};
  return s;
}

}  // namespace testing_support
