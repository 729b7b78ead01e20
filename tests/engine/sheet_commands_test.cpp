// The workflow decision, table-driven over role × department × state × action, with the
// default workflow written out here (the engine knows no state or action names itself).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "default_workflow.hpp"
#include "engine/sheet_commands.hpp"

using engine::Command;
using engine::CommandError;
using engine::EditFields;
using engine::Refusal;
using engine::SheetState;
using engine::Transition;

namespace {

const model::Workflow kWorkflow = testing_support::default_workflow();
const model::GradeScale kGrades({{"A", "達成", true, false}, {"B", "未達成", true, false}, {"C", "検討中", false, true}, {"D", "中止", false, false}});
const engine::Rules kRules{kWorkflow, kGrades, true};

SheetState sheet_in(const std::string& state) {
  SheetState s;
  s.sheet.id = 42;
  s.sheet.year = 2020;
  s.sheet.sheet_no = 10;
  s.sheet.measure_key = "M10";
  s.sheet.grade = "A";
  s.sheet.state = state;
  s.sheet.departments = {"地域福祉課", "介護保険課"};
  s.sheet.actions = "取組";
  s.sheet.results = "成果";
  s.sheet.next_steps = "方針";
  s.sheet.version = 3;
  return s;
}

model::Actor actor(const std::string& role, std::optional<std::string> department) {
  return {"u-" + role, {{role, std::move(department)}}};
}

Command act(const std::string& action, int version = 3) { return {Transition{action}, version, std::string("理由")}; }
Command edit(int version = 3) { return {EditFields{std::nullopt, std::string("新しい取組"), std::nullopt, std::nullopt}, version, std::nullopt}; }

// What the default workflow allows, written as a table rather than computed.
struct Allowed {
  std::string action;
  std::vector<std::string> roles_any_department;   // roles that may act on every sheet
  std::vector<std::string> roles_own_department;   // roles that may act on their departments' sheets
  std::string state;                               // the one state it applies in
};
const std::vector<Allowed> kAllowed = {
    {"edit", {"coordinator"}, {"staff"}, "draft"},
    {"submit", {"coordinator"}, {"staff"}, "draft"},
    {"approve", {}, {"approver"}, "submitted"},
    {"accept", {"coordinator"}, {}, "approved"},
    {"return", {"coordinator"}, {"approver"}, "submitted"},
    {"send_back", {"coordinator"}, {}, "approved"},
    {"reopen", {"coordinator"}, {}, "accepted"},
};

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

TEST(SheetCommands, EveryRoleDepartmentStateAndActionIsDecidedAsTheWorkflowSays) {
  int cases = 0;
  for (const auto& rule : kAllowed) {
    for (const std::string role : {"staff", "approver", "coordinator", "auditor", "admin"}) {
      for (bool own : {true, false}) {
        const bool departmental = role == "staff" || role == "approver";
        if (!departmental && !own) continue;  // no department to be other than
        auto who = actor(role, departmental ? std::optional<std::string>(own ? "介護保険課" : "保育課") : std::nullopt);
        for (const std::string state : {"draft", "submitted", "approved", "accepted"}) {
          ++cases;
          const bool role_fits = has(rule.roles_any_department, role) || (has(rule.roles_own_department, role) && own);
          const bool allowed = role_fits && state == rule.state;
          const auto before = sheet_in(state);
          const auto cmd = rule.action == "edit" ? edit() : act(rule.action);
          SCOPED_TRACE(fmt::format("{} {} ({} department) on a {} sheet", role, rule.action, own ? "own" : "other", state));
          try {
            auto d = engine::decide(before, cmd, who, kRules);
            EXPECT_TRUE(allowed) << "was allowed";
            EXPECT_EQ(d.after.sheet.version, 4);
            EXPECT_FALSE(d.changes.empty());
          } catch (const CommandError& e) {
            EXPECT_FALSE(allowed) << "was refused: " << e.what();
            EXPECT_EQ(e.refusal(), role_fits ? Refusal::invalid_state : Refusal::forbidden) << e.what();
          }
        }
      }
    }
  }
  EXPECT_EQ(cases, 7 * 7 * 4);
}

TEST(SheetCommands, SubmitMovesTheSheetOnAndRecordsWhoFiredIt) {
  auto d = engine::decide(sheet_in("draft"), act("submit"), actor("staff", "地域福祉課"), kRules);
  EXPECT_EQ(d.after.sheet.state, "submitted");
  EXPECT_EQ(d.action, "submit");
  EXPECT_EQ(d.grant_used, "staff@地域福祉課");
  EXPECT_EQ(d.after.last_actors.at("submit"), "u-staff");
  ASSERT_EQ(d.changes.size(), 2u);
  EXPECT_EQ(d.changes[0].field, "state");
  EXPECT_EQ(std::get<std::string>(d.changes[0].before), "draft");
  EXPECT_EQ(std::get<std::string>(d.changes[0].after), "submitted");
}

TEST(SheetCommands, ApproverOfAnyExecutingDepartmentMayApprove) {
  for (const char* dept : {"地域福祉課", "介護保険課"}) {
    auto d = engine::decide(sheet_in("submitted"), act("approve"), actor("approver", dept), kRules);
    EXPECT_EQ(d.grant_used, fmt::format("approver@{}", dept));
  }
}

TEST(SheetCommands, SubmitterDoesNotApproveAndApproverDoesNotAccept) {
  model::Actor head{"kacho", {{"staff", "地域福祉課"}, {"approver", "地域福祉課"}, {"coordinator", std::nullopt}}};
  auto submitted = engine::decide(sheet_in("draft"), act("submit"), head, kRules).after;
  try {
    engine::decide(submitted, act("approve", 4), head, kRules);
    FAIL() << "the submitter approved";
  } catch (const CommandError& e) {
    EXPECT_EQ(e.refusal(), Refusal::forbidden);
    EXPECT_NE(std::string(e.what()).find("separation of duties"), std::string::npos);
  }
  auto approved = engine::decide(submitted, act("approve", 4), actor("approver", "介護保険課"), kRules).after;
  approved.last_actors["approve"] = "kacho";
  EXPECT_THROW(engine::decide(approved, act("accept", 5), head, kRules), CommandError);
  // With separation of duties off (a setting), the same person may.
  engine::Rules lax{kWorkflow, kGrades, false};
  EXPECT_EQ(engine::decide(submitted, act("approve", 4), head, lax).after.sheet.state, "approved");
}

TEST(SheetCommands, StaleVersionIsAConflictAndChangesNothing) {
  const auto before = sheet_in("draft");
  try {
    engine::decide(before, edit(2), actor("staff", "地域福祉課"), kRules);
    FAIL();
  } catch (const CommandError& e) {
    EXPECT_EQ(e.refusal(), Refusal::conflict);
    EXPECT_NE(std::string(e.what()).find("version 3, not 2"), std::string::npos);
  }
}

TEST(SheetCommands, ForbiddenComesBeforeConflictAndStateBeforeValues) {
  // Another department's staff with a stale version: forbidden, not conflict.
  try {
    engine::decide(sheet_in("draft"), edit(1), actor("staff", "保育課"), kRules);
    FAIL();
  } catch (const CommandError& e) {
    EXPECT_EQ(e.refusal(), Refusal::forbidden);
  }
  // Return without a comment on a draft: the state is wrong first.
  try {
    engine::decide(sheet_in("draft"), Command{Transition{"return"}, 3, std::nullopt}, actor("coordinator", std::nullopt), kRules);
    FAIL();
  } catch (const CommandError& e) {
    EXPECT_EQ(e.refusal(), Refusal::invalid_state);
  }
}

TEST(SheetCommands, ReturnAndReopenNeedAComment) {
  for (auto [action, state] : {std::pair{"return", "submitted"}, std::pair{"reopen", "accepted"}, std::pair{"send_back", "approved"}}) {
    try {
      engine::decide(sheet_in(state), Command{Transition{action}, 3, std::string("  ")}, actor("coordinator", std::nullopt), kRules);
      FAIL() << action;
    } catch (const CommandError& e) {
      EXPECT_EQ(e.refusal(), Refusal::invalid_value);
      EXPECT_EQ(e.field(), "comment");
    }
  }
}

TEST(SheetCommands, SubmitNeedsACompleteSheetAndResultsWhereTheGradeSaysSo) {
  auto staff = actor("staff", "地域福祉課");
  auto missing = [&](auto mutate) {
    auto s = sheet_in("draft");
    mutate(s.sheet);
    try {
      engine::decide(s, act("submit"), staff, kRules);
    } catch (const CommandError& e) {
      EXPECT_EQ(e.refusal(), Refusal::invalid_value);
      return e.field().value_or("");
    }
    return std::string("(accepted)");
  };
  EXPECT_EQ(missing([](auto& s) { s.grade.reset(); }), "grade");
  EXPECT_EQ(missing([](auto& s) { s.actions = " "; }), "actions");
  EXPECT_EQ(missing([](auto& s) { s.next_steps = ""; }), "next_steps");
  EXPECT_EQ(missing([](auto& s) { s.results = ""; }), "results") << "A requires 成果";
  EXPECT_EQ(missing([](auto& s) { s.grade = "C"; s.results = ""; }), "(accepted)") << "C does not";
}

TEST(SheetCommands, EditValidatesTheGradeAndRecordsOnlyWhatChanged) {
  auto staff = actor("staff", "地域福祉課");
  Command bad{EditFields{std::string("E"), std::nullopt, std::nullopt, std::nullopt}, 3, std::nullopt};
  try {
    engine::decide(sheet_in("draft"), bad, staff, kRules);
    FAIL();
  } catch (const CommandError& e) {
    EXPECT_EQ(e.field(), "grade");
    EXPECT_NE(std::string(e.what()).find("A, B, C or D"), std::string::npos);
  }
  Command same{EditFields{std::string("A"), std::string("取組"), std::nullopt, std::nullopt}, 3, std::nullopt};
  auto d = engine::decide(sheet_in("draft"), same, staff, kRules);
  EXPECT_TRUE(d.changes.empty()) << "nothing changed, nothing to write";
  EXPECT_EQ(d.after.sheet.version, 3);
  Command clear{EditFields{std::string(""), std::nullopt, std::string("新"), std::nullopt}, 3, std::nullopt};
  d = engine::decide(sheet_in("draft"), clear, staff, kRules);
  EXPECT_FALSE(d.after.sheet.grade.has_value());
  ASSERT_EQ(d.changes.size(), 3u);  // grade, results, version
  EXPECT_EQ(d.changes[0].field, "grade");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(d.changes[0].after));
}

TEST(SheetCommands, ClosedYearAndRetiredSheetAreReadOnly) {
  auto s = sheet_in("draft");
  s.year_open = false;
  try {
    engine::decide(s, edit(), actor("coordinator", std::nullopt), kRules);
    FAIL();
  } catch (const CommandError& e) {
    EXPECT_EQ(e.refusal(), Refusal::invalid_state);
  }
  s = sheet_in("draft");
  s.retired = true;
  EXPECT_THROW(engine::decide(s, act("submit"), actor("coordinator", std::nullopt), kRules), CommandError);
}

TEST(SheetCommands, AllowedActionsAreWhatTheActorCouldFireNow) {
  EXPECT_EQ(engine::allowed_actions(sheet_in("submitted"), actor("approver", "介護保険課"), kRules),
            (std::vector<std::string>{"approve", "return"}));
  EXPECT_EQ(engine::allowed_actions(sheet_in("submitted"), actor("approver", "保育課"), kRules), std::vector<std::string>{});
  EXPECT_EQ(engine::allowed_actions(sheet_in("approved"), actor("coordinator", std::nullopt), kRules),
            (std::vector<std::string>{"accept", "send_back"}));
  EXPECT_EQ(engine::allowed_actions(sheet_in("accepted"), actor("auditor", std::nullopt), kRules), std::vector<std::string>{});
  EXPECT_TRUE(engine::may_edit(sheet_in("draft"), actor("staff", "地域福祉課"), kRules));
  EXPECT_FALSE(engine::may_edit(sheet_in("submitted"), actor("staff", "地域福祉課"), kRules));
}

TEST(SheetCommands, UnknownActionNamesTheActionsThereAre) {
  try {
    engine::decide(sheet_in("draft"), act("publish"), actor("coordinator", std::nullopt), kRules);
    FAIL();
  } catch (const CommandError& e) {
    EXPECT_EQ(e.refusal(), Refusal::invalid_value);
    EXPECT_NE(std::string(e.what()).find("submit, approve, accept"), std::string::npos) << e.what();
  }
}
