#pragma once
// Which pending C-grade items are owed a reminder, to whom, by which rule (issue 6). Pure: the
// caller passes the pending items, the users, the workflow, the grade scale, the calendar, the
// rules of the configuration and `now` (STYLE.md rule 9); nothing here reads a clock, a file or
// a database. persistence/ turns the answer into outbox rows, whose unique key (recipient,
// channel, sheet, rule, period) makes deciding the same day twice harmless.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/grade_scale.hpp"
#include "model/workflow.hpp"
#include "notifications/calendar.hpp"
#include "notifications/clock.hpp"

namespace notifications {

// [reminders] of config/shinchoku.toml.
struct ReminderRules {
  int first_after_business_days = 5;   // N: the first reminder N business days after the sheet entered its state
  int repeat_every_business_days = 5;  // M: then again every M business days while it stays there
  int escalate_after = 2;              // K: from reminder K+1 on, the coordinators get a copy; 0: never
  std::chrono::minutes window_start{9 * 60};  // JST time of day from which reminders are decided and sent
  std::chrono::minutes window_end{17 * 60};   // ... and before which
  std::vector<std::string> channels{"email", "inbox"};  // of email, webhook, inbox
  std::string coordinator_role = "coordinator";          // who gets gaps and escalations

  // Throws std::invalid_argument for N < 1, M < 1, K < 0, an empty or inverted window, an
  // unknown or repeated channel, or no channel.
  void validate() const;
};

struct DepartmentRef {
  std::string code;
  std::string name;
  bool operator==(const DepartmentRef&) const = default;
};

// A sheet of an open year that is not retired and not in the workflow's final state.
struct SheetItem {
  long long sheet_id = 0;
  int sheet_no = 0;
  int year = 0;
  std::string state;
  std::optional<std::string> grade;
  std::optional<std::string> previous_grade;  // last year's accepted grade of the same measure, carried at year open
  std::vector<DepartmentRef> departments;     // executing departments, in the sheet's order
  TimePoint state_since;                      // when it entered `state`
};

struct RecipientGrant {
  std::string role;
  std::optional<std::string> department_code;  // none for roles that act for no department
};

struct Recipient {
  std::string login;
  std::string display_name;
  std::optional<std::string> email;
  bool active = true;
  std::vector<RecipientGrant> grants;
};

enum class ReminderRule { first, repeat, escalation };
std::string_view rule_name(ReminderRule rule);                       // "first", "repeat", "escalation"
std::optional<ReminderRule> parse_rule(std::string_view name);

// Pending: not in the final state, and graded "under study" (C for Honjo), or not graded yet
// while last year's accepted grade was under study.
bool is_pending(const SheetItem& item, const model::Workflow& workflow, const model::GradeScale& grades);

struct DueReminder {
  std::string recipient;                  // login
  std::vector<std::string> channels;      // the rules' channels this recipient can get (no email without an address)
  long long sheet_id = 0;
  int sheet_no = 0;
  int year = 0;
  std::string state;
  std::optional<std::string> grade;
  std::vector<DepartmentRef> departments;
  TimePoint state_since;
  int business_days_pending = 0;
  int reminder_number = 0;                // 1 for the first, 2 for the first repeat …
  ReminderRule rule = ReminderRule::first;
  std::string period;                     // "<state>@<entered, unix seconds>#<number>": one per reminder owed
  // Set when the recipient is a coordinator standing in for a department (or role) with nobody
  // active to remind: "approver@kaigo-hoken".
  std::optional<std::string> stands_in_for;
};

// A role that should act on a pending sheet but has no active user (for the department, when the
// role is departmental). Reported, and covered by the coordinators when there are any.
struct CoverageGap {
  long long sheet_id = 0;
  int sheet_no = 0;
  int year = 0;
  std::string role;
  std::optional<std::string> department_code;
  bool covered = false;  // the coordinators got it instead
  bool operator==(const CoverageGap&) const = default;
};

struct ReminderDecision {
  Date day{};                  // today in JST
  bool business_day = false;
  bool in_window = false;      // within window_start–window_end JST
  int pending_items = 0;
  std::vector<DueReminder> due;  // by recipient, year, sheet number, rule; empty unless business_day && in_window
  std::vector<CoverageGap> gaps;
};

// The reminders owed at `now`: for each pending item b business days after it entered its
// state (counted by the calendar from the JST date it entered), reminder k = (b − N) / M + 1
// is owed once b ≥ N; its period key names k, so a day missed (the server down) is caught up
// the next business day without owing twice. The roles of workflow.next_roles[state] are
// reminded, departmental ones for the sheet's departments; a department (or a role) with no
// active user falls to the coordinators, marked and reported in `gaps`. From k > K the
// coordinators get an escalation copy (unless they are reminded as the next role already).
// Nothing is due on a day that is not a business day or outside the sending window.
ReminderDecision decide_reminders(const std::vector<SheetItem>& items, const std::vector<Recipient>& recipients,
                                  const model::Workflow& workflow, const model::GradeScale& grades,
                                  const JapaneseCalendar& calendar, const ReminderRules& rules, TimePoint now);

// Who must act on a pending item, and for how long it has waited: the coordinator's dashboard.
struct ActingRecipient {
  std::string login;
  std::optional<std::string> stands_in_for;  // as in DueReminder
};
struct PendingItemStatus {
  SheetItem item;
  int business_days_pending = 0;           // since it entered its state, to `now`'s JST date
  std::vector<std::string> roles;          // the workflow's next roles in its state
  std::vector<ActingRecipient> must_act;   // the users who must act (coordinators standing in for gaps)
  std::vector<CoverageGap> gaps;
};
// Every pending item of `items` (whatever the day or the time: no window, no thresholds), the
// longest pending first, then by year and sheet number.
std::vector<PendingItemStatus> pending_items(const std::vector<SheetItem>& items, const std::vector<Recipient>& recipients,
                                            const model::Workflow& workflow, const model::GradeScale& grades,
                                            const JapaneseCalendar& calendar, const ReminderRules& rules, TimePoint now);

// One digest per recipient per day: the due reminders grouped by recipient, in order.
std::map<std::string, std::vector<const DueReminder*>> digests(const std::vector<DueReminder>& due);

// The start of the sending window on the first business day after `now`'s JST date (for rows
// decided after a recipient's digest of the day went out).
TimePoint next_window_start(const JapaneseCalendar& calendar, const ReminderRules& rules, TimePoint now);

}  // namespace notifications
