#include "app/seed_files.hpp"

#include <set>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "model/fiscal_year.hpp"

namespace app {
namespace {

class File {
 public:
  explicit File(const std::filesystem::path& path) : name_(path.string()) {
    try {
      root_ = toml::parse_file(name_);
    } catch (const toml::parse_error& e) {
      throw ConfigError(fmt::format("{}:{}:{}: {}", name_, e.source().begin.line, e.source().begin.column, e.description()));
    }
  }

  const toml::table& root() const { return root_; }

  [[noreturn]] void fail(const toml::node& at, std::string_view reason) const {
    throw ConfigError(fmt::format("{}:{}: {}", name_, at.source().begin.line, reason));
  }

  // The array of tables `key`; absent means none.
  std::vector<const toml::table*> tables(std::string_view key) const {
    std::vector<const toml::table*> out;
    const toml::node* n = root_.get(key);
    if (n == nullptr) return out;
    const toml::array* arr = n->as_array();
    if (arr == nullptr) fail(*n, fmt::format("{} must be an array of tables ([[{}]])", key, key));
    for (const auto& item : *arr) {
      if (!item.is_table()) fail(item, fmt::format("{} must be an array of tables ([[{}]])", key, key));
      out.push_back(item.as_table());
    }
    return out;
  }

  void only_keys(const toml::table& t, std::string_view what, std::initializer_list<std::string_view> keys) const {
    for (const auto& [k, v] : t) {
      if (std::find(keys.begin(), keys.end(), k.str()) == keys.end()) fail(v, fmt::format("{}: unknown key {:?}", what, k.str()));
    }
  }

  std::string string(const toml::table& t, std::string_view key, std::string_view what, bool required = true) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) {
      if (required) fail(t, fmt::format("{}: {:?} is required", what, key));
      return {};
    }
    if (!n->is_string()) fail(*n, fmt::format("{}: {:?} must be a string", what, key));
    return n->as_string()->get();
  }

  std::optional<int> integer(const toml::table& t, std::string_view key, std::string_view what, bool required) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) {
      if (required) fail(t, fmt::format("{}: {:?} is required", what, key));
      return std::nullopt;
    }
    if (!n->is_integer()) fail(*n, fmt::format("{}: {:?} must be an integer", what, key));
    return static_cast<int>(n->as_integer()->get());
  }

  bool boolean(const toml::table& t, std::string_view key, std::string_view what) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return false;
    if (!n->is_boolean()) fail(*n, fmt::format("{}: {:?} must be true or false", what, key));
    return n->as_boolean()->get();
  }

  std::vector<std::string> strings(const toml::table& t, std::string_view key, std::string_view what) const {
    std::vector<std::string> out;
    const toml::node* n = t.get(key);
    if (n == nullptr) return out;
    if (!n->is_array()) fail(*n, fmt::format("{}: {:?} must be an array of strings", what, key));
    for (const auto& item : *n->as_array()) {
      if (!item.is_string()) fail(item, fmt::format("{}: {:?} must be an array of strings", what, key));
      out.push_back(item.as_string()->get());
    }
    return out;
  }

  std::vector<int> integers(const toml::table& t, std::string_view key, std::string_view what) const {
    std::vector<int> out;
    const toml::node* n = t.get(key);
    if (n == nullptr) return out;
    if (!n->is_array()) fail(*n, fmt::format("{}: {:?} must be an array of integers", what, key));
    for (const auto& item : *n->as_array()) {
      if (!item.is_integer()) fail(item, fmt::format("{}: {:?} must be an array of integers", what, key));
      out.push_back(static_cast<int>(item.as_integer()->get()));
    }
    return out;
  }

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  toml::table root_;
};

std::vector<model::Department> read_departments(const std::filesystem::path& path) {
  File f(path);
  f.only_keys(f.root(), "departments file", {"department"});
  std::vector<model::Department> out;
  for (const auto* t : f.tables("department")) {
    f.only_keys(*t, "department", {"code", "name", "kind", "aliases"});
    model::Department d;
    d.code = f.string(*t, "code", "department");
    d.name = f.string(*t, "name", "department");
    auto kind = f.string(*t, "kind", "department");
    auto parsed = model::parse_department_kind(kind);
    if (!parsed) f.fail(*t->get("kind"), fmt::format("department {}: kind {:?} is not city, pseudo or outside", d.code, kind));
    d.kind = *parsed;
    d.aliases = f.strings(*t, "aliases", "department");
    out.push_back(std::move(d));
  }
  if (out.empty()) throw ConfigError(fmt::format("{}: no [[department]] entries", f.name()));
  return out;
}

model::PlanInfo read_plan(const std::filesystem::path& path) {
  File f(path);
  f.only_keys(f.root(), "plan file", {"plan", "grade"});
  const toml::node* p = f.root().get("plan");
  if (p == nullptr || !p->is_table()) throw ConfigError(fmt::format("{}: a [plan] table is required", f.name()));
  const auto& t = *p->as_table();
  f.only_keys(t, "plan", {"code", "name", "first_year", "last_year"});
  model::PlanInfo info;
  info.code = f.string(t, "code", "plan");
  info.name = f.string(t, "name", "plan");
  info.first_year = *f.integer(t, "first_year", "plan", true);
  info.last_year = *f.integer(t, "last_year", "plan", true);
  for (const auto* g : f.tables("grade")) {
    f.only_keys(*g, "grade", {"code", "label", "results_required", "under_study", "discontinues"});
    info.grades.push_back({f.string(*g, "code", "grade"), f.string(*g, "label", "grade"),
                           f.boolean(*g, "results_required", "grade"), f.boolean(*g, "under_study", "grade"),
                           f.boolean(*g, "discontinues", "grade")});
  }
  return info;
}

model::PlanStructure read_structure(const std::filesystem::path& path, const model::PlanInfo& plan) {
  File f(path);
  f.only_keys(f.root(), "structure file", {"strategy", "policy", "focus", "measure"});
  model::PlanStructure s;
  for (const auto* t : f.tables("strategy")) {
    f.only_keys(*t, "strategy", {"id", "label"});
    s.strategies.push_back({f.string(*t, "id", "strategy"), f.string(*t, "label", "strategy")});
  }
  for (const auto* t : f.tables("policy")) {
    f.only_keys(*t, "policy", {"id", "strategy", "label"});
    s.policies.push_back({f.string(*t, "id", "policy"), f.string(*t, "strategy", "policy"), f.string(*t, "label", "policy")});
  }
  for (const auto* t : f.tables("focus")) {
    f.only_keys(*t, "focus", {"id", "policy", "label"});
    s.focuses.push_back({f.string(*t, "id", "focus"), f.string(*t, "policy", "focus"), f.string(*t, "label", "focus")});
  }
  const int years = plan.last_year - plan.first_year + 1;
  for (const auto* t : f.tables("measure")) {
    f.only_keys(*t, "measure", {"id", "policy", "focus", "number", "title", "plan_page", "related_departments", "schedule",
                                "schedule_ambiguous", "incomplete", "sheets", "relisted_from"});
    model::Measure m;
    m.id = f.string(*t, "id", "measure");
    const std::string what = fmt::format("measure {}", m.id);
    m.policy_id = f.string(*t, "policy", what);
    if (auto focus = f.string(*t, "focus", what, false); !focus.empty()) m.focus_id = focus;
    m.number = f.integer(*t, "number", what, false);
    m.incomplete = f.boolean(*t, "incomplete", what);
    m.title = f.string(*t, "title", what, !m.incomplete);
    m.plan_page = f.integer(*t, "plan_page", what, false);
    m.related_departments = f.strings(*t, "related_departments", what);
    m.schedule.assign(static_cast<std::size_t>(std::max(years, 0)), "");
    if (const toml::node* sched = t->get("schedule")) {
      if (!sched->is_table()) f.fail(*sched, fmt::format("{}: schedule must be a table like {{ R1 = \"\", R2 = \"実施\" }}", what));
      for (const auto& [k, v] : *sched->as_table()) {
        auto fy = model::FiscalYear::parse(k.str());
        if (!fy || fy->start_year() < plan.first_year || fy->start_year() > plan.last_year) {
          f.fail(v, fmt::format("{}: schedule key {:?} is not a fiscal year of the plan", what, k.str()));
        }
        if (!v.is_string()) f.fail(v, fmt::format("{}: schedule {} must be a string", what, k.str()));
        m.schedule[static_cast<std::size_t>(fy->start_year() - plan.first_year)] = v.as_string()->get();
      }
    }
    m.schedule_ambiguous = f.boolean(*t, "schedule_ambiguous", what);
    m.sheets = f.integers(*t, "sheets", what);
    if (auto from = f.string(*t, "relisted_from", what, false); !from.empty()) m.relisted_from = from;
    s.measures.push_back(std::move(m));
  }
  return s;
}

}  // namespace

model::PlanSeed load_seed_files(const Config::Plan& files) {
  model::PlanSeed seed;
  seed.departments = read_departments(files.departments);
  seed.plan = read_plan(files.plan);
  if (!files.structure.empty()) seed.structure = read_structure(files.structure, seed.plan);
  if (auto problems = model::validate(seed); !problems.empty()) {
    std::string message = "the plan's master data in config/ is inconsistent:";
    for (const auto& p : problems) message += "\n  " + p;
    throw ConfigError(message);
  }
  return seed;
}

}  // namespace app
