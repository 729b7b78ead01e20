#pragma once
// Sessions of the HTTP API and the throttle on failed logins, kept in PostgreSQL so that
// several `shinchoku serve` processes share them (migration 007). Times are passed in, never
// read from a clock here, so that tests can move time. Tokens arrive already hashed.
#include <optional>
#include <string>
#include <vector>

#include <soci/soci.h>

#include "persistence/audit_log.hpp"
#include "persistence/prepared.hpp"

namespace persistence {

struct Credentials {
  long long user_id = 0;
  bool active = false;
  std::string password_hash;
};
// The login's id, active flag and password hash; nullopt when there is no such login.
std::optional<Credentials> find_credentials(soci::session& sql, const std::string& login);

struct NewHttpSession {
  std::string token_hash_hex;  // SHA-256 of the token, lowercase hex
  long long user_id = 0;
  std::string csrf_token;
  TimePoint now;
  TimePoint expires_at;  // the absolute end
  std::string client;    // the client's address, for the record
};
void create_http_session(soci::session& sql, const NewHttpSession& s);

struct LiveHttpSession {
  long long user_id = 0;
  std::string login;
  std::string display_name;
  std::string csrf_token;
  std::string expires_at;       // the absolute end, RFC 3339 UTC
  std::string idle_expires_at;  // when it ends if unused (never after expires_at)
  struct Grant {
    std::string role;
    std::optional<std::string> department_code;
    std::optional<std::string> department_name;
  };
  std::vector<Grant> grants;  // by role, then department code
};
// A live session with its user and grants, in one round trip on a read-only statement kept
// prepared; nullopt when it is unknown, ended, past its absolute end, idle for `idle_seconds`
// or more, or its user is disabled. Its last use moves to `now` (a second, writing round trip)
// when it is older than `touch_seconds` (0: always).
std::optional<LiveHttpSession> touch_http_session(PreparedStatements& statements, const std::string& token_hash_hex, TimePoint now,
                                                  int idle_seconds, int touch_seconds = 0);
// Ends a session at once (logout). False when there was no live one.
bool end_http_session(soci::session& sql, const std::string& token_hash_hex, TimePoint now);
// Deletes sessions that ended more than a day ago; returns how many.
long long sweep_http_sessions(soci::session& sql, TimePoint now);

struct ThrottleRules {
  int max_failures = 5;         // failures within the window that block the key
  int window_seconds = 900;
  int block_seconds = 900;
};
// When the later of the two keys' blocks ends, if either is blocked at `now`.
std::optional<TimePoint> login_blocked_until(soci::session& sql, const std::string& login_key, const std::string& address_key,
                                            TimePoint now);
void record_login_failure(soci::session& sql, const std::string& key, TimePoint now, const ThrottleRules& rules);
void clear_login_failures(soci::session& sql, const std::string& key);

}  // namespace persistence
