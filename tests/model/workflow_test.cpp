#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include "model/workflow.hpp"

using model::Workflow;
using model::WorkflowAction;
using model::WorkflowProblem;

namespace {

// A sound definition with made-up names, so that nothing here leans on the shipped ones:
// open -> checked -> closed, with a way back from checked and from closed.
Workflow sound() {
  Workflow w;
  w.name = "test";
  w.states = {"open", "checked", "closed"};
  w.state_labels = {{"open", "開"}, {"checked", "確認済み"}, {"closed", "閉"}};
  w.initial_state = "open";
  w.final_state = "closed";
  w.edit_states = {"open"};
  w.edit_roles = {"writer"};
  w.departmental_roles = {"writer", "checker"};
  w.next_roles = {{"open", {"writer"}}, {"checked", {"closer"}}, {"closed", {}}};
  w.actions = {
      {"check", "確認", {"open"}, "checked", {"writer", "checker"}, false, true},
      {"close", "閉じる", {"checked"}, "closed", {"closer"}, false, false},
      {"back", "戻す", {"checked", "closed"}, "open", {"closer"}, true, false},
  };
  w.separations = {{"check", "close"}};
  return w;
}

// Whether some problem's message holds `text`.
bool mentions(const std::vector<std::string>& problems, std::string_view text) {
  return std::any_of(problems.begin(), problems.end(), [&](const std::string& p) { return p.find(text) != std::string::npos; });
}

std::string joined(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) out += p + "\n";
  return out;
}

// The first problem found at `where`, to check where a loader would point.
std::optional<WorkflowProblem> first_problem(const Workflow& w, WorkflowProblem::Where where) {
  for (auto& p : model::workflow_problems(w)) {
    if (p.where == where) return p;
  }
  return std::nullopt;
}

}  // namespace

TEST(Workflow, ASoundDefinitionHasNoProblems) {
  auto problems = model::validate(sound());
  EXPECT_TRUE(problems.empty()) << joined(problems);
}

TEST(Workflow, FindsActionsByNameAndByState) {
  auto w = sound();
  ASSERT_NE(w.find_action("close"), nullptr);
  EXPECT_EQ(w.find_action("close")->to, "closed");
  EXPECT_EQ(w.find_action("nothing"), nullptr);
  auto from_checked = w.actions_from("checked");
  ASSERT_EQ(from_checked.size(), 2u);
  EXPECT_EQ(from_checked[0]->name, "close");  // in definition order
  EXPECT_EQ(from_checked[1]->name, "back");
  EXPECT_EQ(w.actions_from("closed").size(), 1u);
  EXPECT_TRUE(w.actions_from("elsewhere").empty());
}

TEST(Workflow, KnowsItsStatesAndDepartmentalRoles) {
  auto w = sound();
  EXPECT_TRUE(w.is_state("checked"));
  EXPECT_FALSE(w.is_state("Checked"));
  EXPECT_FALSE(w.is_state(""));
  EXPECT_TRUE(w.is_departmental("writer"));
  EXPECT_FALSE(w.is_departmental("closer"));
  EXPECT_FALSE(w.is_departmental("auditor"));
}

TEST(Workflow, RolesAreEveryRoleNamedPlusAuditorAndAdminSortedOnce) {
  auto w = sound();
  w.next_roles["closed"] = {"watcher"};  // named only as a next role
  EXPECT_EQ(w.roles(), (std::vector<std::string>{"admin", "auditor", "checker", "closer", "watcher", "writer"}));
  EXPECT_EQ(Workflow{}.roles(), (std::vector<std::string>{"admin", "auditor"}));
}

TEST(Workflow, RefusesAnUnknownStateWhereverItIsNamed) {
  auto w = sound();
  w.actions[1].to = "shut";
  auto problems = model::validate(w);
  EXPECT_TRUE(mentions(problems, "action close: to: \"shut\" is not a state of the workflow (its states: open, checked, closed)"))
      << joined(problems);
  auto p = first_problem(w, WorkflowProblem::Where::action_to);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->index, 1u);

  w = sound();
  w.actions[2].from = {"checked", "finished"};
  EXPECT_TRUE(mentions(model::validate(w), "action back: from: \"finished\""));
  p = first_problem(w, WorkflowProblem::Where::action_from);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->index, 2u);
  EXPECT_EQ(p->item, 1u);

  w = sound();
  w.initial_state = "new";
  EXPECT_TRUE(mentions(model::validate(w), "initial_state: \"new\" is not a state"));
  w = sound();
  w.final_state = "done";
  EXPECT_TRUE(mentions(model::validate(w), "final_state: \"done\" is not a state"));
  w = sound();
  w.edit_states = {"open", "drafting"};
  EXPECT_TRUE(mentions(model::validate(w), "edit states: \"drafting\" is not a state"));
  w = sound();
  w.next_roles["limbo"] = {"writer"};
  EXPECT_TRUE(mentions(model::validate(w), "next_roles: \"limbo\" is not a state"));
  w = sound();
  w.state_labels["limbo"] = "?";
  EXPECT_TRUE(mentions(model::validate(w), "a state label: \"limbo\" is not a state"));
}

TEST(Workflow, RefusesAnUnreachableState) {
  auto w = sound();
  w.states.push_back("archived");
  w.actions.push_back({"unarchive", "戻す", {"archived"}, "open", {"closer"}, false, false});
  auto problems = model::validate(w);
  ASSERT_EQ(problems.size(), 1u) << joined(problems);
  EXPECT_TRUE(mentions(problems, "state archived: unreachable, no path of actions leads to it from the initial state open"));
  auto p = first_problem(w, WorkflowProblem::Where::state);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->index, 3u);
}

TEST(Workflow, ReachabilityFollowsChainsNotSingleSteps) {
  auto w = sound();
  w.actions[0].from = {"checked"};  // nothing leaves open any more: checked and closed are cut off
  w.actions.push_back({"stay", "保留", {"open"}, "open", {"writer"}, false, false});
  auto problems = model::validate(w);
  EXPECT_TRUE(mentions(problems, "state checked: unreachable")) << joined(problems);
  EXPECT_TRUE(mentions(problems, "state closed: unreachable")) << joined(problems);
  EXPECT_FALSE(mentions(problems, "state open: unreachable")) << joined(problems);
}

TEST(Workflow, RefusesADeadEndThatIsNotTheFinalState) {
  auto w = sound();
  w.actions[1].from = {"open"};  // checked is reached (by check) but nothing but back leaves it
  w.actions[2].from = {"closed"};
  auto problems = model::validate(w);
  EXPECT_TRUE(mentions(problems, "state checked: a dead end, no action leads out of it and it is not the final state closed"))
      << joined(problems);
}

TEST(Workflow, RefusesAnActionNobodyMayFire) {
  auto w = sound();
  w.actions[1].roles.clear();
  auto problems = model::validate(w);
  EXPECT_TRUE(mentions(problems, "action close: nobody may fire it (roles is empty)")) << joined(problems);
  auto p = first_problem(w, WorkflowProblem::Where::action_roles);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->index, 1u);
}

TEST(Workflow, RefusesAnActionThatFiresFromNowhere) {
  auto w = sound();
  w.actions.push_back({"idle", "待つ", {}, "open", {"writer"}, false, false});
  EXPECT_TRUE(mentions(model::validate(w), "action idle: from names no state, so it can never fire"));
}

TEST(Workflow, RefusesTheAuditorFiringOrEditing) {
  auto w = sound();
  w.actions[1].roles.push_back("auditor");
  EXPECT_TRUE(mentions(model::validate(w), "action close: the auditor reads everything and changes nothing"));
  w = sound();
  w.edit_roles.push_back("auditor");
  EXPECT_TRUE(mentions(model::validate(w), "edit: the auditor reads everything and changes nothing"));
  w = sound();
  w.departmental_roles.push_back("admin");
  EXPECT_TRUE(mentions(model::validate(w), "departmental_roles: \"admin\" reaches every department"));
}

TEST(Workflow, RefusesDuplicateActionsAndStates) {
  auto w = sound();
  w.actions.push_back(w.actions[0]);
  auto problems = model::validate(w);
  EXPECT_TRUE(mentions(problems, "action \"check\" is defined twice")) << joined(problems);
  auto p = first_problem(w, WorkflowProblem::Where::action);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->index, 3u);  // the second one

  w = sound();
  w.states.push_back("checked");
  problems = model::validate(w);
  EXPECT_TRUE(mentions(problems, "state \"checked\" is defined twice")) << joined(problems);
  EXPECT_EQ(problems.size(), 1u) << joined(problems);
}

TEST(Workflow, RefusesEmptyNames) {
  auto w = sound();
  w.name.clear();
  w.actions[0].name.clear();
  w.initial_state.clear();
  auto problems = model::validate(w);
  EXPECT_TRUE(mentions(problems, "the workflow has no name")) << joined(problems);
  EXPECT_TRUE(mentions(problems, "an action has an empty name")) << joined(problems);
  EXPECT_TRUE(mentions(problems, "initial_state is required")) << joined(problems);
  EXPECT_TRUE(mentions(model::validate(Workflow{}), "the workflow has no states"));
}

TEST(Workflow, RefusesASeparationNamingAnUnknownAction) {
  auto w = sound();
  w.separations.push_back({"check", "approve"});
  w.separations.push_back({"sign", "close"});
  auto problems = model::validate(w);
  EXPECT_TRUE(mentions(problems, "separation: then \"approve\" is not an action of the workflow")) << joined(problems);
  EXPECT_TRUE(mentions(problems, "separation: first \"sign\" is not an action of the workflow")) << joined(problems);
  EXPECT_EQ(problems.size(), 2u) << joined(problems);
}

TEST(Workflow, RefusesANextRoleThatCannotActThere) {
  auto w = sound();
  w.next_roles["checked"] = {"writer"};  // writer neither fires close/back nor edits in checked
  auto problems = model::validate(w);
  EXPECT_TRUE(mentions(problems, "state checked: next role \"writer\" can do nothing there")) << joined(problems);
  auto p = first_problem(w, WorkflowProblem::Where::next_role);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->index, 1u);
  EXPECT_EQ(p->item, 0u);
}

TEST(Workflow, RefusesEditStatesNobodyMayEdit) {
  auto w = sound();
  w.edit_roles.clear();
  w.next_roles["open"] = {"writer"};
  EXPECT_TRUE(mentions(model::validate(w), "edit: nobody may edit (roles is empty)"));
}
