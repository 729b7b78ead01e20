#pragma once
// The plan's master data in the database: written by `migrate` from config/, read back for
// `plan show` and the importer.
#include <string>
#include <vector>

#include <soci/soci.h>

#include "model/plan.hpp"

namespace persistence {

struct SeedCounts {
  int added = 0;
  int changed = 0;
};

struct SeedReport {
  SeedCounts departments;
  SeedCounts plan;        // the plan row and its grades
  SeedCounts structure;   // strategies, policies, focuses, measures and their details
  bool changed() const;
};

// Upserts the seed in one transaction: what is new is added, what differs is updated, what
// is equal is left alone (a second run reports no change). Every addition and change is
// audited as an event of its entity with the fields before and after. Rows the files no
// longer name are kept, since sheets may refer to them.
SeedReport apply_seed(soci::session& sql, const model::PlanSeed& seed, const std::string& actor,
                      const std::string& request_id);

// Every department, in the order they were added.
std::vector<model::Department> load_departments(soci::session& sql);

// Reads the plan (by code) with its departments and structure.
// Throws DatabaseError when the plan is not in the database.
model::PlanSeed load_plan(soci::session& sql, const std::string& plan_code);

}  // namespace persistence
