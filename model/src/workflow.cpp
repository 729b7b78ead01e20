#include "model/workflow.hpp"

#include <algorithm>
#include <deque>
#include <set>

#include <fmt/format.h>

namespace model {
namespace {

// The two roles every installation has whatever its workflow says: they never fire an action.
constexpr std::string_view kAuditor = "auditor";
constexpr std::string_view kAdmin = "admin";

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string join(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& s : list) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

}  // namespace

const WorkflowAction* Workflow::find_action(std::string_view action) const {
  for (const auto& a : actions) {
    if (a.name == action) return &a;
  }
  return nullptr;
}

std::vector<const WorkflowAction*> Workflow::actions_from(std::string_view state) const {
  std::vector<const WorkflowAction*> out;
  for (const auto& a : actions) {
    if (contains(a.from, state)) out.push_back(&a);
  }
  return out;
}

bool Workflow::is_departmental(std::string_view role) const { return contains(departmental_roles, role); }

bool Workflow::is_state(std::string_view state) const { return contains(states, state); }

std::vector<std::string> Workflow::roles() const {
  std::set<std::string> all{std::string(kAuditor), std::string(kAdmin)};
  for (const auto& a : actions) all.insert(a.roles.begin(), a.roles.end());
  all.insert(edit_roles.begin(), edit_roles.end());
  all.insert(departmental_roles.begin(), departmental_roles.end());
  for (const auto& [state, roles] : next_roles) all.insert(roles.begin(), roles.end());
  all.erase(std::string());
  return {all.begin(), all.end()};
}

std::vector<WorkflowProblem> workflow_problems(const Workflow& w) {
  using Where = WorkflowProblem::Where;
  std::vector<WorkflowProblem> problems;
  auto problem = [&](Where where, std::size_t index, std::size_t item, std::string message) {
    problems.push_back({where, index, item, std::move(message)});
  };
  const std::string known = w.states.empty() ? std::string("none") : join(w.states);
  auto unknown_state = [&](std::string_view what, const std::string& state) {
    return fmt::format("{}: {:?} is not a state of the workflow (its states: {})", what, state, known);
  };

  if (w.name.empty()) problem(Where::workflow, 0, 0, "the workflow has no name");
  if (w.states.empty()) problem(Where::workflow, 0, 0, "the workflow has no states");

  // States: named, once each.
  std::set<std::string, std::less<>> seen_states;
  for (std::size_t i = 0; i < w.states.size(); ++i) {
    const auto& s = w.states[i];
    if (s.empty()) problem(Where::state, i, 0, "a state has an empty name");
    else if (!seen_states.insert(s).second) problem(Where::state, i, 0, fmt::format("state {:?} is defined twice", s));
  }
  for (const auto& [state, label] : w.state_labels) {
    if (!w.is_state(state)) problem(Where::workflow, 0, 0, unknown_state("a state label", state));
  }
  if (w.initial_state.empty()) problem(Where::initial_state, 0, 0, "initial_state is required");
  else if (!w.is_state(w.initial_state)) problem(Where::initial_state, 0, 0, unknown_state("initial_state", w.initial_state));
  if (w.final_state.empty()) problem(Where::final_state, 0, 0, "final_state is required");
  else if (!w.is_state(w.final_state)) problem(Where::final_state, 0, 0, unknown_state("final_state", w.final_state));

  // Actions: named once, from and to known states, fired by someone who may change things.
  std::set<std::string, std::less<>> seen_actions;
  for (std::size_t i = 0; i < w.actions.size(); ++i) {
    const auto& a = w.actions[i];
    const std::string what = fmt::format("action {}", a.name.empty() ? std::string("(unnamed)") : a.name);
    if (a.name.empty()) problem(Where::action, i, 0, "an action has an empty name");
    else if (!seen_actions.insert(a.name).second) problem(Where::action, i, 0, fmt::format("action {:?} is defined twice", a.name));
    if (a.from.empty()) problem(Where::action_from, i, 0, fmt::format("{}: from names no state, so it can never fire", what));
    for (std::size_t j = 0; j < a.from.size(); ++j) {
      if (!w.is_state(a.from[j])) problem(Where::action_from, i, j, unknown_state(fmt::format("{}: from", what), a.from[j]));
    }
    if (!w.is_state(a.to)) problem(Where::action_to, i, 0, unknown_state(fmt::format("{}: to", what), a.to));
    if (a.roles.empty()) problem(Where::action_roles, i, 0, fmt::format("{}: nobody may fire it (roles is empty)", what));
    for (std::size_t j = 0; j < a.roles.size(); ++j) {
      if (a.roles[j].empty()) problem(Where::action_roles, i, j, fmt::format("{}: a role has an empty name", what));
      else if (a.roles[j] == kAuditor) {
        problem(Where::action_roles, i, j, fmt::format("{}: the auditor reads everything and changes nothing, so may not fire it", what));
      }
    }
  }

  // Who must act next: a state of the workflow, and a role that can act there.
  for (const auto& [state, roles] : w.next_roles) {
    auto at = std::find(w.states.begin(), w.states.end(), state);
    if (at == w.states.end()) {
      problem(Where::workflow, 0, 0, unknown_state("next_roles", state));
      continue;
    }
    const auto index = static_cast<std::size_t>(at - w.states.begin());
    const auto here = w.actions_from(state);
    for (std::size_t j = 0; j < roles.size(); ++j) {
      bool can_act = std::any_of(here.begin(), here.end(), [&](const WorkflowAction* a) { return contains(a->roles, roles[j]); }) ||
                     (contains(w.edit_states, state) && contains(w.edit_roles, roles[j]));
      if (!can_act) {
        problem(Where::next_role, index, j,
                fmt::format("state {}: next role {:?} can do nothing there: it fires no action from {} and may not edit in it, "
                            "so the reminders would chase someone who cannot act",
                            state, roles[j], state));
      }
    }
  }

  // Editing.
  for (std::size_t j = 0; j < w.edit_states.size(); ++j) {
    if (!w.is_state(w.edit_states[j])) problem(Where::edit_state, 0, j, unknown_state("edit states", w.edit_states[j]));
  }
  if (!w.edit_states.empty() && w.edit_roles.empty()) problem(Where::edit_role, 0, 0, "edit: nobody may edit (roles is empty)");
  for (std::size_t j = 0; j < w.edit_roles.size(); ++j) {
    if (w.edit_roles[j] == kAuditor) problem(Where::edit_role, 0, j, "edit: the auditor reads everything and changes nothing");
  }
  for (std::size_t j = 0; j < w.departmental_roles.size(); ++j) {
    const auto& r = w.departmental_roles[j];
    if (r.empty()) problem(Where::departmental_role, 0, j, "departmental_roles: a role has an empty name");
    else if (r == kAuditor || r == kAdmin) {
      problem(Where::departmental_role, 0, j, fmt::format("departmental_roles: {:?} reaches every department and cannot be departmental", r));
    }
  }

  // Separation of duties names actions of this workflow.
  for (std::size_t i = 0; i < w.separations.size(); ++i) {
    const auto& s = w.separations[i];
    if (w.find_action(s.first) == nullptr) {
      problem(Where::separation_first, i, 0, fmt::format("separation: first {:?} is not an action of the workflow", s.first));
    }
    if (w.find_action(s.then) == nullptr) {
      problem(Where::separation_then, i, 0, fmt::format("separation: then {:?} is not an action of the workflow", s.then));
    }
  }

  // Every state is reached from the initial one, and every state but the final one leads on.
  if (w.is_state(w.initial_state)) {
    std::set<std::string, std::less<>> reached{w.initial_state};
    std::deque<std::string> queue{w.initial_state};
    while (!queue.empty()) {
      const std::string state = queue.front();
      queue.pop_front();
      for (const auto* a : w.actions_from(state)) {
        if (w.is_state(a->to) && reached.insert(a->to).second) queue.push_back(a->to);
      }
    }
    std::set<std::string, std::less<>> reported;
    for (std::size_t i = 0; i < w.states.size(); ++i) {
      const auto& s = w.states[i];
      if (s.empty() || reached.contains(s) || !reported.insert(s).second) continue;
      problem(Where::state, i, 0, fmt::format("state {}: unreachable, no path of actions leads to it from the initial state {}", s,
                                              w.initial_state));
    }
  }
  std::set<std::string, std::less<>> checked;
  for (std::size_t i = 0; i < w.states.size(); ++i) {
    const auto& s = w.states[i];
    if (s.empty() || s == w.final_state || !checked.insert(s).second) continue;
    if (w.actions_from(s).empty()) {
      problem(Where::state, i, 0, fmt::format("state {}: a dead end, no action leads out of it and it is not the final state {}", s,
                                              w.final_state));
    }
  }
  return problems;
}

std::vector<std::string> validate(const Workflow& w) {
  std::vector<std::string> out;
  for (auto& p : workflow_problems(w)) out.push_back(std::move(p.message));
  return out;
}

}  // namespace model
