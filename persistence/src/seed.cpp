#include "persistence/seed.hpp"

#include <set>

#include <fmt/format.h>

#include "persistence/audit.hpp"
#include "persistence/connection.hpp"
#include "pg_array.hpp"
#include "sql_files.hpp"

namespace persistence {
namespace {

namespace json = boost::json;

const long long kSeedLockKey = 0x5365656473LL;  // "Seeds"

json::array strings(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& i : items) out.emplace_back(i);
  return out;
}

json::value optional_value(const std::optional<int>& v) { return v ? json::value(*v) : json::value(nullptr); }
json::value optional_value(const std::optional<std::string>& v) { return v ? json::value(*v) : json::value(nullptr); }

json::object to_json(const model::Department& d) {
  return {{"name", d.name}, {"kind", model::to_string(d.kind)}, {"aliases", strings(d.aliases)}};
}

json::object to_json(const model::PlanInfo& p) {
  json::array grades;
  for (const auto& g : p.grades) {
    grades.push_back({{"code", g.code}, {"label", g.label}, {"results_required", g.results_required}, {"under_study", g.under_study},
                      {"discontinues", g.discontinues}});
  }
  return {{"name", p.name}, {"first_year", p.first_year}, {"last_year", p.last_year}, {"grades", grades}};
}

json::object to_json(const model::Measure& m, int first_year) {
  json::object schedule;
  for (std::size_t k = 0; k < m.schedule.size(); ++k) {
    schedule[fmt::format("FY{}", first_year + static_cast<int>(k))] = m.schedule[k];
  }
  json::array sheets;
  for (int n : m.sheets) sheets.emplace_back(n);
  return {{"policy", m.policy_id}, {"focus", optional_value(m.focus_id)}, {"number", optional_value(m.number)},
          {"title", m.title}, {"plan_page", optional_value(m.plan_page)},
          {"related_departments", strings(m.related_departments)}, {"schedule", schedule}, {"sheets", sheets},
          {"relisted_from", optional_value(m.relisted_from)}, {"schedule_ambiguous", m.schedule_ambiguous},
          {"incomplete", m.incomplete}};
}

// Compares an entity before and after the seed and audits the difference.
class SeedAuditor {
 public:
  SeedAuditor(soci::session& sql, std::string actor, std::string request_id)
      : sql_(sql), actor_(std::move(actor)), request_id_(std::move(request_id)) {}

  void record(SeedCounts& counts, std::string entity_type, std::string entity_id, const json::object* before,
              const json::object& after) {
    auto changes = field_changes(before ? *before : json::object{}, after);
    if (changes.empty()) return;
    ++(before ? counts.changed : counts.added);
    append_event(sql_, {std::move(entity_type), std::move(entity_id), before ? "update" : "create", actor_, std::nullopt,
                        std::move(changes), std::string("loaded from the configuration by migrate"), request_id_});
  }

 private:
  soci::session& sql_;
  std::string actor_, request_id_;
};

template <typename T>
const T* find_by(const std::vector<T>& items, const std::string& key, std::string T::*field) {
  for (const auto& i : items) {
    if (i.*field == key) return &i;
  }
  return nullptr;
}

}  // namespace

bool SeedReport::changed() const {
  for (const auto* c : {&departments, &plan, &structure}) {
    if (c->added + c->changed > 0) return true;
  }
  return false;
}

SeedReport apply_seed(soci::session& sql, const model::PlanSeed& seed, const std::string& actor,
                      const std::string& request_id) {
  SeedReport report;
  soci::transaction tx(sql);
  // Two migrates at once (two servers starting) must not both audit the same change.
  sql << "SELECT pg_advisory_xact_lock(CAST(:key AS bigint))", soci::use(kSeedLockKey, "key");
  // What the database held before, to audit the difference entity by entity.
  model::PlanSeed old;
  old.departments = load_departments(sql);
  bool had_plan = false;
  {
    int exists = 0;
    sql << "SELECT count(*) FROM plan WHERE code = :code", soci::use(seed.plan.code, "code"), soci::into(exists);
    had_plan = exists > 0;
  }
  if (had_plan) old = load_plan(sql, seed.plan.code);

  for (const auto& d : seed.departments) {
    int id = 0, inserted = 0;
    std::string kind{model::to_string(d.kind)};
    std::string aliases = to_pg_array(d.aliases);
    sql << sql_text("seed/upsert_department.sql"), soci::use(d.code, "code"), soci::use(d.name, "name"),
        soci::use(kind, "kind"), soci::use(aliases, "aliases"), soci::into(id), soci::into(inserted);
  }

  const auto& p = seed.plan;
  int plan_id = 0;
  {
    int inserted = 0;
    sql << sql_text("seed/upsert_plan.sql"), soci::use(p.code, "code"), soci::use(p.name, "name"),
        soci::use(p.first_year, "first_year"), soci::use(p.last_year, "last_year"), soci::into(plan_id),
        soci::into(inserted);
    if (!sql.got_data()) sql << "SELECT id FROM plan WHERE code = :code", soci::use(p.code, "code"), soci::into(plan_id);
  }
  for (std::size_t i = 0; i < p.grades.size(); ++i) {
    const auto& g = p.grades[i];
    int inserted = 0;
    int required = g.results_required ? 1 : 0, under_study = g.under_study ? 1 : 0, discontinues = g.discontinues ? 1 : 0,
        position = static_cast<int>(i + 1);
    sql << sql_text("seed/upsert_grade.sql"), soci::use(plan_id, "plan_id"), soci::use(g.code, "code"),
        soci::use(g.label, "label"), soci::use(required, "results_required"), soci::use(under_study, "under_study"),
        soci::use(discontinues, "discontinues"),
        soci::use(position, "position"), soci::into(inserted);
  }

  const auto& s = seed.structure;
  auto& sc = report.structure;
  for (std::size_t i = 0; i < s.strategies.size(); ++i) {
    const auto& x = s.strategies[i];
    int inserted = 0, position = static_cast<int>(i + 1);
    sql << sql_text("seed/upsert_strategy.sql"), soci::use(plan_id, "plan_id"), soci::use(x.id, "key"),
        soci::use(x.label, "label"), soci::use(position, "position"), soci::into(inserted);
  }
  for (std::size_t i = 0; i < s.policies.size(); ++i) {
    const auto& x = s.policies[i];
    int inserted = 0, position = static_cast<int>(i + 1);
    sql << sql_text("seed/upsert_policy.sql"), soci::use(plan_id, "plan_id"), soci::use(x.id, "key"),
        soci::use(x.strategy_id, "strategy_key"), soci::use(x.label, "label"), soci::use(position, "position"),
        soci::into(inserted);
  }
  for (std::size_t i = 0; i < s.focuses.size(); ++i) {
    const auto& x = s.focuses[i];
    int inserted = 0, position = static_cast<int>(i + 1);
    sql << sql_text("seed/upsert_focus.sql"), soci::use(plan_id, "plan_id"), soci::use(x.id, "key"),
        soci::use(x.policy_id, "policy_key"), soci::use(x.label, "label"), soci::use(position, "position"),
        soci::into(inserted);
  }
  for (std::size_t i = 0; i < s.measures.size(); ++i) {
    const auto& m = s.measures[i];
    int inserted = 0, position = static_cast<int>(i + 1);
    std::string focus_key = m.focus_id.value_or("");
    int number = m.number.value_or(0), plan_page = m.plan_page.value_or(0);
    soci::indicator number_ind = m.number ? soci::i_ok : soci::i_null;
    soci::indicator page_ind = m.plan_page ? soci::i_ok : soci::i_null;
    int ambiguous = m.schedule_ambiguous ? 1 : 0, incomplete = m.incomplete ? 1 : 0;
    std::string lead = m.related_departments.empty() ? std::string() : m.related_departments.front();
    sql << sql_text("seed/upsert_measure.sql"), soci::use(plan_id, "plan_id"), soci::use(m.id, "key"),
        soci::use(m.policy_id, "policy_key"), soci::use(focus_key, "focus_key"), soci::use(number, number_ind, "number"),
        soci::use(m.title, "title"), soci::use(plan_page, page_ind, "plan_page"), soci::use(lead, "lead_department"),
        soci::use(position, "position"), soci::use(ambiguous, "schedule_ambiguous"),
        soci::use(incomplete, "incomplete"), soci::into(inserted);

    std::string names = to_pg_array(m.related_departments);
    int changed = 0;
    sql << sql_text("seed/replace_measure_departments.sql"), soci::use(names, "names"), soci::use(plan_id, "plan_id"),
        soci::use(m.id, "key"), soci::into(changed);

    std::vector<int> years;
    std::vector<std::string> milestones;
    for (std::size_t k = 0; k < m.schedule.size(); ++k) {
      if (m.schedule[k].empty()) continue;
      years.push_back(p.first_year + static_cast<int>(k));
      milestones.push_back(m.schedule[k]);
    }
    std::string years_text = to_pg_array(years), milestones_text = to_pg_array(milestones);
    sql << sql_text("seed/replace_measure_milestones.sql"), soci::use(years_text, "years"),
        soci::use(milestones_text, "milestones"), soci::use(plan_id, "plan_id"), soci::use(m.id, "key"),
        soci::into(changed);
  }
  for (const auto& m : s.measures) {
    if (m.relisted_from) {
      soci::statement st = (sql.prepare << sql_text("seed/set_measure_relisted_from.sql"), soci::use(plan_id, "plan_id"),
                            soci::use(*m.relisted_from, "from_key"), soci::use(m.id, "key"));
      st.execute(true);

    }
    for (int n : m.sheets) {
      int inserted = 0;
      sql << sql_text("seed/upsert_measure_sheet_no.sql"), soci::use(plan_id, "plan_id"), soci::use(n, "sheet_no"),
          soci::use(m.id, "key"), soci::into(inserted);
      }
  }

  SeedAuditor audit(sql, actor, request_id);
  for (const auto& d : seed.departments) {
    const auto* was = find_by(old.departments, d.code, &model::Department::code);
    auto before = was ? std::optional<json::object>(to_json(*was)) : std::nullopt;
    audit.record(report.departments, "department", d.code, before ? &*before : nullptr, to_json(d));
    if (was && was->name != d.name) {
      const std::string comment = fmt::format("department {} renamed from {} to {}", d.code, was->name, d.name);
      sql << sql_text("seed/audit_department_rename.sql"), soci::use(actor, "actor"), soci::use(d.code, "code"),
          soci::use(was->name, "old_name"), soci::use(comment, "comment"), soci::use(request_id, "request_id");
    }
  }
  {
    auto before = had_plan ? std::optional<json::object>(to_json(old.plan)) : std::nullopt;
    audit.record(report.plan, "plan", p.code, before ? &*before : nullptr, to_json(p));
  }
  const auto key = [&](const std::string& id) { return fmt::format("{}/{}", p.code, id); };
  for (const auto& x : s.strategies) {
    const auto* was = find_by(old.structure.strategies, x.id, &model::Strategy::id);
    auto before = was ? std::optional<json::object>(json::object{{"label", was->label}}) : std::nullopt;
    audit.record(sc, "strategy", key(x.id), before ? &*before : nullptr, {{"label", x.label}});
  }
  for (const auto& x : s.policies) {
    const auto* was = find_by(old.structure.policies, x.id, &model::Policy::id);
    auto before = was ? std::optional<json::object>(json::object{{"strategy", was->strategy_id}, {"label", was->label}}) : std::nullopt;
    audit.record(sc, "policy", key(x.id), before ? &*before : nullptr, {{"strategy", x.strategy_id}, {"label", x.label}});
  }
  for (const auto& x : s.focuses) {
    const auto* was = find_by(old.structure.focuses, x.id, &model::Focus::id);
    auto before = was ? std::optional<json::object>(json::object{{"policy", was->policy_id}, {"label", was->label}}) : std::nullopt;
    audit.record(sc, "focus", key(x.id), before ? &*before : nullptr, {{"policy", x.policy_id}, {"label", x.label}});
  }
  for (const auto& m : s.measures) {
    const auto* was = find_by(old.structure.measures, m.id, &model::Measure::id);
    auto before = was ? std::optional<json::object>(to_json(*was, old.plan.first_year)) : std::nullopt;
    audit.record(sc, "measure", key(m.id), before ? &*before : nullptr, to_json(m, p.first_year));
  }
  tx.commit();
  return report;
}

}  // namespace persistence

namespace persistence {

std::vector<model::Department> load_departments(soci::session& sql) {
  std::vector<model::Department> out;
  soci::rowset<soci::row> rows = (sql.prepare << sql_text("seed/select_departments.sql"));
  for (const auto& r : rows) {
    model::Department d;
    d.code = r.get<std::string>(0);
    d.name = r.get<std::string>(1);
    d.kind = model::parse_department_kind(r.get<std::string>(2)).value_or(model::DepartmentKind::city);
    d.aliases = parse_pg_array(r.get<std::string>(3));
    out.push_back(std::move(d));
  }
  return out;
}

model::PlanSeed load_plan(soci::session& sql, const std::string& plan_code) {
  model::PlanSeed seed;
  seed.departments = load_departments(sql);
  int plan_id = 0;
  auto& p = seed.plan;
  p.code = plan_code;
  sql << sql_text("seed/select_plan.sql"), soci::use(plan_code, "code"), soci::into(plan_id), soci::into(p.name),
      soci::into(p.first_year), soci::into(p.last_year);
  if (!sql.got_data()) throw DatabaseError(fmt::format("plan {:?} is not in the database: run `shinchoku migrate`", plan_code));
  {
    soci::rowset<soci::row> rows = (sql.prepare << sql_text("seed/select_grades.sql"), soci::use(plan_id, "plan_id"));
    for (const auto& r : rows) {
      p.grades.push_back({r.get<std::string>(0), r.get<std::string>(1), r.get<int>(2) != 0, r.get<int>(3) != 0, r.get<int>(4) != 0});
    }
  }
  auto& s = seed.structure;
  {
    soci::rowset<soci::row> rows = (sql.prepare << sql_text("seed/select_strategies.sql"), soci::use(plan_id, "plan_id"));
    for (const auto& r : rows) s.strategies.push_back({r.get<std::string>(0), r.get<std::string>(1)});
  }
  {
    soci::rowset<soci::row> rows = (sql.prepare << sql_text("seed/select_policies.sql"), soci::use(plan_id, "plan_id"));
    for (const auto& r : rows) s.policies.push_back({r.get<std::string>(0), r.get<std::string>(1), r.get<std::string>(2)});
  }
  {
    soci::rowset<soci::row> rows = (sql.prepare << sql_text("seed/select_focuses.sql"), soci::use(plan_id, "plan_id"));
    for (const auto& r : rows) s.focuses.push_back({r.get<std::string>(0), r.get<std::string>(1), r.get<std::string>(2)});
  }
  {
    const int years = p.last_year - p.first_year + 1;
    soci::rowset<soci::row> rows = (sql.prepare << sql_text("seed/select_measures.sql"), soci::use(plan_id, "plan_id"));
    for (const auto& r : rows) {
      model::Measure m;
      m.id = r.get<std::string>(0);
      m.policy_id = r.get<std::string>(1);
      if (auto f = r.get<std::string>(2); !f.empty()) m.focus_id = f;
      if (r.get_indicator(3) == soci::i_ok) m.number = r.get<int>(3);
      m.title = r.get<std::string>(4);
      if (r.get_indicator(5) == soci::i_ok) m.plan_page = r.get<int>(5);
      if (auto from = r.get<std::string>(6); !from.empty()) m.relisted_from = from;
      m.related_departments = parse_pg_array(r.get<std::string>(7));
      m.schedule.assign(static_cast<std::size_t>(std::max(years, 0)), "");
      auto milestone_years = parse_pg_array(r.get<std::string>(8));
      auto milestones = parse_pg_array(r.get<std::string>(9));
      for (std::size_t k = 0; k < milestone_years.size() && k < milestones.size(); ++k) {
        int offset = std::stoi(milestone_years[k]) - p.first_year;
        if (offset >= 0 && offset < years) m.schedule[static_cast<std::size_t>(offset)] = milestones[k];
      }
      for (const auto& n : parse_pg_array(r.get<std::string>(10))) m.sheets.push_back(std::stoi(n));
      m.schedule_ambiguous = r.get<int>(11) != 0;
      m.incomplete = r.get<int>(12) != 0;
      s.measures.push_back(std::move(m));
    }
  }
  return seed;
}

}  // namespace persistence
