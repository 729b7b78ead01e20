#pragma once
// The plan's master data as reviewed files in config/: departments, the plan with its grade
// scale, and the plan's structure. `migrate` loads them into the database.
#include <filesystem>

#include "app/config.hpp"
#include "model/plan.hpp"

namespace app {

// Reads and checks the three files named by the configuration; throws ConfigError with
// file:line: reason for a malformed entry, and with every cross-reference problem found.
model::PlanSeed load_seed_files(const Config::Plan& files);

}  // namespace app
