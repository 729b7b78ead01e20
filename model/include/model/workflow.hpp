#pragma once
// A workflow definition (DESIGN.md §2): the states a sheet passes through, the actions that move
// it, who may fire each and what each requires, and who must act next in each state. It is data
// read from config/workflows/*.toml (app/workflow_file.hpp), never code: the engine names no
// state, action or role of its own, so a city with an extra stage ships a file, not a patch.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace model {

struct WorkflowAction {
  std::string name;                      // "submit"
  std::string label;                     // "提出" (shown in the UI)
  std::vector<std::string> from;         // states it fires from
  std::string to;                        // state it leads to
  std::vector<std::string> roles;        // roles that may fire it
  bool comment_required = false;         // return and reopen need a comment
  bool complete_sheet_required = false;  // grade, 取組内容, 今後の方針, and 成果 where the grade requires it
};

struct WorkflowSeparation {
  std::string first;
  std::string then;
};  // who fired `first` may not fire `then` on the same sheet

struct Workflow {
  std::string name;                                            // "default"
  std::vector<std::string> states;                             // in display order
  std::map<std::string, std::string> state_labels;             // "draft" -> "作成中"
  std::string initial_state;                                   // where new and reopened sheets start: "draft"
  std::string final_state;                                     // "accepted": a year closes when every sheet is here
  std::vector<std::string> edit_states;                        // states in which the four fields may be edited
  std::vector<std::string> edit_roles;                         // roles that may edit there
  std::vector<std::string> departmental_roles;                 // roles whose grants name a department
  std::map<std::string, std::string> role_labels;              // "staff" -> "担当者" ([role_labels]; a role without one shows its name)
  std::map<std::string, std::vector<std::string>> next_roles;  // state -> roles that must act next (reminders)
  std::vector<WorkflowAction> actions;
  std::vector<WorkflowSeparation> separations;  // applied when separation of duties is on

  const WorkflowAction* find_action(std::string_view name) const;  // nullptr if none
  std::vector<const WorkflowAction*> actions_from(std::string_view state) const;
  bool is_departmental(std::string_view role) const;
  bool is_state(std::string_view state) const;
  std::vector<std::string> roles() const;  // every role named anywhere, plus "auditor" and "admin", sorted, unique
};

// Problems of a definition (unknown state in from/to/next/edit/initial/final, a state no path reaches from initial_state,
// an action with no roles, a duplicate action or state, a separation naming an unknown action); empty when sound.
std::vector<std::string> validate(const Workflow& w);

// The same problems, each with where it lies, so that a loader can point at the line that caused
// it; validate() returns their messages.
struct WorkflowProblem {
  enum class Where {
    workflow,            // the definition as a whole (no states, a next_roles entry for no state, ...)
    initial_state,
    final_state,
    state,               // states[index]: its name (empty, duplicate) or its place (unreachable, dead end)
    next_role,           // next_roles[states[index]][item]
    action,              // actions[index] as a whole (empty or duplicate name)
    action_from,         // actions[index].from[item], or the empty list (item 0)
    action_to,           // actions[index].to
    action_roles,        // actions[index].roles[item], or the empty list (item 0)
    edit_state,          // edit_states[item]
    edit_role,           // edit_roles[item], or the empty list (item 0)
    departmental_role,   // departmental_roles[item]
    separation_first,    // separations[index].first
    separation_then,     // separations[index].then
  };
  Where where = Where::workflow;
  std::size_t index = 0;  // the state, action or separation concerned (its position in its list)
  std::size_t item = 0;   // the element concerned within a list
  std::string message;
};
std::vector<WorkflowProblem> workflow_problems(const Workflow& w);

}  // namespace model
