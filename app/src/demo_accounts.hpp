#pragma once
// Demo accounts for trying shinchoku out (`serve --demo`, `user demo`): one per role of the
// workflow, the departmental ones for a department that has sheets. Made only when the
// database has no users at all, so a real installation is never touched; their display
// names say デモ and their passwords are printed, so they are never mistaken for real ones.
#include <string>
#include <vector>

#include <soci/soci.h>

#include "app/config.hpp"
#include "model/plan.hpp"
#include "model/workflow.hpp"

namespace app {

struct DemoAccount {
  std::string login;
  std::string password;
  std::string grant;  // role@department or role
};

// Creates the accounts when there are no users (returns true), and returns the demo accounts
// that exist (those the function made, now or in an earlier run) in `accounts`.
bool ensure_demo_accounts(soci::session& sql, const model::PlanSeed& plan, const model::Workflow& workflow,
                          std::vector<DemoAccount>& accounts);

// The lines that print them, each marked DEMO.
std::string describe_demo_accounts(const std::vector<DemoAccount>& accounts);

}  // namespace app
