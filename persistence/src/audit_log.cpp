#include "persistence/audit_log.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "engine/errors.hpp"
#include "model/text.hpp"
#include "sql_files.hpp"

namespace persistence {

namespace json = boost::json;
using namespace std::chrono;

namespace {

std::optional<std::string> optional_text(const soci::row& r, std::size_t i) {
  if (r.get_indicator(i) != soci::i_ok) return std::nullopt;
  return r.get<std::string>(i);
}

struct TimeBinds {
  std::string since, until;
  soci::indicator since_ind = soci::i_null, until_ind = soci::i_null;
  explicit TimeBinds(const TimeRange& range) {
    if (range.since) {
      since = format_utc(*range.since);
      since_ind = soci::i_ok;
    }
    if (range.until) {
      until = format_utc(*range.until);
      until_ind = soci::i_ok;
    }
  }
};

// The columns every log query selects, in its order.
std::vector<LoggedEvent> read_events(soci::rowset<soci::row>& rows) {
  std::vector<LoggedEvent> out;
  for (const auto& r : rows) {
    LoggedEvent e;
    e.id = r.get<long long>(0);
    e.entity_type = r.get<std::string>(1);
    e.entity_id = r.get<std::string>(2);
    e.chain_position = r.get<int>(3);
    e.occurred_at = r.get<std::string>(4);
    e.actor = r.get<std::string>(5);
    e.actor_grant = optional_text(r, 6);
    e.action = r.get<std::string>(7);
    auto changes = json::parse(r.get<std::string>(8));
    if (changes.is_object()) e.changes = std::move(changes.as_object());
    e.comment = optional_text(r, 9);
    e.request_id = optional_text(r, 10);
    e.hash = r.get<std::string>(11);
    if (r.get_indicator(12) == soci::i_ok) e.sheet_year = r.get<int>(12);
    if (r.get_indicator(13) == soci::i_ok) e.sheet_no = r.get<int>(13);
    out.push_back(std::move(e));
  }
  return out;
}

std::string one_line(std::string_view text) {
  std::string out;
  for (char c : text) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  return out;
}

}  // namespace

// ---- time ------------------------------------------------------------------------------------

TimePoint parse_time_argument(std::string_view text) {
  try {
    return model::parse_time(text);
  } catch (const model::TimeError& e) {
    throw engine::DomainError(e.what());
  }
}

// ---- queries ---------------------------------------------------------------------------------

std::optional<long long> find_sheet_id(soci::session& sql, int fiscal_year, int sheet_no) {
  long long id = 0;
  sql << sql_text("audit_log/find_sheet.sql"), soci::use(fiscal_year, "year"), soci::use(sheet_no, "sheet_no"), soci::into(id);
  if (!sql.got_data()) return std::nullopt;
  return id;
}

std::vector<LoggedEvent> sheet_events(soci::session& sql, long long sheet_id, const TimeRange& range) {
  TimeBinds t(range);
  const std::string id = std::to_string(sheet_id);
  soci::rowset<soci::row> rows = (sql.prepare << sql_text("audit_log/sheet_events.sql"), soci::use(id, "sheet_id"),
                                  soci::use(t.since, t.since_ind, "since"), soci::use(t.until, t.until_ind, "until"));
  return read_events(rows);
}

std::vector<LoggedEvent> measure_events(soci::session& sql, const std::string& measure_key, const TimeRange& range) {
  long long measures = 0;
  sql << sql_text("audit_log/measure_exists.sql"), soci::use(measure_key, "measure_key"), soci::into(measures);
  if (measures == 0) throw engine::DomainError(fmt::format("no measure has the key {:?} (see `shinchoku plan show`)", measure_key));
  TimeBinds t(range);
  soci::rowset<soci::row> rows = (sql.prepare << sql_text("audit_log/measure_events.sql"), soci::use(measure_key, "measure_key"),
                                  soci::use(t.since, t.since_ind, "since"), soci::use(t.until, t.until_ind, "until"));
  return read_events(rows);
}

std::vector<LoggedEvent> actor_events(soci::session& sql, const std::string& actor, const TimeRange& range) {
  TimeBinds t(range);
  soci::rowset<soci::row> rows = (sql.prepare << sql_text("audit_log/actor_events.sql"), soci::use(actor, "actor"),
                                  soci::use(t.since, t.since_ind, "since"), soci::use(t.until, t.until_ind, "until"));
  return read_events(rows);
}

void apply_changes(json::object& state, const json::object& changes) {
  for (const auto& [field, change] : changes) {
    const json::value* after = change.is_object() ? change.as_object().if_contains("after") : nullptr;
    state[field] = after != nullptr ? *after : json::value(nullptr);
  }
}

json::object sheet_as_of(soci::session& sql, long long sheet_id, TimePoint t) {
  const std::string id = std::to_string(sheet_id);
  const std::string at = format_utc(t);
  json::object state;
  int events = 0;
  soci::rowset<std::string> rows = (sql.prepare << sql_text("audit_log/sheet_events_until.sql"), soci::use(id, "sheet_id"),
                                    soci::use(at, "at"));
  for (const auto& changes : rows) {
    auto v = json::parse(changes);
    if (v.is_object()) apply_changes(state, v.as_object());
    ++events;
  }
  if (events == 0) {
    std::string first;
    soci::indicator ind = soci::i_null;
    sql << sql_text("audit_log/first_sheet_event.sql"), soci::use(id, "sheet_id"), soci::into(first, ind);
    if (ind != soci::i_ok) throw engine::DomainError(fmt::format("sheet {} has no events in the audit trail", sheet_id));
    throw engine::DomainError(fmt::format("sheet {} did not exist yet at {}: its first event is at {}", sheet_id, at, first));
  }
  return state;
}

model::SheetRecord sheet_record_as_of(soci::session& sql, long long sheet_id, TimePoint t, bool* retired) {
  const json::object past = sheet_as_of(sql, sheet_id, t);
  auto text = [&](const char* key) {
    const json::value* v = past.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  auto number = [&](const char* key) {
    const json::value* v = past.if_contains(key);
    return v && v->is_int64() ? static_cast<int>(v->as_int64()) : 0;
  };
  model::SheetRecord r;
  r.id = sheet_id;
  r.year = number("fiscal_year");
  r.sheet_no = number("sheet_no");
  r.measure_key = text("measure");
  if (const json::value* g = past.if_contains("grade"); g && g->is_string()) r.grade = std::string(g->as_string());
  r.state = text("state");
  if (const json::value* d = past.if_contains("departments"); d && d->is_array()) {
    for (const auto& x : d->as_array()) {
      if (x.is_string()) r.departments.emplace_back(x.as_string());
    }
  }
  r.actions = text("actions");
  r.results = text("results");
  r.next_steps = text("next_steps");
  r.version = number("version");
  if (retired) {
    const json::value* v = past.if_contains("retired");
    *retired = v && v->is_bool() && v->as_bool();
  }
  return r;
}

std::vector<LoggedEvent> search_events(soci::session& sql, const EventSearch& q) {
  TimeBinds times(q.range);
  auto opt = [](const std::optional<std::string>& v) { return std::make_pair(v.value_or(""), v ? soci::i_ok : soci::i_null); };
  auto [actor, actor_ind] = opt(q.actor);
  auto [type, type_ind] = opt(q.entity_type);
  auto [id, id_ind] = opt(q.entity_id);
  long long after = q.after_id;
  int limit = q.limit;
  soci::rowset<soci::row> rows = (sql.prepare << sql_text("audit_log/search_events.sql"), soci::use(after, "after_id"),
                                  soci::use(actor, actor_ind, "actor"), soci::use(type, type_ind, "entity_type"),
                                  soci::use(id, id_ind, "entity_id"), soci::use(times.since, times.since_ind, "since"),
                                  soci::use(times.until, times.until_ind, "until"), soci::use(limit, "limit"));
  return read_events(rows);
}

// ---- output ----------------------------------------------------------------------------------

json::object event_json(const LoggedEvent& e) {
  auto text_or_null = [](const std::optional<std::string>& v) { return v ? json::value(*v) : json::value(nullptr); };
  return {{"id", e.id},
          {"entity_type", e.entity_type},
          {"entity_id", e.entity_id},
          {"chain_position", e.chain_position},
          {"occurred_at", e.occurred_at},
          {"actor", e.actor},
          {"actor_grant", text_or_null(e.actor_grant)},
          {"action", e.action},
          {"changes", e.changes},
          {"comment", text_or_null(e.comment)},
          {"request_id", text_or_null(e.request_id)},
          {"hash", e.hash}};
}

std::string events_json(const std::vector<LoggedEvent>& events) {
  json::array a;
  a.reserve(events.size());
  for (const auto& e : events) a.push_back(event_json(e));
  return json::serialize(a) + "\n";
}

std::string events_jsonl(const std::vector<LoggedEvent>& events) {
  std::string out;
  for (const auto& e : events) out += json::serialize(event_json(e)) + "\n";
  return out;
}

std::string events_csv(const std::vector<LoggedEvent>& events) {
  std::string out = "\xEF\xBB\xBF";
  out += "id,entity_type,entity_id,chain_position,occurred_at,actor,actor_grant,action,changes,comment,request_id,hash\r\n";
  for (const auto& e : events) {
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\r\n", e.id, model::csv_field(e.entity_type), model::csv_field(e.entity_id),
                       e.chain_position, e.occurred_at, model::csv_field(e.actor), model::csv_field(e.actor_grant.value_or("")),
                       model::csv_field(e.action), model::csv_field(json::serialize(e.changes)), model::csv_field(e.comment.value_or("")),
                       model::csv_field(e.request_id.value_or("")), e.hash);
  }
  return out;
}

std::string events_text(const std::vector<LoggedEvent>& events) {
  std::string out;
  for (const auto& e : events) {
    std::string entity = fmt::format("{} {}", e.entity_type, e.entity_id);
    if (e.sheet_year && e.sheet_no) entity += fmt::format(" ({} no. {})", *e.sheet_year, *e.sheet_no);
    std::vector<std::string> names;
    for (const auto& [key, value] : e.changes) names.emplace_back(key);
    std::sort(names.begin(), names.end());
    std::string fields;
    for (const auto& name : names) fields += (fields.empty() ? "" : ", ") + name;
    if (fields.empty()) fields = "-";
    out += fmt::format("{}  {}  {}  {} #{}  [{}]", format_jst(parse_time_argument(e.occurred_at)), e.actor, e.action, entity,
                       e.chain_position, fields);
    if (e.comment && !e.comment->empty()) out += "  " + one_line(*e.comment);
    out += "\n";
  }
  return out;
}

}  // namespace persistence
