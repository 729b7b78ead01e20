#pragma once
// The reminders' outbox and inbox (issue 6, migration 009). The rules that decide which
// reminders are owed are pure (notifications/reminder_rules.hpp); app/ reads the pending sheets
// and the users here, decides, and records the due rows in the same transaction. The dispatcher
// claims whole digests with FOR UPDATE SKIP LOCKED under a lease, delivers outside any
// transaction, then marks them sent (with their audit events) or failed.
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <soci/soci.h>

namespace persistence {

using ReminderTime = std::chrono::system_clock::time_point;

struct PendingSheet {
  long long sheet_id = 0;
  int sheet_no = 0;
  int year = 0;
  std::string state;
  std::optional<std::string> grade;
  std::optional<std::string> previous_grade;
  std::vector<std::pair<std::string, std::string>> departments;  // code, name, in the sheet's order
  ReminderTime state_since;
};

// Sheets of open years, not retired, not in `final_state`, graded under study or ungraded after
// an under-study year (by the plan's grade scale in the database).
std::vector<PendingSheet> load_pending_sheets(soci::session& sql, const std::string& final_state);

// Serialises deciders (servers, cron runs) for the rest of the caller's transaction.
void lock_reminder_decisions(soci::session& sql);

struct NewReminder {
  long long recipient_id = 0;
  std::string channel;  // email | webhook | inbox
  long long sheet_id = 0;
  std::string rule;     // first | repeat | escalation
  std::string period;
  std::string sheet_state;
  int business_days_pending = 0;
  int reminder_number = 1;
  std::optional<std::string> stands_in_for;
};

struct DigestDays {
  std::string today;            // YYYY-MM-DD, JST
  std::string next_day;         // the next business day
  ReminderTime next_window;     // its sending window's start
};

// Inserts the rows whose key (recipient, channel, sheet, rule, period) is new; returns how many.
// A recipient whose digest of `today` on that channel is already going or gone gets the row in
// the next business day's digest.
int record_reminders(soci::session& sql, const std::vector<NewReminder>& rows, ReminderTime now, const DigestDays& days);

// The positions in `rows` of those not yet in the outbox (for a dry run, which writes nothing).
std::vector<std::size_t> new_reminders(soci::session& sql, const std::vector<NewReminder>& rows);

struct ClaimedReminder {
  long long id = 0;
  long long recipient_id = 0;
  std::string login, display_name;
  std::optional<std::string> email;
  std::string channel;
  long long sheet_id = 0;
  int sheet_no = 0;
  int year = 0;
  std::string sheet_state;
  std::optional<std::string> grade;
  std::vector<std::string> departments;  // names
  std::string measure;
  int business_days_pending = 0;
  int reminder_number = 0;
  std::string rule;
  std::string period;
  std::optional<std::string> stands_in_for;
  std::string digest_day;
  int attempts = 0;  // including this one
};

// Claims up to `max_digests` due digests (pending rows whose time has come, and rows whose
// claim's lease ran out) for `worker`, in its own transaction; returns their rows ordered by
// recipient, channel, day, year, sheet number.
std::vector<ClaimedReminder> claim_reminders(soci::session& sql, const std::string& worker, ReminderTime now,
                                             int lease_seconds, int max_digests);

// Marks rows sent with the message's id, each with its audit event (entity reminder, action
// sent), in one transaction; only rows `worker` still holds. Returns the ids marked. For the
// inbox channel, `inbox` gives each row's notification (title, body), inserted in the same
// transaction: delivering to the inbox is exactly once.
struct InboxMessage {
  long long outbox_id = 0;
  std::string title;
  std::string body;
};
std::vector<long long> mark_reminders_sent(soci::session& sql, const std::vector<long long>& ids, const std::string& worker,
                                           const std::string& message_id, ReminderTime now,
                                           const std::vector<InboxMessage>& inbox = {});

// A failed delivery: rows with attempts < max_attempts wait until `next_attempt_at`; the others
// are dead, each with its audit event (action given_up). Returns the ids now dead.
std::vector<long long> mark_reminders_failed(soci::session& sql, const std::vector<long long>& ids, const std::string& worker,
                                             const std::string& error, ReminderTime next_attempt_at, int max_attempts);

// Hands back what `worker` holds unsent (stopping), its attempt not counted. Returns how many.
int release_reminder_claims(soci::session& sql, const std::string& worker);

// `remind retry`: one row (dead or waiting) by id, or every dead row; due now with fresh
// attempts, audited (action requeue) by `actor`. Returns the ids requeued.
std::vector<long long> requeue_reminders(soci::session& sql, std::optional<long long> id, bool all_dead, ReminderTime now,
                                         const std::string& actor);

// ---- the in-app inbox (GET /api/v1/notifications)

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
struct InboxPage {
  std::vector<Notification> items;  // newest first, at most `limit`
  long long total = 0;              // the user's notifications in all
  long long unread = 0;
};
// `before`: only ids below it (a cursor; 0 for the first page).
InboxPage list_notifications(soci::session& sql, long long user_id, bool unread_only, long long before, int limit);
// Marks the user's notification `id` read (kept as first read); false when it is not the user's.
bool mark_notification_read(soci::session& sql, long long user_id, long long id, ReminderTime now);

struct ReminderCounts {
  long long pending = 0, retrying = 0, sending = 0, sent = 0, dead = 0;
};
ReminderCounts reminder_counts(soci::session& sql);

}  // namespace persistence
