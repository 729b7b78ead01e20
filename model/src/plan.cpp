#include "model/plan.hpp"

#include <map>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

namespace model {

std::string_view to_string(DepartmentKind kind) {
  switch (kind) {
    case DepartmentKind::city: return "city";
    case DepartmentKind::pseudo: return "pseudo";
    case DepartmentKind::outside: return "outside";
  }
  return "city";
}

std::optional<DepartmentKind> parse_department_kind(std::string_view text) {
  if (text == "city") return DepartmentKind::city;
  if (text == "pseudo") return DepartmentKind::pseudo;
  if (text == "outside") return DepartmentKind::outside;
  return std::nullopt;
}

std::vector<std::string> validate(const PlanSeed& seed) {
  std::vector<std::string> problems;
  auto problem = [&](std::string text) { problems.push_back(std::move(text)); };

  std::set<std::string, std::less<>> codes;
  std::map<std::string, std::string, std::less<>> names;  // name or alias -> department code
  for (const auto& d : seed.departments) {
    if (d.code.empty() || d.code.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
      problem(fmt::format("department {:?}: code {:?} must be lowercase ASCII letters, digits and '-'", d.name, d.code));
    }
    if (!codes.insert(d.code).second) problem(fmt::format("department code {:?} is used twice", d.code));
    if (d.name.empty()) problem(fmt::format("department {:?} has an empty name", d.code));
    for (const auto* n : {&d.name}) {
      if (!names.emplace(*n, d.code).second) problem(fmt::format("department name {:?} is used twice", *n));
    }
    for (const auto& a : d.aliases) {
      if (!names.emplace(a, d.code).second) problem(fmt::format("department alias {:?} of {:?} is already a name or alias", a, d.code));
    }
  }

  const auto& plan = seed.plan;
  if (plan.code.empty()) problem("the plan has an empty code");
  if (plan.name.empty()) problem("the plan has an empty name");
  if (plan.first_year <= 0 || plan.last_year < plan.first_year) {
    problem(fmt::format("the plan's period {}–{} is not a range of fiscal years", plan.first_year, plan.last_year));
  }
  try {
    GradeScale scale(plan.grades);
  } catch (const std::invalid_argument& e) {
    problem(fmt::format("grade scale: {}", e.what()));
  }

  const auto& s = seed.structure;
  std::set<std::string, std::less<>> ids;
  auto unique_id = [&](const std::string& id, std::string_view what) {
    if (id.empty()) problem(fmt::format("a {} has an empty id", what));
    else if (!ids.insert(id).second) problem(fmt::format("id {:?} is used twice", id));
  };
  std::set<std::string, std::less<>> strategies, policies, focuses, measures;
  for (const auto& x : s.strategies) { unique_id(x.id, "strategy"); strategies.insert(x.id); }
  for (const auto& x : s.policies) {
    unique_id(x.id, "policy");
    policies.insert(x.id);
    if (!strategies.contains(x.strategy_id)) problem(fmt::format("policy {}: unknown strategy {:?}", x.id, x.strategy_id));
  }
  std::map<std::string, std::string, std::less<>> focus_policy;
  for (const auto& x : s.focuses) {
    unique_id(x.id, "focus");
    focuses.insert(x.id);
    focus_policy[x.id] = x.policy_id;
    if (!policies.contains(x.policy_id)) problem(fmt::format("focus {}: unknown policy {:?}", x.id, x.policy_id));
  }
  for (const auto& m : s.measures) { unique_id(m.id, "measure"); measures.insert(m.id); }

  const std::size_t plan_years = plan.last_year >= plan.first_year ? static_cast<std::size_t>(plan.last_year - plan.first_year + 1) : 0;
  std::map<int, std::string> sheet_owner;
  for (const auto& m : s.measures) {
    if (!policies.contains(m.policy_id)) problem(fmt::format("measure {}: unknown policy {:?}", m.id, m.policy_id));
    if (m.focus_id) {
      auto it = focus_policy.find(*m.focus_id);
      if (it == focus_policy.end()) problem(fmt::format("measure {}: unknown focus {:?}", m.id, *m.focus_id));
      else if (it->second != m.policy_id) problem(fmt::format("measure {}: focus {} belongs to policy {}, not {}", m.id, *m.focus_id, it->second, m.policy_id));
    }
    if (m.title.empty() && !m.incomplete) problem(fmt::format("measure {} has an empty title", m.id));
    if (m.related_departments.empty() && !m.incomplete) problem(fmt::format("measure {} has no related department", m.id));
    for (const auto& d : m.related_departments) {
      if (!names.contains(d)) problem(fmt::format("measure {}: department {:?} is not in the departments file", m.id, d));
    }
    if (m.schedule.size() != plan_years) {
      problem(fmt::format("measure {}: schedule has {} entries, the plan has {} years", m.id, m.schedule.size(), plan_years));
    }
    if (m.relisted_from && !measures.contains(*m.relisted_from)) {
      problem(fmt::format("measure {}: relisted from unknown measure {:?}", m.id, *m.relisted_from));
    }
    if (m.relisted_from && *m.relisted_from == m.id) problem(fmt::format("measure {} is relisted from itself", m.id));
    for (int n : m.sheets) {
      if (n <= 0) problem(fmt::format("measure {}: sheet number {} is not positive", m.id, n));
      auto [it, inserted] = sheet_owner.emplace(n, m.id);
      if (!inserted) problem(fmt::format("sheet {} belongs to both {} and {}", n, it->second, m.id));
    }
  }
  return problems;
}

}  // namespace model
