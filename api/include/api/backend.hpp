#pragma once
// What the HTTP API needs from storage, as a port (DESIGN.md §3: api reaches storage only
// through engine's command service and ports). app/ implements it on PostgreSQL with a pool
// of sessions; every method leases a connection for its own work and may throw Unavailable.
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "engine/sheet_commands.hpp"
#include "model/actor.hpp"
#include "model/sheet.hpp"

namespace api {

using TimePoint = std::chrono::system_clock::time_point;

// The database cannot be reached, or no pooled connection came free in time: 503.
class Unavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A thing named in a request does not exist (a measure key, a year): 404.
class NotFound : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A fiscal year cannot close: sheets are not in the final state yet (listed), or it is
// closed already: 409.
class YearNotClosable : public std::runtime_error {
 public:
  struct Sheet {
    int sheet_no = 0;
    std::string state;
  };
  YearNotClosable(const std::string& what, std::string year_state, std::vector<Sheet> not_final)
      : std::runtime_error(what), year_state(std::move(year_state)), not_final(std::move(not_final)) {}
  std::string year_state;        // open | closed
  std::vector<Sheet> not_final;  // by sheet number
};

struct UserInfo {
  long long id = 0;
  std::string login;
  std::string display_name;
  bool active = false;
  model::Actor actor;  // login and grants as the engine sees them
};

struct LiveSession {
  UserInfo user;
  std::string csrf_token;
  std::string expires_at;       // absolute end, RFC 3339 UTC
  std::string idle_expires_at;  // when it ends unless used again
};

struct NewSession {
  std::string token_hash_hex;
  long long user_id = 0;
  std::string csrf_token;
  TimePoint now;
  TimePoint expires_at;
  std::string client;
};

struct SheetData {
  engine::SheetState state;
  std::optional<std::string> previous_grade;
  std::optional<std::string> previous_next_steps;
};

// Who lists sheets: sees every sheet (all_access) or, besides the final state's, only those
// of its departments.
struct SheetQuery {
  std::optional<int> year;
  std::optional<std::string> department;  // code or Japanese name
  std::optional<std::string> state;
  std::optional<std::string> grade;
  std::optional<int> sheet_no;
  std::optional<std::string> q;  // substring of the texts or the measure's title, taken literally
  int limit = 50;
  std::optional<std::pair<int, int>> after;  // (year, sheet_no) of the last item of the page before
  bool all_access = false;
  std::vector<std::string> departments;  // the caller's departments (Japanese names)
  std::string final_state;
};

struct AuditQuery {
  std::optional<std::string> actor;
  std::optional<std::string> entity;  // "sheet:123", "user:sato", or a type: "sheet"
  std::optional<TimePoint> since;
  std::optional<TimePoint> until;
  std::optional<long long> after_id;  // cursor: events with a larger id
  int limit = 500;
};

struct AuditPage {
  boost::json::array events;  // event_json objects, by id
  std::optional<long long> last_id;
  bool more = false;
};

struct PoolStats {
  int size = 0;
  int in_use = 0;
  int waiting = 0;
};

// ---- reminders (issue 6)

struct Notification {
  long long id = 0;
  long long sheet_id = 0;
  int year = 0;
  int sheet_no = 0;
  std::string title;
  std::string body;
  std::string created_at;             // RFC 3339 UTC
  std::optional<std::string> read_at;
};

struct NotificationPage {
  std::vector<Notification> items;  // newest first
  long long total = 0;              // the user's notifications in all
  long long unread = 0;
  bool more = false;                // another page follows the last item
};

struct ActingUser {
  std::string login;
  std::optional<std::string> stands_in_for;  // "approver@kaigo-hoken": a coordinator covering a gap
};

// A pending C-grade item (a sheet of an open year under study, or ungraded after such a year).
struct PendingItem {
  long long sheet_id = 0;
  int year = 0;
  int sheet_no = 0;
  std::string state;
  std::optional<std::string> grade;
  std::optional<std::string> previous_grade;
  std::vector<std::string> departments;  // names
  std::string state_since;               // RFC 3339 UTC
  int business_days_pending = 0;
  std::vector<std::string> roles;        // who acts next, as the workflow says
  std::vector<ActingUser> must_act;
  std::vector<std::string> gaps;         // "staff@kiki-kanri": a role with nobody active
};

struct OutboxCounts {
  long long pending = 0, retrying = 0, sending = 0, sent = 0, dead = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // ---- sessions and logins
  // The user and password hash check in constant time whether or not the login exists;
  // nullopt for an unknown login, a wrong password or a disabled user.
  virtual std::optional<UserInfo> check_password(const std::string& login, const std::string& password) = 0;
  virtual std::optional<TimePoint> login_blocked_until(const std::string& login, const std::string& client, TimePoint now) = 0;
  virtual void record_login_failure(const std::string& login, const std::string& client, TimePoint now) = 0;
  virtual void clear_login_failures(const std::string& login) = 0;
  virtual void create_session(const NewSession& s) = 0;
  virtual std::optional<LiveSession> touch_session(const std::string& token_hash_hex, TimePoint now) = 0;
  virtual bool end_session(const std::string& token_hash_hex, TimePoint now) = 0;

  // ---- reads
  // Each fiscal year: {year, label, state, sheets, retired, counts:{by_state:{…}, by_grade:{…}}}.
  virtual boost::json::array years() = 0;
  virtual std::vector<SheetData> list_sheets(const SheetQuery& q) = 0;  // at most q.limit + 1, by (year, sheet_no)
  virtual std::optional<SheetData> sheet(long long id) = 0;
  // The sheet as it stood at t, from its events alone; engine::DomainError when it had none.
  virtual model::SheetRecord sheet_as_of(long long id, TimePoint t) = 0;
  virtual boost::json::array sheet_history(long long id) = 0;
  // Throws NotFound for an unknown measure key.
  virtual std::vector<SheetData> measure_sheets(const std::string& measure_key) = 0;
  virtual boost::json::array measure_history(const std::string& measure_key) = 0;
  virtual AuditPage audit(const AuditQuery& q) = 0;
  virtual boost::json::object verify_audit() = 0;  // {ok, checked, chains, sheets, failure, …}
  // The sheets of a year by sheet number; NotFound when the year does not exist.
  virtual std::vector<model::SheetRecord> year_sheets(int year) = 0;

  // ---- reminders
  // The user's in-app notifications, newest first; `before`: ids below it (0: the first page).
  virtual NotificationPage notifications(long long user_id, bool unread_only, long long before, int limit) = 0;
  // Marks the user's notification read; false when there is no such notification of this user.
  virtual bool mark_notification_read(long long user_id, long long id, TimePoint now) = 0;
  // The pending C-grade items of the open years (of `year` when given), the longest pending
  // first; NotFound when `year` does not exist.
  virtual std::vector<PendingItem> pending_items(std::optional<int> year, TimePoint now) = 0;

  // ---- fiscal years
  // Closes the year as `shinchoku year close` does, audited as `actor` with `grant` (its text,
  // "coordinator") and the request id; returns the year as years() gives it. Throws NotFound
  // for an unknown year and YearNotClosable while a sheet is not final or when it is closed.
  virtual boost::json::object close_year(int year, const std::string& final_state, const std::string& actor, const std::string& grant,
                                         const std::string& request_id) = 0;

  // ---- the one command service
  // One transaction: the sheet is locked and read (with last year's values), `prepare` makes
  // the command from it or refuses by throwing (nothing is written then), the engine decides,
  // the sheet and its event are written. engine::CommandError(not_found) without such a sheet.
  virtual engine::Decision execute(const engine::SheetRef& ref, const engine::CommandService::Prepare& prepare, const model::Actor& actor,
                                   const std::string& request_id) = 0;

  // ---- operations
  // Empty when the database is reachable and its schema is the one this build expects; else why not.
  virtual std::string readiness() = 0;
  virtual PoolStats pool_stats() = 0;
  // The reminders' outbox by state, read at the time of asking (for /metrics).
  virtual OutboxCounts outbox_counts() = 0;
};

}  // namespace api
