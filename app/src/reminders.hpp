#pragma once
// The reminders wired together (issue 6): the pure rules (notifications/reminder_rules.hpp) fed
// from the database and recorded in the outbox in one transaction, and the dispatcher that
// claims digests, delivers them through the channels and marks them. Used by `shinchoku remind`
// and by the scheduler inside `serve` (reminder_scheduler.hpp): one piece of code.
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <soci/soci.h>

#include "app/config.hpp"
#include "model/grade_scale.hpp"
#include "model/workflow.hpp"
#include "notifications/calendar.hpp"
#include "notifications/reminder_rules.hpp"

namespace app {

struct ReminderSetup {
  ReminderSetup(const Config& cfg, model::Workflow workflow, model::GradeScale grades);
  Config::Reminders cfg;
  notifications::ReminderRules rules;
  notifications::JapaneseCalendar calendar;
  model::Workflow workflow;
  model::GradeScale grades;
};

struct DecideOutcome {
  notifications::ReminderDecision decision;
  std::vector<notifications::DueReminder> fresh;  // due and not yet in the outbox (a dry run's list)
  int already = 0;                                // due and already recorded
  int recorded = 0;                               // rows written (one per channel)
};

// Reads the pending sheets and the users, decides at `now`, and (unless a dry run) records the
// new rows, all in one transaction under the deciders' lock.
DecideOutcome decide_reminders(soci::session& sql, const ReminderSetup& setup, notifications::TimePoint now, bool dry_run);

struct DispatchOutcome {
  int digests = 0;
  int sent = 0;      // digests delivered
  int failed = 0;    // digests that failed this time (retrying or dead)
  int dead_rows = 0;
  int released = 0;  // rows handed back unsent because `stop` was set
  std::vector<std::string> errors;
};

// Claims and delivers due digests until none is left (or `max_rounds` claims), as `worker`.
// When `stop` becomes true it claims nothing more, and hands back (release_reminder_claims)
// the rows it holds that are not delivered yet; the digest being delivered is finished first.
DispatchOutcome dispatch_reminders(soci::session& sql, const ReminderSetup& setup, notifications::TimePoint now,
                                   const std::string& worker, int max_rounds = 100, const std::atomic<bool>* stop = nullptr);

// What `remind run-once` and each tick of the scheduler in `serve` do: decide (and record,
// unless a dry run), then, on a business day within the sending window, dispatch.
struct RunOutcome {
  DecideOutcome decided;
  DispatchOutcome dispatched;
  std::chrono::milliseconds decide_time{0};    // wall clock of each phase (run-once --format json, logs)
  std::chrono::milliseconds dispatch_time{0};
};
RunOutcome run_reminders(soci::session& sql, const ReminderSetup& setup, notifications::TimePoint now, bool dry_run,
                         const std::string& worker, const std::atomic<bool>* stop = nullptr);

// Every pending C-grade item of the open years (of `year` when given) with its business days
// pending and who must act: GET /api/v1/reports/pending.
std::vector<notifications::PendingItemStatus> pending_report(soci::session& sql, const ReminderSetup& setup,
                                                            std::optional<int> year, notifications::TimePoint now);

// host:pid, naming this process's claims.
std::string worker_name();

}  // namespace app
