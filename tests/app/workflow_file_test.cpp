#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>

#include <unistd.h>

#include "app/workflow_file.hpp"
#include "default_workflow.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path kShipped = fs::path(SHINCHOKU_SOURCE_DIR) / "config" / "workflows";

// A small sound definition; the line numbers in the comments are what the refusals below point at.
constexpr const char* kSmall = R"(name = "small"
initial_state = "open"
final_state = "closed"
departmental_roles = ["writer"]
[[state]]
name = "open"
label = "開"
next_roles = ["writer"]
[[state]]
name = "closed"
label = "閉"
[[action]]
name = "close"
label = "閉じる"
from = ["open"]
to = "closed"
roles = ["writer"]
[[action]]
name = "reopen"
label = "再開"
from = ["closed"]
to = "open"
roles = ["boss"]
comment_required = true
[edit]
states = ["open"]
roles = ["writer"]
)";
// Lines: 5 and 9 the [[state]]s, 12 and 18 the [[action]]s (16 the first one's `to`, 19 the second one's name,
// 23 its roles, 24 its comment_required), 25 [edit].

class WorkflowFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("shinchoku-workflow-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& text) {
    auto path = dir_ / "flow.toml";
    std::ofstream(path) << text;
    return path;
  }

  // The error message of loading `text`, or "" when it loads.
  std::string refusal(const std::string& text) {
    try {
      app::load_workflow(write(text));
    } catch (const app::ConfigError& e) {
      return e.what();
    }
    return "";
  }

  // kSmall with `from` replaced by `to` (which must occur).
  static std::string small_with(const std::string& from, const std::string& to) {
    std::string text = kSmall;
    auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
  }

  fs::path dir_;
};

std::vector<std::string> names(const std::vector<const model::WorkflowAction*>& actions) {
  std::vector<std::string> out;
  for (const auto* a : actions) out.push_back(a->name);
  return out;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_F(WorkflowFile, EveryShippedDefinitionLoadsAndValidates) {
  int count = 0;
  for (const auto& entry : fs::directory_iterator(kShipped)) {
    if (entry.path().extension() != ".toml") continue;
    SCOPED_TRACE(entry.path().string());
    auto w = app::load_workflow(entry.path());
    EXPECT_EQ(w.name, entry.path().stem().string());
    EXPECT_TRUE(model::validate(w).empty());
    ++count;
  }
  EXPECT_GE(count, 2);
}

TEST_F(WorkflowFile, TheDefaultIsTheWorkflowOfTheDesign) {
  auto w = app::load_workflow(kShipped / "default.toml");
  EXPECT_EQ(w.name, "default");
  EXPECT_EQ(w.states, (Strings{"draft", "submitted", "approved", "accepted"}));
  EXPECT_EQ(w.state_labels.at("draft"), "作成中");
  EXPECT_EQ(w.state_labels.at("submitted"), "提出済み");
  EXPECT_EQ(w.state_labels.at("approved"), "課長承認済み");
  EXPECT_EQ(w.state_labels.at("accepted"), "受理済み");
  EXPECT_EQ(w.initial_state, "draft");
  EXPECT_EQ(w.final_state, "accepted");
  EXPECT_EQ(w.departmental_roles, (Strings{"staff", "approver"}));
  EXPECT_TRUE(w.is_departmental("approver"));
  EXPECT_FALSE(w.is_departmental("coordinator"));

  struct Expected {
    std::string name, label;
    Strings from;
    std::string to;
    Strings roles;
    bool comment, complete;
  };
  const std::vector<Expected> expected = {
      {"submit", "提出", {"draft"}, "submitted", {"staff", "coordinator"}, false, true},
      {"approve", "承認", {"submitted"}, "approved", {"approver"}, false, false},
      {"accept", "受理", {"approved"}, "accepted", {"coordinator"}, false, false},
      {"return", "差戻し", {"submitted"}, "draft", {"approver", "coordinator"}, true, false},
      {"send_back", "差戻し", {"approved"}, "draft", {"coordinator"}, true, false},
      {"reopen", "再開", {"accepted"}, "draft", {"coordinator"}, true, false},
  };
  ASSERT_EQ(w.actions.size(), expected.size());
  for (const auto& e : expected) {
    SCOPED_TRACE(e.name);
    const auto* a = w.find_action(e.name);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->label, e.label);
    EXPECT_EQ(a->from, e.from);
    EXPECT_EQ(a->to, e.to);
    EXPECT_EQ(a->roles, e.roles);
    EXPECT_EQ(a->comment_required, e.comment);
    EXPECT_EQ(a->complete_sheet_required, e.complete);
  }
  EXPECT_EQ(names(w.actions_from("submitted")), (Strings{"approve", "return"}));
  EXPECT_EQ(names(w.actions_from("approved")), (Strings{"accept", "send_back"}));

  EXPECT_EQ(w.next_roles.at("draft"), Strings{"staff"});
  EXPECT_EQ(w.next_roles.at("submitted"), Strings{"approver"});
  EXPECT_EQ(w.next_roles.at("approved"), Strings{"coordinator"});
  EXPECT_TRUE(w.next_roles.at("accepted").empty());

  EXPECT_EQ(w.edit_states, Strings{"draft"});
  EXPECT_EQ(w.edit_roles, (Strings{"staff", "coordinator"}));
  ASSERT_EQ(w.separations.size(), 2u);
  EXPECT_EQ(w.separations[0].first, "submit");
  EXPECT_EQ(w.separations[0].then, "approve");
  EXPECT_EQ(w.separations[1].first, "approve");
  EXPECT_EQ(w.separations[1].then, "accept");
  EXPECT_EQ(w.roles(), (Strings{"admin", "approver", "auditor", "coordinator", "staff"}));
}

// tests/support/default_workflow.hpp writes the default out in code for the layers that cannot
// read TOML: it must say what the file says.
TEST_F(WorkflowFile, TheDefaultMatchesTheCopyTheOtherLayersTestWith) {
  auto file = app::load_workflow(kShipped / "default.toml");
  auto code = testing_support::default_workflow();
  EXPECT_EQ(file.name, code.name);
  EXPECT_EQ(file.states, code.states);
  EXPECT_EQ(file.initial_state, code.initial_state);
  EXPECT_EQ(file.final_state, code.final_state);
  EXPECT_EQ(file.edit_states, code.edit_states);
  EXPECT_EQ(file.edit_roles, code.edit_roles);
  EXPECT_EQ(file.departmental_roles, code.departmental_roles);
  EXPECT_EQ(file.next_roles, code.next_roles);
  ASSERT_EQ(file.actions.size(), code.actions.size());
  for (std::size_t i = 0; i < file.actions.size(); ++i) {
    const auto& f = file.actions[i];
    const auto& c = code.actions[i];
    SCOPED_TRACE(f.name);
    EXPECT_EQ(f.name, c.name);
    EXPECT_EQ(f.label, c.label);
    EXPECT_EQ(f.from, c.from);
    EXPECT_EQ(f.to, c.to);
    EXPECT_EQ(f.roles, c.roles);
    EXPECT_EQ(f.comment_required, c.comment_required);
    EXPECT_EQ(f.complete_sheet_required, c.complete_sheet_required);
  }
  ASSERT_EQ(file.separations.size(), code.separations.size());
  for (std::size_t i = 0; i < file.separations.size(); ++i) {
    EXPECT_EQ(file.separations[i].first, code.separations[i].first);
    EXPECT_EQ(file.separations[i].then, code.separations[i].then);
  }
}

TEST_F(WorkflowFile, TheExternalReviewAddsACommitteeStage) {
  auto w = app::load_workflow(kShipped / "external-review.toml");
  EXPECT_EQ(w.name, "external-review");
  EXPECT_EQ(w.states, (Strings{"draft", "submitted", "approved", "under_review", "accepted"}));
  EXPECT_EQ(w.state_labels.at("under_review"), "外部評価中");
  EXPECT_EQ(w.final_state, "accepted");
  EXPECT_EQ(w.next_roles.at("under_review"), Strings{"committee"});
  EXPECT_EQ(w.roles(), (Strings{"admin", "approver", "auditor", "committee", "coordinator", "staff"}));
  EXPECT_FALSE(w.is_departmental("committee"));

  ASSERT_NE(w.find_action("accept"), nullptr);
  EXPECT_EQ(w.find_action("accept")->to, "under_review");
  EXPECT_EQ(names(w.actions_from("under_review")), (Strings{"conclude", "refer_back"}));
  const auto* conclude = w.find_action("conclude");
  ASSERT_NE(conclude, nullptr);
  EXPECT_EQ(conclude->label, "外部評価完了");
  EXPECT_EQ(conclude->to, "accepted");
  EXPECT_EQ(conclude->roles, Strings{"committee"});
  EXPECT_TRUE(conclude->comment_required);
  const auto* refer_back = w.find_action("refer_back");
  ASSERT_NE(refer_back, nullptr);
  EXPECT_EQ(refer_back->to, "draft");
  EXPECT_EQ(refer_back->roles, Strings{"committee"});
  EXPECT_TRUE(refer_back->comment_required);
  ASSERT_NE(w.find_action("reopen"), nullptr);
  EXPECT_EQ(w.find_action("reopen")->from, Strings{"accepted"});
}

TEST_F(WorkflowFile, LoadsTheSmallDefinition) {
  auto w = app::load_workflow(write(kSmall));
  EXPECT_EQ(w.states, (Strings{"open", "closed"}));
  EXPECT_TRUE(w.next_roles.at("closed").empty());  // next_roles may be left out
  EXPECT_FALSE(w.find_action("close")->comment_required);  // and so may the two flags
  EXPECT_TRUE(w.find_action("reopen")->comment_required);
  EXPECT_TRUE(w.separations.empty());
}

TEST_F(WorkflowFile, RefusesAnUnknownStateAtTheLineOfTheReference) {
  auto why = refusal(small_with("to = \"closed\"", "to = \"shut\""));
  EXPECT_NE(why.find("flow.toml:16: action close: to: \"shut\" is not a state of the workflow (its states: open, closed)"),
            std::string::npos)
      << why;
  why = refusal(small_with("from = [\"closed\"]", "from = [\"closed\",\n  \"finished\"]"));
  EXPECT_NE(why.find("flow.toml:22: action reopen: from: \"finished\" is not a state"), std::string::npos) << why;
  why = refusal(small_with("final_state = \"closed\"", "final_state = \"done\""));
  EXPECT_NE(why.find("flow.toml:3: final_state: \"done\" is not a state"), std::string::npos) << why;
  why = refusal(small_with("states = [\"open\"]", "states = [\"opened\"]"));
  EXPECT_NE(why.find("flow.toml:26: edit states: \"opened\" is not a state"), std::string::npos) << why;
}

TEST_F(WorkflowFile, RefusesAnUnreachableStateAtTheLineOfItsDefinition) {
  auto why = refusal(std::string(kSmall) +
                     "[[state]]\n"             // line 28
                     "name = \"archived\"\n"
                     "label = \"保管\"\n"
                     "[[action]]\n"
                     "name = \"unarchive\"\n"
                     "label = \"戻す\"\n"
                     "from = [\"archived\"]\n"
                     "to = \"open\"\n"
                     "roles = [\"boss\"]\n");
  EXPECT_NE(why.find("flow.toml:28: state archived: unreachable, no path of actions leads to it from the initial state open"),
            std::string::npos)
      << why;
}

TEST_F(WorkflowFile, RefusesAnActionNobodyMayFireAtItsLine) {
  auto why = refusal(small_with("roles = [\"boss\"]", "roles = []"));
  EXPECT_NE(why.find("flow.toml:23: action reopen: nobody may fire it (roles is empty)"), std::string::npos) << why;
  why = refusal(small_with("roles = [\"boss\"]\n", ""));
  EXPECT_NE(why.find("flow.toml:18: action reopen: roles is required"), std::string::npos) << why;
}

TEST_F(WorkflowFile, RefusesADuplicateActionNameAtTheSecondName) {
  auto why = refusal(small_with("name = \"reopen\"", "name = \"close\""));
  EXPECT_NE(why.find("flow.toml:19: action \"close\" is defined twice"), std::string::npos) << why;
}

TEST_F(WorkflowFile, RefusesAnUnknownKey) {
  auto why = refusal(small_with("from = [\"open\"]", "form = [\"open\"]"));
  EXPECT_NE(why.find("flow.toml:15: action close: unknown key \"form\" (its keys: name, label, from, to, roles, comment_required, "
                     "complete_sheet_required)"),
            std::string::npos)
      << why;
  why = refusal(small_with("final_state", "last_state"));
  EXPECT_NE(why.find("flow.toml:3: the workflow: unknown key \"last_state\""), std::string::npos) << why;
  why = refusal(small_with("next_roles", "next_role"));
  EXPECT_NE(why.find("flow.toml:8: state open: unknown key \"next_role\""), std::string::npos) << why;
}

TEST_F(WorkflowFile, RefusesAWrongType) {
  auto why = refusal(small_with("to = \"closed\"", "to = [\"closed\"]"));
  EXPECT_NE(why.find("flow.toml:16: action close: to must be a string, not an array"), std::string::npos) << why;
  why = refusal(small_with("comment_required = true", "comment_required = \"yes\""));
  EXPECT_NE(why.find("flow.toml:24: action reopen: comment_required must be true or false, not a string"), std::string::npos) << why;
  why = refusal(small_with("roles = [\"boss\"]", "roles = \"boss\""));
  EXPECT_NE(why.find("flow.toml:23: action reopen: roles must be an array of strings, not a string"), std::string::npos) << why;
  auto text = small_with("[edit]\nstates = [\"open\"]\nroles = [\"writer\"]\n", "");
  text.insert(0, "edit = 1\n");
  why = refusal(text);
  EXPECT_NE(why.find("flow.toml:1: edit must be a table ([edit]), not an integer"), std::string::npos) << why;
}

TEST_F(WorkflowFile, RefusesASyntaxErrorWithLineAndColumn) {
  auto why = refusal(small_with("to = \"closed\"", "to = \"closed"));
  EXPECT_NE(why.find("flow.toml:16:"), std::string::npos) << why;
}

TEST_F(WorkflowFile, RefusesAMissingRequiredKeyOrTable) {
  auto why = refusal(small_with("label = \"閉\"\n", ""));
  EXPECT_NE(why.find("flow.toml:9: state closed: label is required"), std::string::npos) << why;
  why = refusal(small_with("[edit]\nstates = [\"open\"]\nroles = [\"writer\"]\n", ""));
  EXPECT_NE(why.find("flow.toml: the workflow has no [edit] table"), std::string::npos) << why;
  EXPECT_NE(refusal("name = \"x\"\ninitial_state = \"a\"\nfinal_state = \"a\"\n").find("the workflow has no [[state]]"),
            std::string::npos);
}

TEST_F(WorkflowFile, ReportsEveryProblemOfTheDefinitionInLineOrder) {
  auto text = small_with("to = \"closed\"", "to = \"shut\"");  // line 16
  auto at = text.find("roles = [\"boss\"]");
  text.replace(at, std::string("roles = [\"boss\"]").size(), "roles = []");  // line 23
  auto why = refusal(text);
  auto shut = why.find("flow.toml:16: action close: to: \"shut\"");
  auto closed = why.find("flow.toml:9: state closed: unreachable");
  auto nobody = why.find("flow.toml:23: action reopen: nobody may fire it");
  ASSERT_NE(shut, std::string::npos) << why;
  ASSERT_NE(closed, std::string::npos) << why;
  ASSERT_NE(nobody, std::string::npos) << why;
  EXPECT_LT(closed, shut);
  EXPECT_LT(shut, nobody);
}

TEST_F(WorkflowFile, RefusesAMissingFile) {
  try {
    app::load_workflow(dir_ / "absent.toml");
    FAIL() << "loaded a file that does not exist";
  } catch (const app::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.toml: the workflow definition does not exist"), std::string::npos) << e.what();
  }
}

TEST_F(WorkflowFile, RoleLabelsAreReadForKnownRolesAndOptional) {
  auto shipped = app::load_workflow(kShipped / "default.toml");
  EXPECT_EQ(shipped.role_labels.at("staff"), "担当者");
  EXPECT_EQ(shipped.role_labels.at("auditor"), "監査");
  EXPECT_EQ(app::load_workflow(kShipped / "external-review.toml").role_labels.at("committee"), "外部評価委員");
  EXPECT_TRUE(app::load_workflow(write(kSmall)).role_labels.empty());
  auto labelled = app::load_workflow(write(std::string(kSmall) + "[role_labels]\nwriter = \"書き手\"\nadmin = \"管理\"\n"));
  EXPECT_EQ(labelled.role_labels, (std::map<std::string, std::string>{{"admin", "管理"}, {"writer", "書き手"}}));
  auto why = refusal(std::string(kSmall) + "[role_labels]\nreader = \"読み手\"\n");
  EXPECT_NE(why.find("flow.toml:29: [role_labels]: \"reader\" is not a role of this workflow"), std::string::npos) << why;
  why = refusal(std::string(kSmall) + "[role_labels]\nwriter = 1\n");
  EXPECT_NE(why.find("[role_labels]: writer must be a string"), std::string::npos) << why;
}
