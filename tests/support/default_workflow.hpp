#pragma once
// The default workflow (config/workflows/default.toml) written out in code, for tests of the
// layers below app/ that cannot read TOML. tests/app checks the file says the same.
#include "model/workflow.hpp"

namespace testing_support {

inline model::Workflow default_workflow() {
  model::Workflow w;
  w.name = "default";
  w.states = {"draft", "submitted", "approved", "accepted"};
  w.initial_state = "draft";
  w.final_state = "accepted";
  w.edit_states = {"draft"};
  w.edit_roles = {"staff", "coordinator"};
  w.departmental_roles = {"staff", "approver"};
  w.next_roles = {{"draft", {"staff"}}, {"submitted", {"approver"}}, {"approved", {"coordinator"}}, {"accepted", {}}};
  w.actions = {
      {"submit", "提出", {"draft"}, "submitted", {"staff", "coordinator"}, false, true},
      {"approve", "承認", {"submitted"}, "approved", {"approver"}, false, false},
      {"accept", "受理", {"approved"}, "accepted", {"coordinator"}, false, false},
      {"return", "差戻し", {"submitted"}, "draft", {"approver", "coordinator"}, true, false},
      {"send_back", "差戻し", {"approved"}, "draft", {"coordinator"}, true, false},
      {"reopen", "再開", {"accepted"}, "draft", {"coordinator"}, true, false},
  };
  w.separations = {{"submit", "approve"}, {"approve", "accept"}};
  return w;
}

}  // namespace testing_support
