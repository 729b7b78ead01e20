#pragma once
// A sheet: one measure's yearly evaluation by its executing departments (DESIGN.md §1).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/plan.hpp"

namespace model {

struct SheetRecord {
  std::optional<long long> id;      // database id, once stored
  int year = 0;                     // fiscal year, by the Gregorian year it starts in
  int sheet_no = 0;                 // シート頁; repeats every year
  std::string measure_key;          // the structure file's measure id
  std::optional<std::string> grade; // empty: not graded yet
  std::string state;                // a state of the workflow definition
  std::vector<std::string> departments;  // executing departments (主な実行課), names in order
  std::string actions;              // 取組内容
  std::string results;              // 成果
  std::string next_steps;           // 今後の方針
  int version = 1;

  bool same_content(const SheetRecord& o) const {
    return year == o.year && sheet_no == o.sheet_no && measure_key == o.measure_key && grade == o.grade &&
           state == o.state && departments == o.departments && actions == o.actions && results == o.results &&
           next_steps == o.next_steps;
  }
};

// A sheet with its place in the plan, as exports and the API show it (DESIGN.md §5).
struct SheetView {
  SheetRecord sheet;
  std::string strategy;
  std::string policy;
  std::optional<std::string> focus;
  const Measure* measure = nullptr;  // points into the PlanSeed the view was made from
  std::string lead_department;       // the first related department stands in (DESIGN.md §1)
  // The original listing of a relisted (再掲) measure.
  struct Relisted {
    std::string title;
    std::optional<int> plan_page;
    std::vector<int> sheet_nos;
  };
  std::optional<Relisted> relisted_from;
  // Milestones by short fiscal-year label (R1 … R5); nullopt for an empty cell.
  std::vector<std::pair<std::string, std::optional<std::string>>> schedule;
};

// Places each sheet in the plan. Throws std::invalid_argument for a sheet whose measure
// the plan does not have.
std::vector<SheetView> make_views(const PlanSeed& plan, const std::vector<SheetRecord>& sheets);

}  // namespace model
