#include "demo_accounts.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "cli_support.hpp"
#include "engine_context.hpp"
#include "persistence/password.hpp"
#include "persistence/sheets.hpp"
#include "persistence/users.hpp"
#include "persistence/years.hpp"

namespace app {

namespace {

constexpr std::string_view kDemoName = "(デモ)";

// A city department that executes sheets in the latest year: the demo staff's department.
std::string demo_department(soci::session& sql, const model::PlanSeed& plan) {
  auto years = persistence::list_years(sql);
  auto is_city = [&](const std::string& name) {
    return std::any_of(plan.departments.begin(), plan.departments.end(),
                       [&](const model::Department& d) { return d.name == name && d.kind == model::DepartmentKind::city; });
  };
  for (auto y = years.rbegin(); y != years.rend(); ++y) {
    for (const auto& s : persistence::load_year_sheets(sql, *y)) {
      for (const auto& d : s.departments) {
        if (is_city(d)) return d;
      }
    }
  }
  for (const auto& d : plan.departments) {
    if (d.kind == model::DepartmentKind::city) return d.name;
  }
  throw std::runtime_error("the plan has no city department for the demo accounts");
}

std::string demo_password(const std::string& login) { return login + "-password"; }

}  // namespace

bool ensure_demo_accounts(soci::session& sql, const model::PlanSeed& plan, const model::Workflow& workflow,
                          std::vector<DemoAccount>& accounts) {
  bool made = false;
  if (persistence::list_users(sql).empty()) {
    const std::string department = demo_department(sql, plan);
    const auto rules = role_rules(workflow);
    const persistence::ChangeContext change{"system:demo", new_request_id()};
    for (const auto& role : workflow.roles()) {
      const std::string login = "demo-" + role;
      persistence::NewUser u{login, fmt::format("{} {}", role, kDemoName), std::nullopt, persistence::hash_password(demo_password(login)),
                             {role, workflow.is_departmental(role) ? std::optional<std::string>(department) : std::nullopt}};
      persistence::add_user(sql, u, rules, change);
    }
    made = true;
  }
  accounts.clear();
  for (const auto& u : persistence::list_users(sql)) {
    if (!u.login.starts_with("demo-") || u.display_name.find(kDemoName) == std::string::npos || u.grants.empty()) continue;
    const auto& g = u.grants.front();
    accounts.push_back({u.login, demo_password(u.login), g.department_name ? g.role + "@" + *g.department_name : g.role});
  }
  return made;
}

std::string describe_demo_accounts(const std::vector<DemoAccount>& accounts) {
  std::string out;
  for (const auto& a : accounts) out += fmt::format("  DEMO  {:<18} password {:<28} {}\n", a.login, a.password, a.grant);
  return out;
}

}  // namespace app
