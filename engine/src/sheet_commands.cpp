#include "engine/sheet_commands.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "model/text.hpp"

namespace engine {
namespace {

bool contains(const std::vector<std::string>& items, std::string_view x) {
  return std::find(items.begin(), items.end(), x) != items.end();
}

// The grants of `actor` that let it act as one of `roles` on this sheet: a departmental role
// counts only for the sheet's own departments.
std::vector<const model::Grant*> grants_for(const model::Actor& actor, const std::vector<std::string>& roles,
                                            const SheetState& s, const model::Workflow& w) {
  std::vector<const model::Grant*> out;
  for (const auto& g : actor.grants) {
    if (!contains(roles, g.role)) continue;
    if (w.is_departmental(g.role) && (!g.department || !contains(s.sheet.departments, *g.department))) continue;
    out.push_back(&g);
  }
  return out;
}

std::string sheet_name(const SheetState& s) { return fmt::format("sheet {} of {}", s.sheet.sheet_no, s.sheet.year); }

std::string roles_text(const std::vector<std::string>& roles) {
  std::string out;
  for (std::size_t i = 0; i < roles.size(); ++i) out += (i ? (i + 1 == roles.size() ? " or " : ", ") : "") + roles[i];
  return out;
}

void refuse_auditor_and_frozen(const SheetState& s, const model::Actor& actor, const Rules& rules, std::string_view what) {
  (void)rules;
  if (s.retired) throw CommandError(Refusal::invalid_state, fmt::format("{} is retired: it cannot be {}", sheet_name(s), what));
  if (!s.year_open) throw CommandError(Refusal::invalid_state, fmt::format("fiscal year {} is closed: its sheets are read-only", s.sheet.year));
  (void)actor;
}

void check_version(const SheetState& s, const Command& c) {
  if (c.expected_version != s.sheet.version) {
    throw CommandError(Refusal::conflict, fmt::format("{} is at version {}, not {}: someone changed it since you read it; "
                                                      "reload it and apply your change again",
                                                      sheet_name(s), s.sheet.version, c.expected_version));
  }
}

void check_text(std::string_view field, const std::string& text, const Rules& rules) {
  if (!model::is_valid_utf8(text)) throw CommandError(Refusal::invalid_value, fmt::format("{} is not valid UTF-8", field), std::string(field));
  if (text.size() > rules.max_text_bytes) {
    throw CommandError(Refusal::invalid_value, fmt::format("{} is {} bytes, more than the {} allowed", field, text.size(), rules.max_text_bytes),
                       std::string(field));
  }
}

model::FieldValue optional_text(const std::optional<std::string>& v) {
  if (!v) return std::monostate{};
  return *v;
}

// What a complete sheet needs before it moves on (submit): grade, 取組内容, 今後の方針, and 成果
// where the plan's grade scale requires it.
void check_complete(const model::SheetRecord& s, const Rules& rules) {
  if (!s.grade) throw CommandError(Refusal::invalid_value, "the sheet has no grade (自己評価) yet", "grade");
  if (model::trim(s.actions).empty()) throw CommandError(Refusal::invalid_value, "取組内容 (actions) is empty", "actions");
  if (rules.grades.results_required(*s.grade) && model::trim(s.results).empty()) {
    throw CommandError(Refusal::invalid_value, fmt::format("成果 (results) is required for grade {}", *s.grade), "results");
  }
  if (model::trim(s.next_steps).empty()) throw CommandError(Refusal::invalid_value, "今後の方針 (next steps) is empty", "next_steps");
}

Decision decide_edit(const SheetState& before, const EditFields& e, const Command& c, const model::Actor& actor, const Rules& rules) {
  const auto& w = rules.workflow;
  auto grants = grants_for(actor, w.edit_roles, before, w);
  if (grants.empty()) {
    throw CommandError(Refusal::forbidden, fmt::format("{} may not edit {}: editing needs the role {} for one of its departments ({})",
                                                       actor.login, sheet_name(before), roles_text(w.edit_roles),
                                                       fmt::join(before.sheet.departments, ", ")));
  }
  check_version(before, c);
  refuse_auditor_and_frozen(before, actor, rules, "edited");
  if (!contains(w.edit_states, before.sheet.state)) {
    throw CommandError(Refusal::invalid_state, fmt::format("{} is {}: its fields can be edited only when it is {}", sheet_name(before),
                                                           before.sheet.state, roles_text(w.edit_states)));
  }
  Decision d;
  d.after = before;
  d.action = "edit";
  d.grant_used = grants.front()->text();
  auto& s = d.after.sheet;
  if (e.grade) {
    std::optional<std::string> grade = e.grade->empty() ? std::nullopt : std::optional<std::string>(*e.grade);
    if (grade && !rules.grades.contains(*grade)) {
      throw CommandError(Refusal::invalid_value, fmt::format("grade {:?} is not one of {}", *grade, rules.grades.codes_for_message()), "grade");
    }
    if (grade != s.grade) {
      d.changes.push_back({"grade", optional_text(s.grade), optional_text(grade)});
      s.grade = grade;
    }
  }
  for (auto [name, value, field] : {std::tuple{"actions", &e.actions, &s.actions}, std::tuple{"results", &e.results, &s.results},
                                    std::tuple{"next_steps", &e.next_steps, &s.next_steps}}) {
    if (!*value) continue;
    check_text(name, **value, rules);
    if (**value != *field) {
      d.changes.push_back({name, *field, **value});
      *field = **value;
    }
  }
  if (!d.changes.empty()) {
    d.changes.push_back({"version", static_cast<long long>(s.version), static_cast<long long>(s.version + 1)});
    ++s.version;
  }
  return d;
}

// The separation-of-duties rule that bars `actor` from `action` on `s`, or null.
const model::WorkflowSeparation* separation_barring(const SheetState& s, const model::WorkflowAction& action, const model::Actor& actor,
                                                    const Rules& rules) {
  if (!rules.separation_of_duties) return nullptr;
  for (const auto& sep : rules.workflow.separations) {
    if (sep.then != action.name) continue;
    auto it = s.last_actors.find(sep.first);
    if (it != s.last_actors.end() && it->second == actor.login) return &sep;
  }
  return nullptr;
}

// Whether `actor` may fire `action` on `s` now as far as who and when decide, leaving out the
// command's own values (version, comment, completeness). The one order of these checks, used
// both to refuse a command (with a message) and to list the actions offered (without building
// one: the sheet's JSON asks this for every action on every read).
enum class Gate { open, no_grant, separated, retired, closed, wrong_state };

Gate gate(const SheetState& s, const model::WorkflowAction& action, const model::Actor& actor, const Rules& rules) {
  if (grants_for(actor, action.roles, s, rules.workflow).empty()) return Gate::no_grant;
  if (separation_barring(s, action, actor, rules) != nullptr) return Gate::separated;
  if (s.retired) return Gate::retired;
  if (!s.year_open) return Gate::closed;
  if (!contains(action.from, s.sheet.state)) return Gate::wrong_state;
  return Gate::open;
}

Decision decide_transition(const SheetState& before, const Transition& t, const Command& c, const model::Actor& actor,
                           const Rules& rules) {
  const auto& w = rules.workflow;
  const model::WorkflowAction* action = w.find_action(t.action);
  if (action == nullptr) {
    std::string known;
    for (const auto& a : w.actions) known += (known.empty() ? "" : ", ") + a.name;
    throw CommandError(Refusal::invalid_value, fmt::format("{:?} is not an action of the {} workflow ({})", t.action, w.name, known), "action");
  }
  const Gate g = gate(before, *action, actor, rules);
  if (g == Gate::no_grant) {
    throw CommandError(Refusal::forbidden, fmt::format("{} may not {} {}: it needs the role {}{}", actor.login, action->name, sheet_name(before),
                                                       roles_text(action->roles),
                                                       std::any_of(action->roles.begin(), action->roles.end(),
                                                                   [&](const auto& r) { return w.is_departmental(r); })
                                                           ? fmt::format(" (departmental roles: for one of {})", fmt::join(before.sheet.departments, ", "))
                                                           : std::string()));
  }
  if (g == Gate::separated) {
    throw CommandError(Refusal::forbidden, fmt::format("separation of duties: {} fired {} on {}, so someone else must {} it", actor.login,
                                                       separation_barring(before, *action, actor, rules)->first, sheet_name(before),
                                                       action->name));
  }
  check_version(before, c);
  refuse_auditor_and_frozen(before, actor, rules, "changed");
  if (g == Gate::wrong_state) {
    throw CommandError(Refusal::invalid_state, fmt::format("{} is {}: {} applies only when it is {}", sheet_name(before), before.sheet.state,
                                                           action->name, roles_text(action->from)));
  }
  if (action->comment_required && (!c.comment || model::trim(*c.comment).empty())) {
    throw CommandError(Refusal::invalid_value, fmt::format("{} needs a comment saying why", action->name), "comment");
  }
  if (c.comment) check_text("comment", *c.comment, rules);
  if (action->complete_sheet_required) check_complete(before.sheet, rules);

  const auto grants = grants_for(actor, action->roles, before, w);
  Decision d;
  d.after = before;
  d.action = action->name;
  d.grant_used = grants.front()->text();
  auto& s = d.after.sheet;
  d.changes.push_back({"state", s.state, action->to});
  d.changes.push_back({"version", static_cast<long long>(s.version), static_cast<long long>(s.version + 1)});
  s.state = action->to;
  ++s.version;
  d.after.last_actors[action->name] = actor.login;
  return d;
}

}  // namespace

Decision decide(const SheetState& before, const Command& command, const model::Actor& actor, const Rules& rules) {
  if (const auto* e = std::get_if<EditFields>(&command.what)) return decide_edit(before, *e, command, actor, rules);
  return decide_transition(before, std::get<Transition>(command.what), command, actor, rules);
}

std::vector<std::string> allowed_actions(const SheetState& sheet, const model::Actor& actor, const Rules& rules) {
  // An incomplete sheet still offers submit: the refusal then says what is missing.
  std::vector<std::string> out;
  for (const auto& a : rules.workflow.actions) {
    if (gate(sheet, a, actor, rules) == Gate::open) out.push_back(a.name);
  }
  return out;
}

bool may_edit(const SheetState& sheet, const model::Actor& actor, const Rules& rules) {
  const auto& w = rules.workflow;
  return !grants_for(actor, w.edit_roles, sheet, w).empty() && contains(w.edit_states, sheet.sheet.state) && !sheet.retired &&
         sheet.year_open;
}

Decision CommandService::execute(const SheetRef& ref, const Command& command, const model::Actor& actor, const std::string& request_id) {
  return execute(ref, [&](const SheetState&) { return command; }, actor, request_id);
}

Decision CommandService::execute(const SheetRef& ref, const Prepare& prepare, const model::Actor& actor, const std::string& request_id) {
  auto uow = store_.begin();
  auto sheet = uow->lock_sheet(ref);
  if (!sheet) {
    throw CommandError(Refusal::not_found, ref.id ? fmt::format("sheet id {} does not exist", *ref.id)
                                                  : fmt::format("sheet {} of {} does not exist", ref.sheet_no.value_or(0), ref.year.value_or(0)));
  }
  const Command command = prepare(*sheet);
  Decision d = decide(*sheet, command, actor, rules_);
  if (d.changes.empty()) return d;  // nothing changed: nothing to write, no event
  AuditEntry entry{*sheet->sheet.id, actor.login, d.grant_used, d.action, d.changes, command.comment, request_id};
  uow->save_and_commit(d.after, sheet->sheet.version, entry);
  return d;
}

}  // namespace engine
