#pragma once
// The reminders wired together (issue 6): the pure rules (notifications/reminder_rules.hpp) fed
// from the database and recorded in the outbox in one transaction, and the dispatcher that
// claims digests, delivers them through the channels and marks them. Used by `shinchoku remind`;
// the scheduler inside `serve` will call the same two functions.
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
  std::vector<std::string> errors;
};

// Claims and delivers due digests until none is left (or `max_rounds` claims), as `worker`.
DispatchOutcome dispatch_reminders(soci::session& sql, const ReminderSetup& setup, notifications::TimePoint now,
                                   const std::string& worker, int max_rounds = 100);

// host:pid, naming this process's claims.
std::string worker_name();

}  // namespace app
