#include "model/sheet.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "model/fiscal_year.hpp"

namespace model {

std::vector<SheetView> make_views(const PlanSeed& plan, const std::vector<SheetRecord>& sheets) {
  const auto& s = plan.structure;
  std::map<std::string, const Measure*, std::less<>> measures;
  for (const auto& m : s.measures) measures[m.id] = &m;
  auto label_of = [](const auto& items, const std::string& id) -> std::string {
    for (const auto& x : items) {
      if (x.id == id) return x.label;
    }
    return {};
  };
  auto strategy_of_policy = [&](const std::string& policy_id) -> std::string {
    for (const auto& p : s.policies) {
      if (p.id == policy_id) return p.strategy_id;
    }
    return {};
  };

  std::vector<SheetView> out;
  out.reserve(sheets.size());
  for (const auto& sheet : sheets) {
    auto it = measures.find(sheet.measure_key);
    if (it == measures.end()) {
      throw std::invalid_argument(fmt::format("sheet {} of {}: measure {:?} is not in the plan", sheet.sheet_no, sheet.year, sheet.measure_key));
    }
    const Measure& m = *it->second;
    SheetView v;
    v.sheet = sheet;
    v.measure = &m;
    v.policy = label_of(s.policies, m.policy_id);
    v.strategy = label_of(s.strategies, strategy_of_policy(m.policy_id));
    if (m.focus_id) v.focus = label_of(s.focuses, *m.focus_id);
    v.lead_department = m.related_departments.empty() ? std::string() : m.related_departments.front();
    if (m.relisted_from) {
      auto orig = measures.find(*m.relisted_from);
      if (orig != measures.end()) v.relisted_from = SheetView::Relisted{orig->second->title, orig->second->plan_page, orig->second->sheets};
    }
    for (std::size_t k = 0; k < m.schedule.size(); ++k) {
      auto label = FiscalYear(plan.plan.first_year + static_cast<int>(k)).short_label();
      v.schedule.emplace_back(label, m.schedule[k].empty() ? std::nullopt : std::optional<std::string>(m.schedule[k]));
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace model
