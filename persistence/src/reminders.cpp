#include "persistence/reminders.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "persistence/audit.hpp"
#include "persistence/audit_log.hpp"
#include "sql_files.hpp"

namespace persistence {

namespace json = boost::json;

namespace {

std::optional<std::string> text_or_null(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  return std::nullopt;
}

std::string id_array(const std::vector<long long>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
  return out + "}";
}

json::array rows_json(const std::vector<NewReminder>& rows, bool with_position) {
  json::array a;
  a.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    json::object o{{"recipient_id", r.recipient_id}, {"channel", r.channel}, {"sheet_id", r.sheet_id},
                   {"rule", r.rule}, {"period", r.period}, {"sheet_state", r.sheet_state},
                   {"business_days_pending", r.business_days_pending}, {"reminder_number", r.reminder_number},
                   {"stands_in_for", r.stands_in_for ? json::value(*r.stands_in_for) : json::value(nullptr)}};
    if (with_position) o["pos"] = static_cast<std::int64_t>(i);
    a.push_back(std::move(o));
  }
  return a;
}

}  // namespace

std::vector<PendingSheet> load_pending_sheets(soci::session& sql, const std::string& final_state) {
  std::vector<PendingSheet> out;
  soci::rowset<soci::row> rows = (sql.prepare << sql_text("reminders/select_pending_sheets.sql"), soci::use(final_state, "final_state"));
  for (const auto& r : rows) {
    PendingSheet p;
    p.sheet_id = r.get<long long>(0);
    p.sheet_no = r.get<int>(1);
    p.year = r.get<int>(2);
    p.state = r.get<std::string>(3);
    if (r.get_indicator(4) == soci::i_ok) p.grade = r.get<std::string>(4);
    if (r.get_indicator(5) == soci::i_ok) p.previous_grade = r.get<std::string>(5);
    p.state_since = parse_time_argument(r.get<std::string>(6));
    const json::value departments = json::parse(r.get<std::string>(7));
    for (const auto& d : departments.as_array()) {
      p.departments.emplace_back(std::string(d.as_array()[0].as_string()), std::string(d.as_array()[1].as_string()));
    }
    out.push_back(std::move(p));
  }
  return out;
}

void lock_reminder_decisions(soci::session& sql) { sql << sql_text("reminders/lock_decisions.sql"); }

int record_reminders(soci::session& sql, const std::vector<NewReminder>& rows, ReminderTime now, const DigestDays& days) {
  if (rows.empty()) return 0;
  const std::string doc = json::serialize(rows_json(rows, false));
  const std::string at = format_utc(now), next_window = format_utc(days.next_window);
  soci::statement st = (sql.prepare << sql_text("reminders/insert_reminders.sql"), soci::use(doc, "rows"), soci::use(at, "now"),
                        soci::use(days.today, "today"), soci::use(days.next_day, "next_day"),
                        soci::use(next_window, "next_window"));
  st.execute(true);
  return static_cast<int>(st.get_affected_rows());
}

std::vector<std::size_t> new_reminders(soci::session& sql, const std::vector<NewReminder>& rows) {
  std::vector<std::size_t> out;
  if (rows.empty()) return out;
  const std::string doc = json::serialize(rows_json(rows, true));
  soci::rowset<int> positions = (sql.prepare << sql_text("reminders/select_new_keys.sql"), soci::use(doc, "rows"));
  for (int p : positions) out.push_back(static_cast<std::size_t>(p));
  return out;
}

std::vector<ClaimedReminder> claim_reminders(soci::session& sql, const std::string& worker, ReminderTime now,
                                             int lease_seconds, int max_digests) {
  std::vector<long long> ids;
  {
    soci::transaction tx(sql);
    const std::string at = format_utc(now);
    soci::rowset<long long> claimed = (sql.prepare << sql_text("reminders/claim_reminders.sql"), soci::use(at, "now"),
                                       soci::use(worker, "worker"), soci::use(lease_seconds, "lease_seconds"),
                                       soci::use(max_digests, "max_digests"));
    for (long long id : claimed) ids.push_back(id);
    tx.commit();
  }
  std::vector<ClaimedReminder> out;
  if (ids.empty()) return out;
  const std::string array = id_array(ids);
  soci::rowset<std::string> docs = (sql.prepare << sql_text("reminders/select_claimed.sql"), soci::use(array, "ids"));
  for (const auto& text : docs) {
    const auto v = json::parse(text);
    const auto& o = v.as_object();
    ClaimedReminder c;
    c.id = o.at("id").to_number<long long>();
    c.recipient_id = o.at("recipient_id").to_number<long long>();
    c.login = o.at("login").as_string();
    c.display_name = o.at("display_name").as_string();
    c.email = text_or_null(o.at("email"));
    c.channel = o.at("channel").as_string();
    c.sheet_id = o.at("sheet_id").to_number<long long>();
    c.sheet_no = o.at("sheet_no").to_number<int>();
    c.year = o.at("year").to_number<int>();
    c.sheet_state = o.at("sheet_state").as_string();
    c.grade = text_or_null(o.at("grade"));
    for (const auto& d : o.at("departments").as_array()) c.departments.emplace_back(d.as_string());
    c.measure = o.at("measure").as_string();
    c.business_days_pending = o.at("business_days_pending").to_number<int>();
    c.reminder_number = o.at("reminder_number").to_number<int>();
    c.rule = o.at("rule").as_string();
    c.period = o.at("period").as_string();
    c.stands_in_for = text_or_null(o.at("stands_in_for"));
    c.digest_day = o.at("digest_day").as_string();
    c.attempts = o.at("attempts").to_number<int>();
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<long long> mark_reminders_sent(soci::session& sql, const std::vector<long long>& ids, const std::string& worker,
                                           const std::string& message_id, ReminderTime now,
                                           const std::vector<InboxMessage>& inbox) {
  std::vector<long long> marked;
  if (ids.empty()) return marked;
  // One statement: the rows, their notifications and their audit events (mark_sent.sql).
  const std::string array = id_array(ids), at = format_utc(now);
  json::array messages;
  messages.reserve(inbox.size());
  for (const auto& m : inbox) messages.push_back(json::object{{"id", m.outbox_id}, {"title", m.title}, {"body", m.body}});
  const std::string inbox_doc = json::serialize(messages);
  soci::transaction tx(sql);
  {
    soci::rowset<long long> rows = (sql.prepare << sql_text("reminders/mark_sent.sql"), soci::use(array, "ids"),
                                    soci::use(worker, "worker"), soci::use(message_id, "message_id"), soci::use(at, "now"),
                                    soci::use(inbox_doc, "inbox"));
    for (long long id : rows) marked.push_back(id);
  }
  tx.commit();
  return marked;
}

std::vector<long long> mark_reminders_failed(soci::session& sql, const std::vector<long long>& ids, const std::string& worker,
                                             const std::string& error, ReminderTime next_attempt_at, int max_attempts) {
  std::vector<long long> dead;
  if (ids.empty()) return dead;
  // One statement: the rows, and the audit events of those that die (mark_failed.sql).
  const std::string array = id_array(ids), next = format_utc(next_attempt_at);
  soci::transaction tx(sql);
  {
    soci::rowset<soci::row> rows = (sql.prepare << sql_text("reminders/mark_failed.sql"), soci::use(array, "ids"),
                                    soci::use(worker, "worker"), soci::use(error, "error"), soci::use(next, "next_attempt_at"),
                                    soci::use(max_attempts, "max_attempts"));
    for (const auto& r : rows) {
      if (r.get<std::string>(1) == "dead") dead.push_back(r.get<long long>(0));
    }
  }
  tx.commit();
  return dead;
}

int release_reminder_claims(soci::session& sql, const std::string& worker) {
  soci::statement st = (sql.prepare << sql_text("reminders/release_claims.sql"), soci::use(worker, "worker"));
  st.execute(true);
  return static_cast<int>(st.get_affected_rows());
}

std::vector<long long> requeue_reminders(soci::session& sql, std::optional<long long> id, bool all_dead, ReminderTime now,
                                         const std::string& actor) {
  std::vector<long long> out;
  soci::transaction tx(sql);
  const long long one = id.value_or(0);
  const int every_dead = all_dead ? 1 : 0;
  const std::string at = format_utc(now);
  {
    soci::rowset<long long> rows = (sql.prepare << sql_text("reminders/requeue.sql"), soci::use(one, "id"),
                                    soci::use(every_dead, "all_dead"), soci::use(at, "now"));
    for (long long r : rows) out.push_back(r);
  }
  for (long long r : out) {
    append_event(sql, {"reminder", std::to_string(r), "requeue", actor, std::nullopt,
                       json::object{{"state", json::object{{"before", nullptr}, {"after", "pending"}}},
                                    {"attempts", json::object{{"before", nullptr}, {"after", 0}}}},
                       std::nullopt, std::nullopt});
  }
  tx.commit();
  return out;
}

ReminderCounts reminder_counts(soci::session& sql) {
  ReminderCounts c;
  sql << sql_text("reminders/counts.sql"), soci::into(c.pending), soci::into(c.retrying), soci::into(c.sending),
      soci::into(c.sent), soci::into(c.dead);
  return c;
}

InboxPage list_notifications(soci::session& sql, long long user_id, bool unread_only, long long before, int limit) {
  InboxPage page;
  const int unread = unread_only ? 1 : 0;
  soci::rowset<soci::row> rows = (sql.prepare << sql_text("inbox/list.sql"), soci::use(user_id, "user"), soci::use(unread, "unread"),
                                  soci::use(before, "before"), soci::use(limit, "limit"));
  for (const auto& r : rows) {
    Notification n;
    n.id = r.get<long long>(0);
    n.sheet_id = r.get<long long>(1);
    n.year = r.get<int>(2);
    n.sheet_no = r.get<int>(3);
    n.title = r.get<std::string>(4);
    n.body = r.get<std::string>(5);
    n.created_at = r.get<std::string>(6);
    if (r.get_indicator(7) == soci::i_ok) n.read_at = r.get<std::string>(7);
    page.items.push_back(std::move(n));
  }
  sql << sql_text("inbox/counts.sql"), soci::use(user_id, "user"), soci::into(page.total), soci::into(page.unread);
  return page;
}

bool mark_notification_read(soci::session& sql, long long user_id, long long id, ReminderTime now) {
  const std::string at = format_utc(now);
  long long marked = 0;
  soci::indicator ind = soci::i_null;
  sql << sql_text("inbox/mark_read.sql"), soci::use(at, "now"), soci::use(id, "id"), soci::use(user_id, "user"), soci::into(marked, ind);
  return sql.got_data() && ind == soci::i_ok;
}

}  // namespace persistence
