#include "app/workflow_file.hpp"

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "toml_support.hpp"

namespace app {
namespace {

std::string list(std::initializer_list<std::string_view> keys) {
  std::string out;
  for (auto k : keys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

// Where each part of the definition was read from, to point at the line of a problem.
struct Lines {
  const toml::node* name = nullptr;
  const toml::node* initial_state = nullptr;
  const toml::node* final_state = nullptr;
  std::vector<const toml::node*> departmental_roles;
  struct State {
    const toml::node* table = nullptr;
    const toml::node* next_roles = nullptr;
    std::vector<const toml::node*> next_role;
  };
  std::vector<State> states;
  struct Action {
    const toml::node* table = nullptr;
    const toml::node* name = nullptr;
    const toml::node* from = nullptr;
    std::vector<const toml::node*> from_item;
    const toml::node* to = nullptr;
    const toml::node* roles = nullptr;
    std::vector<const toml::node*> role;
  };
  std::vector<Action> actions;
  const toml::node* edit = nullptr;
  std::vector<const toml::node*> edit_states;
  const toml::node* edit_roles = nullptr;
  std::vector<const toml::node*> edit_role;
  struct Separation {
    const toml::node* first = nullptr;
    const toml::node* then = nullptr;
  };
  std::vector<Separation> separations;
};

class Reader {
 public:
  explicit Reader(const std::filesystem::path& path) : name_(path.string()) {
    if (!std::filesystem::exists(path)) throw ConfigError(fmt::format("{}: the workflow definition does not exist", name_));
    try {
      root_ = toml::parse_file(name_);
    } catch (const toml::parse_error& e) {
      throw ConfigError(fmt::format("{}:{}:{}: {}", name_, e.source().begin.line, e.source().begin.column, e.description()));
    }
  }

  const toml::table& root() const { return root_; }

  std::string at(const toml::node* n, std::string_view reason) const {
    if (n != nullptr && n->source().begin.line > 0) return fmt::format("{}:{}: {}", name_, n->source().begin.line, reason);
    return fmt::format("{}: {}", name_, reason);
  }

  [[noreturn]] void fail(const toml::node* n, std::string_view reason) const { throw ConfigError(at(n, reason)); }

  void only_keys(const toml::table& t, std::string_view what, std::initializer_list<std::string_view> keys) const {
    for (const auto& [k, v] : t) {
      if (std::find(keys.begin(), keys.end(), k.str()) == keys.end()) {
        fail(&v, fmt::format("{}: unknown key {:?} (its keys: {})", what, k.str(), list(keys)));
      }
    }
  }

  // The value of a required or optional string key; nullptr when an optional one is absent.
  const toml::node* string(const toml::table& t, std::string_view key, std::string_view what, bool required, std::string& out) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) {
      if (required) fail(&t, fmt::format("{}: {} is required", what, key));
      return nullptr;
    }
    if (!n->is_string()) fail(n, fmt::format("{}: {} must be a string, not {}", what, key, node_kind_name(*n)));
    out = n->as_string()->get();
    return n;
  }

  const toml::node* strings(const toml::table& t, std::string_view key, std::string_view what, bool required,
                            std::vector<std::string>& out, std::vector<const toml::node*>& items) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) {
      if (required) fail(&t, fmt::format("{}: {} is required", what, key));
      return nullptr;
    }
    if (!n->is_array()) fail(n, fmt::format("{}: {} must be an array of strings, not {}", what, key, node_kind_name(*n)));
    for (const auto& item : *n->as_array()) {
      if (!item.is_string()) fail(&item, fmt::format("{}: {} must be an array of strings, not hold {}", what, key, node_kind_name(item)));
      out.push_back(item.as_string()->get());
      items.push_back(&item);
    }
    return n;
  }

  bool boolean(const toml::table& t, std::string_view key, std::string_view what) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return false;
    if (!n->is_boolean()) fail(n, fmt::format("{}: {} must be true or false, not {}", what, key, node_kind_name(*n)));
    return n->as_boolean()->get();
  }

  // The entries of the array of tables `key` ([[key]]); absent means none.
  std::vector<const toml::table*> tables(std::string_view key) const {
    std::vector<const toml::table*> out;
    const toml::node* n = root_.get(key);
    if (n == nullptr) return out;
    const toml::array* arr = n->as_array();
    if (arr == nullptr) fail(n, fmt::format("{} must be written as [[{}]] tables, not {}", key, key, node_kind_name(*n)));
    for (const auto& item : *arr) {
      if (!item.is_table()) fail(&item, fmt::format("{} must be written as [[{}]] tables", key, key));
      out.push_back(item.as_table());
    }
    return out;
  }

 private:
  std::string name_;
  toml::table root_;
};

// The node a problem of model::validate points at, or nullptr when none fits.
const toml::node* locate(const Lines& lines, const model::WorkflowProblem& p) {
  using Where = model::WorkflowProblem::Where;
  auto element = [](const std::vector<const toml::node*>& items, std::size_t i, const toml::node* whole) {
    return i < items.size() ? items[i] : whole;
  };
  switch (p.where) {
    case Where::workflow: return nullptr;
    case Where::initial_state: return lines.initial_state;
    case Where::final_state: return lines.final_state;
    case Where::state: return p.index < lines.states.size() ? lines.states[p.index].table : nullptr;
    case Where::next_role:
      if (p.index >= lines.states.size()) return nullptr;
      return element(lines.states[p.index].next_role, p.item,
                     lines.states[p.index].next_roles != nullptr ? lines.states[p.index].next_roles : lines.states[p.index].table);
    case Where::action:
    case Where::action_from:
    case Where::action_to:
    case Where::action_roles: {
      if (p.index >= lines.actions.size()) return nullptr;
      const auto& a = lines.actions[p.index];
      if (p.where == Where::action) return a.name != nullptr ? a.name : a.table;
      if (p.where == Where::action_from) return element(a.from_item, p.item, a.from != nullptr ? a.from : a.table);
      if (p.where == Where::action_to) return a.to != nullptr ? a.to : a.table;
      return element(a.role, p.item, a.roles != nullptr ? a.roles : a.table);
    }
    case Where::edit_state: return element(lines.edit_states, p.item, lines.edit);
    case Where::edit_role: return element(lines.edit_role, p.item, lines.edit_roles != nullptr ? lines.edit_roles : lines.edit);
    case Where::departmental_role: return element(lines.departmental_roles, p.item, nullptr);
    case Where::separation_first: return p.index < lines.separations.size() ? lines.separations[p.index].first : nullptr;
    case Where::separation_then: return p.index < lines.separations.size() ? lines.separations[p.index].then : nullptr;
  }
  return nullptr;
}

}  // namespace

model::Workflow load_workflow(const std::filesystem::path& file) {
  Reader r(file);
  const auto& root = r.root();
  r.only_keys(root, "the workflow",
              {"name", "initial_state", "final_state", "departmental_roles", "role_labels", "state", "action", "edit", "separation"});

  model::Workflow w;
  Lines lines;
  lines.name = r.string(root, "name", "the workflow", true, w.name);
  if (w.name.empty()) r.fail(lines.name, "the workflow: name must not be empty");
  lines.initial_state = r.string(root, "initial_state", "the workflow", true, w.initial_state);
  lines.final_state = r.string(root, "final_state", "the workflow", true, w.final_state);
  r.strings(root, "departmental_roles", "the workflow", false, w.departmental_roles, lines.departmental_roles);

  const auto states = r.tables("state");
  if (states.empty()) r.fail(nullptr, "the workflow has no [[state]]");
  for (const auto* t : states) {
    std::string name, label;
    r.string(*t, "name", "[[state]]", true, name);
    const std::string what = fmt::format("state {}", name);
    r.only_keys(*t, what, {"name", "label", "next_roles"});
    r.string(*t, "label", what, true, label);
    Lines::State at{t, nullptr, {}};
    std::vector<std::string> next;
    at.next_roles = r.strings(*t, "next_roles", what, false, next, at.next_role);
    w.states.push_back(name);
    w.state_labels.emplace(name, label);
    w.next_roles.emplace(name, std::move(next));
    lines.states.push_back(std::move(at));
  }

  for (const auto* t : r.tables("action")) {
    model::WorkflowAction a;
    Lines::Action at;
    at.table = t;
    at.name = r.string(*t, "name", "[[action]]", true, a.name);
    const std::string what = fmt::format("action {}", a.name);
    r.only_keys(*t, what, {"name", "label", "from", "to", "roles", "comment_required", "complete_sheet_required"});
    r.string(*t, "label", what, true, a.label);
    at.from = r.strings(*t, "from", what, true, a.from, at.from_item);
    at.to = r.string(*t, "to", what, true, a.to);
    at.roles = r.strings(*t, "roles", what, true, a.roles, at.role);
    a.comment_required = r.boolean(*t, "comment_required", what);
    a.complete_sheet_required = r.boolean(*t, "complete_sheet_required", what);
    w.actions.push_back(std::move(a));
    lines.actions.push_back(std::move(at));
  }

  const toml::node* edit = root.get("edit");
  if (edit == nullptr) r.fail(nullptr, "the workflow has no [edit] table (who may edit a sheet, and in which states)");
  if (!edit->is_table()) r.fail(edit, fmt::format("edit must be a table ([edit]), not {}", node_kind_name(*edit)));
  lines.edit = edit;
  r.only_keys(*edit->as_table(), "[edit]", {"states", "roles"});
  r.strings(*edit->as_table(), "states", "[edit]", true, w.edit_states, lines.edit_states);
  lines.edit_roles = r.strings(*edit->as_table(), "roles", "[edit]", true, w.edit_roles, lines.edit_role);

  for (const auto* t : r.tables("separation")) {
    r.only_keys(*t, "[[separation]]", {"first", "then"});
    model::WorkflowSeparation s;
    Lines::Separation at;
    at.first = r.string(*t, "first", "[[separation]]", true, s.first);
    at.then = r.string(*t, "then", "[[separation]]", true, s.then);
    w.separations.push_back(std::move(s));
    lines.separations.push_back(at);
  }

  // [role_labels]: what people read for each role (role = "label"); optional, a role without one shows its name.
  if (const toml::node* labels = root.get("role_labels")) {
    if (!labels->is_table()) r.fail(labels, fmt::format("role_labels must be a table ([role_labels]), not {}", node_kind_name(*labels)));
    const auto known = w.roles();
    for (const auto& [k, v] : *labels->as_table()) {
      const std::string role(k.str());
      if (!v.is_string()) r.fail(&v, fmt::format("[role_labels]: {} must be a string, not {}", role, node_kind_name(v)));
      if (std::find(known.begin(), known.end(), role) == known.end()) {
        r.fail(&v, fmt::format("[role_labels]: {:?} is not a role of this workflow (its roles: {})", role, fmt::join(known, ", ")));
      }
      if (v.as_string()->get().empty()) r.fail(&v, fmt::format("[role_labels]: {} must not be empty", role));
      w.role_labels.emplace(role, v.as_string()->get());
    }
  }

  auto problems = model::workflow_problems(w);
  if (!problems.empty()) {
    std::vector<std::pair<std::size_t, std::string>> messages;
    for (const auto& p : problems) {
      const toml::node* n = locate(lines, p);
      messages.emplace_back(n != nullptr ? n->source().begin.line : 0, r.at(n, p.message));
    }
    std::stable_sort(messages.begin(), messages.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string text;
    for (const auto& [line, message] : messages) {
      if (!text.empty()) text += '\n';
      text += message;
    }
    throw ConfigError(text);
  }
  return w;
}

}  // namespace app
