#include "http_backend.hpp"

#include <fmt/format.h>
#include <soci/postgresql/soci-postgresql.h>
#include <spdlog/spdlog.h>

#include "engine/errors.hpp"
#include "engine_context.hpp"
#include "model/fiscal_year.hpp"
#include "persistence/audit_log.hpp"
#include "persistence/audit_verify.hpp"
#include "persistence/connection.hpp"
#include "persistence/database.hpp"
#include "persistence/migrator.hpp"
#include "persistence/password.hpp"
#include "persistence/reminders.hpp"
#include "reminders.hpp"
#include "persistence/sheets.hpp"
#include "persistence/users.hpp"
#include "persistence/years.hpp"

namespace app {

namespace json = boost::json;

// ---- the pool ---------------------------------------------------------------------------------

SessionPool::SessionPool(std::string url, int size, std::chrono::milliseconds wait, int connect_timeout_seconds)
    : url_(std::move(url)), wait_(wait), connect_timeout_seconds_(connect_timeout_seconds) {
  for (int i = 0; i < size; ++i) {
    slots_.push_back(std::make_unique<Slot>());
    free_.push_back(slots_.back().get());
  }
}

SessionPool::Lease SessionPool::lease() {
  Slot* slot = nullptr;
  {
    std::unique_lock lock(m_);
    ++waiting_;
    const bool got = cv_.wait_for(lock, wait_, [&] { return !free_.empty(); });
    --waiting_;
    if (!got) throw api::Unavailable(fmt::format("no database connection came free within {} ms", wait_.count()));
    slot = free_.back();
    free_.pop_back();
  }
  Lease lease(*this, *slot);
  if (!slot->open) {
    try {
      if (slot->sql.get_backend() != nullptr) slot->sql.close();
      slot->store.reset();
      slot->prepared.reset();
      persistence::open_session(slot->sql, url_, connect_timeout_seconds_);
      slot->prepared = std::make_unique<persistence::PreparedStatements>(slot->sql);
      slot->store = std::make_unique<persistence::PgSheetStore>(*slot->prepared);
      slot->open = true;
    } catch (const std::exception& e) {
      throw api::Unavailable(e.what());
    }
  }
  return lease;
}

bool SessionPool::check_broken(Slot& slot) {
  auto* backend = static_cast<soci::postgresql_session_backend*>(slot.sql.get_backend());
  if (backend == nullptr || !persistence::usable_connection(backend->conn_)) {
    slot.open = false;
    slot.store.reset();
    slot.prepared.reset();
    return true;
  }
  return false;
}

void SessionPool::release(Slot* slot) {
  {
    std::lock_guard lock(m_);
    free_.push_back(slot);
  }
  cv_.notify_one();
}

api::PoolStats SessionPool::stats() {
  std::lock_guard lock(m_);
  const int size = static_cast<int>(slots_.size());
  return {size, size - static_cast<int>(free_.size()), waiting_};
}

// ---- the backend ------------------------------------------------------------------------------

PgBackend::PgBackend(SessionPool& pool, BackendSettings settings)
    : pool_(pool), settings_(std::move(settings)), dummy_hash_(persistence::hash_password("not a password of anyone here")) {}

template <class F>
auto PgBackend::with_session(F&& f) {
  auto lease = pool_.lease();
  try {
    return f(*lease);
  } catch (const api::Unavailable&) {
    throw;
  } catch (const std::exception& e) {
    // Only the server's message of a SOCI error: its what() lists the bound values. Work on the
    // raw libpq connection fails with errors of its own; either way a lost connection is a 503,
    // and the slot must reconnect rather than fail every lease.
    const auto* database = dynamic_cast<const soci::soci_error*>(&e);
    const std::string reason = database != nullptr ? database->get_error_message() : std::string(e.what());
    if (SessionPool::check_broken(*lease)) throw api::Unavailable(fmt::format("database connection lost: {}", reason));
    if (database != nullptr) throw std::runtime_error(fmt::format("database: {}", reason));
    throw;
  }
}

namespace {

api::UserInfo user_info(soci::session& sql, const std::string& login) {
  auto user = persistence::find_user(sql, login);
  if (!user) throw std::runtime_error(fmt::format("user {} vanished", login));
  api::UserInfo out{user->id, user->login, user->display_name, user->active, {user->login, {}}};
  for (const auto& g : user->grants) out.actor.grants.push_back({g.role, g.department_name, g.department_code});
  return out;
}

api::SheetData data_of(persistence::SheetDetails d) {
  return {std::move(d.state), std::move(d.previous_grade), std::move(d.previous_next_steps)};
}

}  // namespace

std::optional<api::UserInfo> PgBackend::check_password(const std::string& login, const std::string& password) {
  auto creds = with_session([&](SessionPool::Slot& s) { return persistence::find_credentials(s.sql, login); });
  // The hash is checked outside the lease: it takes tens of milliseconds of CPU. An unknown
  // login is checked against a dummy hash, so that it takes as long as a wrong password.
  const bool match = persistence::verify_password(creds ? creds->password_hash : dummy_hash_, password);
  if (!creds || !match || !creds->active) return std::nullopt;
  return with_session([&](SessionPool::Slot& s) { return user_info(s.sql, login); });
}

std::optional<api::TimePoint> PgBackend::login_blocked_until(const std::string& login, const std::string& client, api::TimePoint now) {
  return with_session([&](SessionPool::Slot& s) { return persistence::login_blocked_until(s.sql, "login:" + login, "addr:" + client, now); });
}

void PgBackend::record_login_failure(const std::string& login, const std::string& client, api::TimePoint now) {
  with_session([&](SessionPool::Slot& s) {
    persistence::record_login_failure(s.sql, "login:" + login, now, settings_.login);
    persistence::record_login_failure(s.sql, "addr:" + client, now, settings_.address);
    return 0;
  });
}

void PgBackend::clear_login_failures(const std::string& login) {
  with_session([&](SessionPool::Slot& s) {
    persistence::clear_login_failures(s.sql, "login:" + login);
    return 0;
  });
}

void PgBackend::create_session(const api::NewSession& n) {
  with_session([&](SessionPool::Slot& s) {
    persistence::sweep_http_sessions(s.sql, n.now);
    persistence::create_http_session(s.sql, {n.token_hash_hex, n.user_id, n.csrf_token, n.now, n.expires_at, n.client});
    return 0;
  });
}

std::optional<api::LiveSession> PgBackend::touch_session(const std::string& token_hash_hex, api::TimePoint now) {
  return with_session([&](SessionPool::Slot& s) -> std::optional<api::LiveSession> {
    // The last use is written at most every 1/60 of the idle limit: idle expiry stays exact to
    // within that, and most requests read without writing.
    const int touch_every = settings_.session_idle_seconds / 60;
    auto live = persistence::touch_http_session(*s.prepared, token_hash_hex, now, settings_.session_idle_seconds, touch_every);
    if (!live) return std::nullopt;
    api::UserInfo user{live->user_id, live->login, live->display_name, true, {live->login, {}}};
    for (const auto& g : live->grants) user.actor.grants.push_back({g.role, g.department_name, g.department_code});
    return api::LiveSession{std::move(user), live->csrf_token, live->expires_at, live->idle_expires_at};
  });
}

bool PgBackend::end_session(const std::string& token_hash_hex, api::TimePoint now) {
  return with_session([&](SessionPool::Slot& s) { return persistence::end_http_session(s.sql, token_hash_hex, now); });
}

namespace {

// {year, label, state, sheets, retired, counts:{by_state, by_grade}}; nullopt for an unknown year.
std::optional<json::object> year_json(soci::session& sql, int year) {
  auto st = persistence::year_status(sql, year);
  if (!st) return std::nullopt;
  json::object by_state, by_grade;
  for (const auto& [state, grades] : st->counts) {
    int n = 0;
    for (const auto& [grade, count] : grades) {
      n += count;
      const std::string key = grade.empty() ? "none" : grade;
      by_grade[key] = (by_grade.contains(key) ? by_grade[key].as_int64() : 0) + count;
    }
    by_state[state] = n;
  }
  return json::object{{"year", year},
                      {"label", model::FiscalYear(year).label()},
                      {"state", st->state},
                      {"sheets", st->sheets},
                      {"retired", st->retired},
                      {"counts", json::object{{"by_state", std::move(by_state)}, {"by_grade", std::move(by_grade)}}}};
}

}  // namespace

json::array PgBackend::years() {
  return with_session([&](SessionPool::Slot& s) {
    json::array out;
    for (int year : persistence::list_years(s.sql)) {
      if (auto y = year_json(s.sql, year)) out.push_back(std::move(*y));
    }
    return out;
  });
}

json::object PgBackend::close_year(int year, const std::string& final_state, const std::string& actor, const std::string& grant,
                                   const std::string& request_id) {
  return with_session([&](SessionPool::Slot& s) {
    try {
      // The code of `shinchoku year close`: the check, the state and its audit event in one transaction.
      persistence::close_year(s.sql, year, final_state, {actor, grant, request_id});
    } catch (const persistence::YearNotFound& e) {
      throw api::NotFound(e.what());
    } catch (const persistence::YearNotClosable& e) {
      std::vector<api::YearNotClosable::Sheet> sheets;
      for (const auto& p : e.not_final) sheets.push_back({p.sheet_no, p.state});
      throw api::YearNotClosable(e.what(), e.year_state, std::move(sheets));
    }
    auto y = year_json(s.sql, year);
    if (!y) throw api::NotFound(fmt::format("no fiscal year {}", year));
    return std::move(*y);
  });
}

std::vector<api::SheetData> PgBackend::list_sheets(const api::SheetQuery& q) {
  return with_session([&](SessionPool::Slot& s) {
    persistence::SheetFilter f{q.year, q.department, q.state, q.grade, q.sheet_no, q.q, q.all_access, q.departments,
                               q.final_state, q.after, q.limit + 1};
    std::vector<api::SheetData> out;
    for (auto& d : persistence::find_sheets(s.sql, persistence::query_sheet_ids(s.sql, f))) out.push_back(data_of(std::move(d)));
    return out;
  });
}

std::optional<api::SheetData> PgBackend::sheet(long long id) {
  return with_session([&](SessionPool::Slot& s) -> std::optional<api::SheetData> {
    auto d = persistence::find_sheet(*s.prepared, id);
    if (!d) return std::nullopt;
    return data_of(std::move(*d));
  });
}

model::SheetRecord PgBackend::sheet_as_of(long long id, api::TimePoint t) {
  return with_session([&](SessionPool::Slot& s) { return persistence::sheet_record_as_of(s.sql, id, t); });
}

json::array PgBackend::sheet_history(long long id) {
  return with_session([&](SessionPool::Slot& s) {
    json::array out;
    for (const auto& e : persistence::sheet_events(s.sql, id)) out.push_back(persistence::event_json(e));
    return out;
  });
}

std::vector<api::SheetData> PgBackend::measure_sheets(const std::string& measure_key) {
  return with_session([&](SessionPool::Slot& s) {
    std::vector<api::SheetData> out;
    for (auto& d : persistence::find_sheets(s.sql, persistence::measure_sheet_ids(s.sql, measure_key))) out.push_back(data_of(std::move(d)));
    return out;
  });
}

json::array PgBackend::measure_history(const std::string& measure_key) {
  return with_session([&](SessionPool::Slot& s) {
    json::array out;
    try {
      for (const auto& e : persistence::measure_events(s.sql, measure_key)) out.push_back(persistence::event_json(e));
    } catch (const engine::DomainError& e) {
      throw api::NotFound(e.what());
    }
    return out;
  });
}

api::AuditPage PgBackend::audit(const api::AuditQuery& q) {
  return with_session([&](SessionPool::Slot& s) {
    persistence::EventSearch search;
    search.actor = q.actor;
    if (q.entity) {
      // "sheet:123" names one entity; "sheet" every entity of a type.
      auto colon = q.entity->find(':');
      search.entity_type = q.entity->substr(0, colon);
      if (colon != std::string::npos) search.entity_id = q.entity->substr(colon + 1);
    }
    search.range = {q.since, q.until};
    search.after_id = q.after_id.value_or(0);
    search.limit = q.limit + 1;
    auto events = persistence::search_events(s.sql, search);
    api::AuditPage page;
    page.more = static_cast<int>(events.size()) > q.limit;
    if (page.more) events.pop_back();
    for (const auto& e : events) page.events.push_back(persistence::event_json(e));
    if (!events.empty()) page.last_id = events.back().id;
    return page;
  });
}

json::object PgBackend::verify_audit() {
  return with_session([&](SessionPool::Slot& s) { return persistence::verify_report_json(persistence::verify_audit(s.sql, {})); });
}

std::vector<model::SheetRecord> PgBackend::year_sheets(int year) {
  return with_session([&](SessionPool::Slot& s) {
    if (!persistence::find_fiscal_year(s.sql, year)) throw api::NotFound(fmt::format("no fiscal year {}", year));
    return persistence::load_year_sheets(s.sql, year);
  });
}

api::NotificationPage PgBackend::notifications(long long user_id, bool unread_only, long long before, int limit) {
  return with_session([&](SessionPool::Slot& s) {
    auto page = persistence::list_notifications(s.sql, user_id, unread_only, before, limit);
    api::NotificationPage out;
    out.total = page.total;
    out.unread = page.unread;
    for (auto& n : page.items) {
      out.items.push_back({n.id, n.sheet_id, n.year, n.sheet_no, std::move(n.title), std::move(n.body), std::move(n.created_at),
                           std::move(n.read_at)});
    }
    return out;
  });
}

bool PgBackend::mark_notification_read(long long user_id, long long id, api::TimePoint now) {
  return with_session([&](SessionPool::Slot& s) { return persistence::mark_notification_read(s.sql, user_id, id, now); });
}

std::vector<api::PendingItem> PgBackend::pending_items(std::optional<int> year, api::TimePoint now) {
  if (settings_.reminders == nullptr) throw std::logic_error("PgBackend: no reminder setup for the pending items report");
  return with_session([&](SessionPool::Slot& s) {
    if (year && !persistence::find_fiscal_year(s.sql, *year)) throw api::NotFound(fmt::format("no fiscal year {}", *year));
    std::vector<api::PendingItem> out;
    for (auto& p : pending_report(s.sql, *settings_.reminders, year, now)) {
      api::PendingItem item;
      item.sheet_id = p.item.sheet_id;
      item.year = p.item.year;
      item.sheet_no = p.item.sheet_no;
      item.state = p.item.state;
      item.grade = p.item.grade;
      item.previous_grade = p.item.previous_grade;
      for (const auto& d : p.item.departments) item.departments.push_back(d.name);
      item.state_since = persistence::format_utc(p.item.state_since);
      item.business_days_pending = p.business_days_pending;
      item.roles = p.roles;
      for (auto& a : p.must_act) item.must_act.push_back({std::move(a.login), std::move(a.stands_in_for)});
      for (const auto& g : p.gaps) item.gaps.push_back(g.department_code ? fmt::format("{}@{}", g.role, *g.department_code) : g.role);
      out.push_back(std::move(item));
    }
    return out;
  });
}

engine::Decision PgBackend::execute(const engine::SheetRef& ref, const engine::CommandService::Prepare& prepare,
                                    const model::Actor& actor, const std::string& request_id) {
  return with_session([&](SessionPool::Slot& s) {
    engine::CommandService service(*s.store, settings_.rules);
    return service.execute(ref, prepare, actor, request_id);
  });
}

std::string PgBackend::readiness() {
  try {
    return with_session([&](SessionPool::Slot& s) -> std::string {
      const int version = persistence::schema_version(s.sql);
      const int expected = persistence::bundled_migrations().back().version;
      if (version != expected) return fmt::format("the database schema is at version {}, this build needs {}: run shinchoku migrate", version, expected);
      return {};
    });
  } catch (const api::Unavailable& e) {
    return e.what();
  }
}

api::PoolStats PgBackend::pool_stats() { return pool_.stats(); }

api::OutboxCounts PgBackend::outbox_counts() {
  return with_session([&](SessionPool::Slot& s) {
    const auto c = persistence::reminder_counts(s.sql);
    return api::OutboxCounts{c.pending, c.retrying, c.sending, c.sent, c.dead};
  });
}

}  // namespace app
