#pragma once
// A sheet as `sheet show --format json` and GET /sheets/{id} both give it: DESIGN.md §5's
// shape (sheet_json) plus id, version, retired, previous (last year's grade and 今後の方針,
// or null) and, for a given actor, allowed_actions and editable.
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "api/backend.hpp"
#include "engine/sheet_commands.hpp"
#include "model/actor.hpp"
#include "model/plan.hpp"

namespace api {

boost::json::object sheet_document(const model::PlanSeed& plan, const SheetData& sheet, const engine::Rules& rules,
                                   const model::Actor* actor);

// Whether the actor may read the sheet at all: sheets in the workflow's final state are
// public to every signed-in user; others only to their departments and to roles that act
// for no department (coordinator, auditor, admin, committee …).
bool may_read(const engine::SheetState& sheet, const model::Actor& actor, const model::Workflow& workflow);

}  // namespace api
