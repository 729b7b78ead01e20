#pragma once
// What the commands that change sheets need together: the configuration, a database session,
// the plan with its grade scale, the workflow definition, and the rules built from them.
#include <memory>
#include <optional>
#include <string>

#include <soci/soci.h>

#include "cli_support.hpp"
#include "engine/sheet_commands.hpp"
#include "model/actor.hpp"
#include "model/plan.hpp"
#include "model/workflow.hpp"
#include "persistence/users.hpp"

namespace app {

struct EngineContext {
  explicit EngineContext(const GlobalOptions& g);
  Config cfg;
  soci::session sql;
  model::PlanSeed plan;
  model::Workflow workflow;
  model::GradeScale grades;
  engine::Rules rules() const { return {workflow, grades, cfg.workflow.separation_of_duties}; }
};

// The user `login` as the engine sees it; refuses an unknown or disabled user.
model::Actor load_actor(soci::session& sql, const std::string& login);

// The first grant of `actor` with one of the roles, for commands that are not workflow actions
// (year open and close: coordinators; year reopen: admins). Refuses when there is none.
model::Grant require_role(const model::Actor& actor, std::initializer_list<std::string_view> roles, std::string_view what);

// The roles a grant may name and which of them act for a department: the workflow
// definition's, so that what varies between cities is configuration.
persistence::RoleRules role_rules(const model::Workflow& workflow);

// "2020" or "R2" or "令和2年度": the fiscal year as the CLI accepts it.
int parse_year_option(const std::string& text);

}  // namespace app
