#include "persistence/http_sessions.hpp"

#include "sql_files.hpp"

namespace persistence {

std::optional<Credentials> find_credentials(soci::session& sql, const std::string& login) {
  soci::rowset<soci::row> rows = (sql.prepare << sql_text("http_sessions/select_credentials.sql"), soci::use(login, "login"));
  for (const auto& r : rows) return Credentials{r.get<long long>(0), r.get<int>(1) != 0, r.get<std::string>(2)};
  return std::nullopt;
}

void create_http_session(soci::session& sql, const NewHttpSession& s) {
  const std::string now = format_utc(s.now), expires = format_utc(s.expires_at);
  sql << sql_text("http_sessions/insert_session.sql"), soci::use(s.token_hash_hex, "token_hash"), soci::use(s.user_id, "user_id"),
      soci::use(s.csrf_token, "csrf_token"), soci::use(now, "now"), soci::use(expires, "expires_at"), soci::use(s.client, "client");
}

std::optional<LiveHttpSession> touch_http_session(PreparedStatements& statements, const std::string& token_hash_hex, TimePoint now,
                                                  int idle_seconds, int touch_seconds) {
  const std::string at = format_utc(now), idle = std::to_string(idle_seconds), touch = std::to_string(touch_seconds);
  const char* values[] = {token_hash_hex.c_str(), at.c_str(), idle.c_str(), touch.c_str()};
  PgResult r = statements.execute("http_sessions/select_live_session.sql", 4, values, PGRES_TUPLES_OK);
  const int rows = PQntuples(r.get());
  if (rows == 0) return std::nullopt;
  auto text = [&](int row, int col) {
    return std::string(PQgetvalue(r.get(), row, col), static_cast<std::size_t>(PQgetlength(r.get(), row, col)));
  };
  auto optional_text = [&](int row, int col) { return PQgetisnull(r.get(), row, col) ? std::nullopt : std::optional<std::string>(text(row, col)); };
  const bool stale = text(0, 7) == "1";
  LiveHttpSession live{std::stoll(text(0, 0)), text(0, 1), text(0, 2), text(0, 3), text(0, 4), text(0, stale ? 6 : 5), {}};
  for (int row = 0; row < rows; ++row) {
    if (PQgetisnull(r.get(), row, 8)) continue;  // a user without grants
    live.grants.push_back({text(row, 8), optional_text(row, 9), optional_text(row, 10)});
  }
  if (stale) {
    const char* touch_values[] = {token_hash_hex.c_str(), at.c_str()};
    statements.execute("http_sessions/touch_session.sql", 2, touch_values, PGRES_COMMAND_OK);
  }
  return live;
}

bool end_http_session(soci::session& sql, const std::string& token_hash_hex, TimePoint now) {
  const std::string at = format_utc(now);
  soci::statement st = (sql.prepare << sql_text("http_sessions/end_session.sql"), soci::use(token_hash_hex, "token_hash"),
                        soci::use(at, "now"));
  st.execute(true);
  return st.get_affected_rows() > 0;
}

long long sweep_http_sessions(soci::session& sql, TimePoint now) {
  const std::string at = format_utc(now);
  soci::statement st = (sql.prepare << sql_text("http_sessions/sweep_sessions.sql"), soci::use(at, "now"));
  st.execute(true);
  return st.get_affected_rows();
}

std::optional<TimePoint> login_blocked_until(soci::session& sql, const std::string& login_key, const std::string& address_key,
                                            TimePoint now) {
  const std::string at = format_utc(now);
  std::string until;
  soci::indicator ind = soci::i_null;
  sql << sql_text("http_sessions/select_blocked.sql"), soci::use(login_key, "login_key"), soci::use(address_key, "address_key"),
      soci::use(at, "now"), soci::into(until, ind);
  if (ind != soci::i_ok) return std::nullopt;
  return parse_time_argument(until);
}

void record_login_failure(soci::session& sql, const std::string& key, TimePoint now, const ThrottleRules& rules) {
  const std::string at = format_utc(now);
  sql << sql_text("http_sessions/record_failure.sql"), soci::use(key, "key"), soci::use(at, "now"),
      soci::use(rules.max_failures, "max_failures"), soci::use(rules.window_seconds, "window_seconds"),
      soci::use(rules.block_seconds, "block_seconds");
}

void clear_login_failures(soci::session& sql, const std::string& key) {
  sql << sql_text("http_sessions/clear_failures.sql"), soci::use(key, "key");
}

}  // namespace persistence
