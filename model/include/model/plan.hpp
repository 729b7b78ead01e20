#pragma once
// Master data of a plan document: its departments, its grade scale and its structure
// (strategy > policy > focus > measure). Loaded from config/ and kept in the database.
#include <optional>
#include <string>
#include <vector>

#include "model/grade_scale.hpp"

namespace model {

enum class DepartmentKind { city, pseudo, outside };

std::string_view to_string(DepartmentKind kind);
std::optional<DepartmentKind> parse_department_kind(std::string_view text);

struct Department {
  std::string code;  // romanized, stable: "chiiki-fukushi"
  std::string name;  // "地域福祉課"
  DepartmentKind kind = DepartmentKind::city;
  std::vector<std::string> aliases;
};

struct PlanInfo {
  std::string code;  // stable key of the plan: "honjo-chiiki-fukushi"
  std::string name;  // "本庄市地域福祉計画"
  int first_year = 0;  // fiscal years the plan covers, inclusive
  int last_year = 0;
  std::vector<Grade> grades;
};

struct Strategy {
  std::string id;  // stable key within the plan: "S1"
  std::string label;
};

struct Policy {
  std::string id;
  std::string strategy_id;
  std::string label;
};

struct Focus {
  std::string id;
  std::string policy_id;
  std::string label;
};

struct Measure {
  std::string id;
  std::string policy_id;
  std::optional<std::string> focus_id;
  std::optional<int> number;
  std::string title;
  std::optional<int> plan_page;
  std::vector<std::string> related_departments;  // Japanese names; the first is the lead
  std::vector<std::string> schedule;              // one milestone per plan year, "" for none
  bool schedule_ambiguous = false;  // the table's schedule cells could be read more than one way
  // The table does not show this measure's cells (sheet 69: its pages are not in the table):
  // title, page, departments and schedule are unknown, not empty by mistake.
  bool incomplete = false;
  std::vector<int> sheets;  // sheet numbers of the measure in the table
  std::optional<std::string> relisted_from;  // measure id of the original listing
};

struct PlanStructure {
  std::vector<Strategy> strategies;
  std::vector<Policy> policies;
  std::vector<Focus> focuses;
  std::vector<Measure> measures;
};

// Everything `migrate` seeds.
struct PlanSeed {
  std::vector<Department> departments;
  PlanInfo plan;
  PlanStructure structure;
};

// Checks references and uniqueness across the seed; returns the problems found, empty when sound.
std::vector<std::string> validate(const PlanSeed& seed);

}  // namespace model
