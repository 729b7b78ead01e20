#include "persistence/sheet_store.hpp"

#include <charconv>

#include <fmt/format.h>

#include "persistence/audit.hpp"
#include "persistence/prepared.hpp"
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

void read_last_actors(engine::SheetState& s, std::string_view text) {
  const boost::json::value last_actors = boost::json::parse(text);
  for (const auto& [k, v] : last_actors.as_object()) {
    if (v.is_string()) s.last_actors[std::string(k)] = std::string(v.as_string());
  }
}

// The columns lock_sheet_by_*.sql and select_sheet.sql share, in their order.
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
  read_last_actors(s, r.get<std::string>(13));
  return s;
}

// ---- libpq, on the statements kept prepared on the session's connection (prepared.hpp) ----

std::string_view field(const PGresult* r, int col) {
  return {PQgetvalue(r, 0, col), static_cast<std::size_t>(PQgetlength(r, 0, col))};
}

template <class T>
T integer(const PGresult* r, int col) {
  T v{};
  const auto text = field(r, col);
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

std::optional<std::string> optional_text(const PGresult* r, int col) {
  if (PQgetisnull(r, 0, col)) return std::nullopt;
  return std::string(field(r, col));
}

// The row of lock_sheet_by_*.sql or select_sheet_by_id.sql, as sheet_state_of reads SOCI's.
engine::SheetState sheet_state_of(const PGresult* r) {
  engine::SheetState s;
  auto& sh = s.sheet;
  sh.id = integer<long long>(r, 0);
  sh.year = integer<int>(r, 1);
  sh.sheet_no = integer<int>(r, 2);
  sh.measure_key = std::string(field(r, 3));
  sh.grade = optional_text(r, 4);
  sh.state = std::string(field(r, 5));
  sh.departments = parse_pg_array(field(r, 6));
  sh.actions = std::string(field(r, 7));
  sh.results = std::string(field(r, 8));
  sh.next_steps = std::string(field(r, 9));
  sh.version = integer<int>(r, 10);
  s.retired = integer<int>(r, 11) != 0;
  s.year_open = integer<int>(r, 12) != 0;
  read_last_actors(s, field(r, 13));
  s.previous_grade = optional_text(r, 14);
  s.previous_next_steps = optional_text(r, 15);
  return s;
}

constexpr const char* kLockById = "sheet_store/lock_sheet_by_id.sql";
constexpr const char* kLockByNumber = "sheet_store/lock_sheet_by_number.sql";
constexpr const char* kSave = "sheet_store/save_sheet.sql";
constexpr const char* kSelectById = "sheet_store/select_sheet_by_id.sql";

}  // namespace

namespace {

// The columns of select_sheet.sql and select_sheets.sql: a sheet with last year's values.
SheetDetails details_of(const soci::row& r) {
  SheetDetails d{sheet_state_of(r), std::nullopt, std::nullopt};
  if (r.get_indicator(14) == soci::i_ok) d.previous_grade = r.get<std::string>(14);
  if (r.get_indicator(15) == soci::i_ok) d.previous_next_steps = r.get<std::string>(15);
  d.state.previous_grade = d.previous_grade;
  d.state.previous_next_steps = d.previous_next_steps;
  return d;
}

// The transaction is begun with the lock and committed with the writes, each pair in one round
// trip (PreparedStatements::execute_between): a command is two round trips, not four.
class PgSheetUnitOfWork : public engine::SheetUnitOfWork {
 public:
  explicit PgSheetUnitOfWork(PreparedStatements& statements) : statements_(statements) {}
  PgSheetUnitOfWork(const PgSheetUnitOfWork&) = delete;
  PgSheetUnitOfWork& operator=(const PgSheetUnitOfWork&) = delete;

  // A transaction still open was not committed: roll it back (one committed, or never begun,
  // leaves none; a broken connection has nothing to roll back).
  ~PgSheetUnitOfWork() override {
    try {
      PGconn* c = statements_.connection();
      if (PQtransactionStatus(c) == PQTRANS_INTRANS || PQtransactionStatus(c) == PQTRANS_INERROR) PQclear(PQexec(c, "ROLLBACK"));
    } catch (const std::exception&) {
    }
  }

  std::optional<engine::SheetState> lock_sheet(const engine::SheetRef& ref) override {
    PgResult r;
    if (ref.id.value_or(0) > 0) {
      const std::string id = std::to_string(*ref.id);
      const char* values[] = {id.c_str()};
      r = statements_.execute_between("BEGIN", kLockById, 1, values, PGRES_TUPLES_OK, nullptr);
    } else {
      const std::string year = std::to_string(ref.year.value_or(0)), sheet_no = std::to_string(ref.sheet_no.value_or(0));
      const char* values[] = {year.c_str(), sheet_no.c_str()};
      r = statements_.execute_between("BEGIN", kLockByNumber, 2, values, PGRES_TUPLES_OK, nullptr);
    }
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return sheet_state_of(r.get());
  }

  void save_and_commit(const engine::SheetState& after, int expected_version, const engine::AuditEntry& entry) override {
    const auto& s = after.sheet;
    boost::json::object last_actors;
    for (const auto& [k, v] : after.last_actors) last_actors[k] = v;
    const std::string last_actors_text = boost::json::serialize(last_actors);
    boost::json::object changes;
    for (const auto& c : entry.changes) changes[c.field] = {{"before", to_json(c.before)}, {"after", to_json(c.after)}};
    const std::string changes_text = boost::json::serialize(changes);
    const std::string version = std::to_string(s.version), id = std::to_string(*s.id), expected = std::to_string(expected_version);
    const char* values[] = {s.grade ? s.grade->c_str() : nullptr,
                            s.actions.c_str(),
                            s.results.c_str(),
                            s.next_steps.c_str(),
                            s.state.c_str(),
                            version.c_str(),
                            last_actors_text.c_str(),
                            id.c_str(),
                            expected.c_str(),
                            entry.action.c_str(),
                            entry.actor.c_str(),
                            entry.grant.c_str(),
                            changes_text.c_str(),
                            entry.comment ? entry.comment->c_str() : nullptr,
                            entry.request_id.c_str()};
    PgResult r = statements_.execute_between(nullptr, kSave, static_cast<int>(std::size(values)), values, PGRES_COMMAND_OK, "COMMIT");
    // The guard failed: nothing was written (the event follows the update), so the empty
    // transaction that committed leaves no trace.
    if (std::string_view(PQcmdTuples(r.get())) != "1") {
      throw engine::CommandError(engine::Refusal::conflict, fmt::format("sheet {} changed while the command ran", s.sheet_no));
    }
  }

 private:
  PreparedStatements& statements_;
};

}  // namespace

std::optional<SheetDetails> find_sheet(soci::session& sql, const engine::SheetRef& ref) {
  long long id = ref.id.value_or(0);
  int year = ref.year.value_or(0), sheet_no = ref.sheet_no.value_or(0);
  // A one-time statement: one round trip, where SOCI's prepared rowset takes three.
  soci::row r;
  sql << sql_text("sheet_store/select_sheet.sql"), soci::use(id, "id"), soci::use(year, "year"), soci::use(sheet_no, "sheet_no"),
      soci::into(r);
  if (!sql.got_data()) return std::nullopt;
  return details_of(r);
}

std::optional<SheetDetails> find_sheet(PreparedStatements& statements, long long id) {
  const std::string id_text = std::to_string(id);
  const char* values[] = {id_text.c_str()};
  PgResult r = statements.execute(kSelectById, 1, values, PGRES_TUPLES_OK);
  if (PQntuples(r.get()) == 0) return std::nullopt;
  SheetDetails d{sheet_state_of(r.get()), std::nullopt, std::nullopt};
  d.previous_grade = d.state.previous_grade;
  d.previous_next_steps = d.state.previous_next_steps;
  return d;
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


PgSheetStore::PgSheetStore(soci::session& sql) : owned_(std::make_unique<PreparedStatements>(sql)), statements_(*owned_) {}

PgSheetStore::PgSheetStore(PreparedStatements& statements) : statements_(statements) {}

PgSheetStore::~PgSheetStore() = default;

std::unique_ptr<engine::SheetUnitOfWork> PgSheetStore::begin() { return std::make_unique<PgSheetUnitOfWork>(statements_); }

}  // namespace persistence
