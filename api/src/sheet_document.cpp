#include "api/sheet_document.hpp"

#include <algorithm>

#include "api/progress_report.hpp"

namespace api {

namespace json = boost::json;

json::object sheet_document(const model::PlanSeed& plan, const SheetData& d, const engine::Rules& rules, const model::Actor* actor) {
  auto views = model::make_views(plan, {d.state.sheet});
  json::object doc = sheet_json(views.front());
  doc["id"] = d.state.sheet.id.value_or(0);
  doc["version"] = d.state.sheet.version;
  // The key GET /measures/{id} takes: without it a client could not find a measure's sheets.
  doc["measure_id"] = d.state.sheet.measure_key;
  doc["retired"] = d.state.retired;
  doc["previous"] = d.previous_grade || d.previous_next_steps
                        ? json::value({{"grade", d.previous_grade ? json::value(*d.previous_grade) : json::value(nullptr)},
                                       {"next_steps", d.previous_next_steps.value_or("")}})
                        : json::value(nullptr);
  if (actor) {
    json::array allowed;
    for (const auto& a : engine::allowed_actions(d.state, *actor, rules)) allowed.emplace_back(a);
    doc["allowed_actions"] = std::move(allowed);
    doc["editable"] = engine::may_edit(d.state, *actor, rules);
  }
  return doc;
}

bool may_read(const engine::SheetState& sheet, const model::Actor& actor, const model::Workflow& workflow) {
  if (sheet.sheet.state == workflow.final_state) return true;
  for (const auto& g : actor.grants) {
    if (!workflow.is_departmental(g.role)) return true;
    if (g.department && std::find(sheet.sheet.departments.begin(), sheet.sheet.departments.end(), *g.department) !=
                            sheet.sheet.departments.end()) {
      return true;
    }
  }
  return false;
}

}  // namespace api
