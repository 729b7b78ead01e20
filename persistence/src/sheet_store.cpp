#include "persistence/sheet_store.hpp"

#include <fmt/format.h>

#include "persistence/audit.hpp"
#include "pg_array.hpp"
#include "sql_files.hpp"

namespace persistence {

boost::json::value to_json(const model::FieldValue& v) {
  return std::visit(
      [](const auto& x) -> boost::json::value {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) return nullptr;
        else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          boost::json::array a;
          for (const auto& s : x) a.emplace_back(s);
          return a;
        } else return boost::json::value(x);
      },
      v);
}

namespace {

// The columns lock_sheet.sql and select_sheet.sql share, in their order.
engine::SheetState sheet_state_of(const soci::row& r) {
  engine::SheetState s;
  auto& sh = s.sheet;
  sh.id = r.get<long long>(0);
  sh.year = r.get<int>(1);
  sh.sheet_no = r.get<int>(2);
  sh.measure_key = r.get<std::string>(3);
  if (r.get_indicator(4) == soci::i_ok) sh.grade = r.get<std::string>(4);
  sh.state = r.get<std::string>(5);
  sh.departments = parse_pg_array(r.get<std::string>(6));
  sh.actions = r.get<std::string>(7);
  sh.results = r.get<std::string>(8);
  sh.next_steps = r.get<std::string>(9);
  sh.version = r.get<int>(10);
  s.retired = r.get<int>(11) != 0;
  s.year_open = r.get<int>(12) != 0;
  const boost::json::value last_actors = boost::json::parse(r.get<std::string>(13));
  for (const auto& [k, v] : last_actors.as_object()) {
    if (v.is_string()) s.last_actors[std::string(k)] = std::string(v.as_string());
  }
  return s;
}

// The columns of select_sheet.sql and select_sheets.sql: a sheet with last year's values.
SheetDetails details_of(const soci::row& r) {
  SheetDetails d{sheet_state_of(r), std::nullopt, std::nullopt};
  if (r.get_indicator(14) == soci::i_ok) d.previous_grade = r.get<std::string>(14);
  if (r.get_indicator(15) == soci::i_ok) d.previous_next_steps = r.get<std::string>(15);
  return d;
}

class PgSheetUnitOfWork : public engine::SheetUnitOfWork {
 public:
  explicit PgSheetUnitOfWork(soci::session& sql) : sql_(sql), tx_(sql) {}

  std::optional<engine::SheetState> lock_sheet(const engine::SheetRef& ref) override {
    long long id = ref.id.value_or(0);
    int year = ref.year.value_or(0), sheet_no = ref.sheet_no.value_or(0);
    soci::rowset<soci::row> rows = (sql_.prepare << sql_text("sheet_store/lock_sheet.sql"), soci::use(id, "id"),
                                    soci::use(year, "year"), soci::use(sheet_no, "sheet_no"));
    for (const auto& r : rows) return sheet_state_of(r);
    return std::nullopt;
  }

  void save(const engine::SheetState& after, int expected_version, const engine::AuditEntry& entry) override {
    const auto& s = after.sheet;
    boost::json::object last_actors;
    for (const auto& [k, v] : after.last_actors) last_actors[k] = v;
    std::string last_actors_text = boost::json::serialize(last_actors);
    std::string grade = s.grade.value_or("");
    soci::indicator grade_ind = s.grade ? soci::i_ok : soci::i_null;
    long long id = *s.id;
    soci::statement st = (sql_.prepare << sql_text("sheet_store/update_sheet.sql"), soci::use(grade, grade_ind, "grade"),
                          soci::use(s.actions, "actions"), soci::use(s.results, "results"), soci::use(s.next_steps, "next_steps"),
                          soci::use(s.state, "state"), soci::use(s.version, "version"), soci::use(last_actors_text, "last_actors"),
                          soci::use(id, "id"), soci::use(expected_version, "expected_version"));
    st.execute(true);
    if (st.get_affected_rows() != 1) {
      throw engine::CommandError(engine::Refusal::conflict, fmt::format("sheet {} changed while the command ran", s.sheet_no));
    }
    AuditEvent e;
    e.entity_type = "sheet";
    e.entity_id = std::to_string(id);
    e.action = entry.action;
    e.actor = entry.actor;
    e.actor_grant = entry.grant;
    for (const auto& c : entry.changes) e.changes[c.field] = {{"before", to_json(c.before)}, {"after", to_json(c.after)}};
    e.comment = entry.comment;
    e.request_id = entry.request_id;
    append_event(sql_, e);
  }

  void commit() override { tx_.commit(); }

 private:
  soci::session& sql_;
  soci::transaction tx_;
};

}  // namespace

std::optional<SheetDetails> find_sheet(soci::session& sql, const engine::SheetRef& ref) {
  long long id = ref.id.value_or(0);
  int year = ref.year.value_or(0), sheet_no = ref.sheet_no.value_or(0);
  soci::rowset<soci::row> rows = (sql.prepare << sql_text("sheet_store/select_sheet.sql"), soci::use(id, "id"), soci::use(year, "year"),
                                  soci::use(sheet_no, "sheet_no"));
  for (const auto& r : rows) return details_of(r);
  return std::nullopt;
}

std::vector<SheetDetails> find_sheets(soci::session& sql, const std::vector<long long>& ids) {
  std::vector<SheetDetails> out;
  if (ids.empty()) return out;
  std::string list = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) list += (i ? "," : "") + std::to_string(ids[i]);
  list += "}";
  soci::rowset<soci::row> rows = (sql.prepare << sql_text("sheet_store/select_sheets.sql"), soci::use(list, "ids"));
  for (const auto& r : rows) out.push_back(details_of(r));
  return out;
}

std::vector<long long> query_sheet_ids(soci::session& sql, const SheetFilter& f) {
  struct Opt {
    std::string text;
    int number = 0;
    soci::indicator ind = soci::i_null;
  };
  auto text = [](const std::optional<std::string>& v) { return v ? Opt{*v, 0, soci::i_ok} : Opt{}; };
  auto number = [](const std::optional<int>& v) { return v ? Opt{{}, *v, soci::i_ok} : Opt{}; };
  Opt year = number(f.year), state = text(f.state), grade = text(f.grade), sheet_no = number(f.sheet_no),
      department = text(f.department), q = text(f.q);
  int all_access = f.all_access ? 1 : 0;
  std::string mine = to_pg_array(f.departments);
  int after_year = f.after ? f.after->first : 0, after_no = f.after ? f.after->second : 0;
  int limit = f.limit;
  std::vector<long long> ids;
  soci::rowset<long long> rows = (sql.prepare << sql_text("sheet_store/query_sheets.sql"), soci::use(year.number, year.ind, "year"),
                                  soci::use(state.text, state.ind, "state"), soci::use(grade.text, grade.ind, "grade"),
                                  soci::use(sheet_no.number, sheet_no.ind, "sheet_no"),
                                  soci::use(department.text, department.ind, "department"), soci::use(q.text, q.ind, "q"),
                                  soci::use(all_access, "all_access"), soci::use(f.final_state, "final_state"), soci::use(mine, "mine"),
                                  soci::use(after_year, "after_year"), soci::use(after_no, "after_no"), soci::use(limit, "limit"));
  for (long long id : rows) ids.push_back(id);
  return ids;
}

std::vector<long long> measure_sheet_ids(soci::session& sql, const std::string& measure_key) {
  std::vector<long long> ids;
  soci::rowset<long long> rows = (sql.prepare << sql_text("sheet_store/select_measure_sheet_ids.sql"), soci::use(measure_key, "key"));
  for (long long id : rows) ids.push_back(id);
  return ids;
}

std::unique_ptr<engine::SheetUnitOfWork> PgSheetStore::begin() { return std::make_unique<PgSheetUnitOfWork>(sql_); }

}  // namespace persistence
