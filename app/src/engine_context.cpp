#include "engine_context.hpp"

#include <fmt/format.h>

#include "app/workflow_file.hpp"
#include "model/fiscal_year.hpp"
#include "persistence/database.hpp"
#include "persistence/seed.hpp"
#include "persistence/users.hpp"

namespace app {
namespace {

model::PlanSeed open_and_load(soci::session& sql, const Config& cfg) {
  persistence::open_session(sql, cfg.database.url, cfg.database.connect_timeout_seconds);
  return persistence::load_plan(sql, cfg.plan.code);
}

}  // namespace

EngineContext::EngineContext(const GlobalOptions& g)
    : cfg(load(g)), plan(open_and_load(sql, cfg)), workflow(load_workflow(cfg.workflow.definition)), grades(plan.plan.grades) {}

model::Actor load_actor(soci::session& sql, const std::string& login) {
  if (login.empty()) throw engine::DomainError("--actor LOGIN is required: say which user acts");
  auto user = persistence::find_user(sql, login);
  if (!user) throw engine::DomainError(fmt::format("user {:?} does not exist", login));
  if (!user->active) throw engine::DomainError(fmt::format("user {:?} is disabled", login));
  model::Actor actor{user->login, {}};
  for (const auto& g : user->grants) actor.grants.push_back({g.role, g.department_name, g.department_code});
  return actor;
}

model::Grant require_role(const model::Actor& actor, std::initializer_list<std::string_view> roles, std::string_view what) {
  for (const auto& g : actor.grants) {
    for (auto r : roles) {
      if (g.role == r) return g;
    }
  }
  std::string names;
  for (auto r : roles) names += (names.empty() ? "" : " or ") + std::string(r);
  throw engine::DomainError(fmt::format("{} may not {}: that needs the role {}", actor.login, what, names));
}

persistence::RoleRules role_rules(const model::Workflow& workflow) {
  const auto roles = workflow.roles();
  return {{roles.begin(), roles.end()}, {workflow.departmental_roles.begin(), workflow.departmental_roles.end()}};
}

int parse_year_option(const std::string& text) {
  auto fy = model::FiscalYear::parse(text);
  if (!fy) throw engine::DomainError(fmt::format("{:?} is not a fiscal year (2020, R2 or 令和2年度)", text));
  return fy->start_year();
}

}  // namespace app
