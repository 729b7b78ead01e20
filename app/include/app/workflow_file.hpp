#pragma once
// The workflow definition file, config/workflows/*.toml (DESIGN.md §2): its format is documented
// in config/workflows/default.toml, key by key.
#include <filesystem>

#include "app/config.hpp"
#include "model/workflow.hpp"

namespace app {

// Reads the file and checks it with model::validate. Throws ConfigError whose message has one
// `file:line: reason` line per problem: a syntax error (file:line:column), an unknown key, a value
// of the wrong type or a missing required key (the first such is reported alone), and every
// problem of the definition found — an unknown state (the line that names it), an unreachable
// state or a dead end (the line of its [[state]]), an action nobody may fire (its `roles`), a name
// defined twice (the second one's `name`), a separation naming an unknown action.
model::Workflow load_workflow(const std::filesystem::path& file);

}  // namespace app
