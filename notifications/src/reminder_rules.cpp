#include "notifications/reminder_rules.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <tuple>

#include <fmt/format.h>

namespace notifications {

namespace {

const std::vector<std::string_view> kChannels = {"email", "webhook", "inbox"};

bool holds(const Recipient& r, std::string_view role, const std::optional<std::string>& department) {
  for (const auto& g : r.grants) {
    if (g.role == role && g.department_code == department) return true;
  }
  return false;
}

// Who must act on a pending item: the users of each next role (per department when the role is
// departmental); a department or role with nobody active falls to the coordinators, marked.
struct Acting {
  Acting(const std::vector<Recipient>& recipients, const ReminderRules& rules) {
    for (const auto& r : recipients) {
      if (r.active) active.push_back(&r);
    }
    coordinators = users_with(rules.coordinator_role, std::nullopt);
  }
  std::vector<const Recipient*> users_with(std::string_view role, const std::optional<std::string>& department) const {
    std::vector<const Recipient*> found;
    for (const auto* r : active) {
      if (holds(*r, role, department)) found.push_back(r);
    }
    return found;
  }
  using Targets = std::vector<std::pair<const Recipient*, std::optional<std::string>>>;  // recipient, stands in for
  std::pair<Targets, std::vector<CoverageGap>> who_must_act(const SheetItem& item, const model::Workflow& workflow) const {
    Targets targets;
    std::vector<CoverageGap> gaps;
    auto add_target = [&](const Recipient* r, std::optional<std::string> stands_in) {
      for (const auto& t : targets) {
        if (t.first == r) return;
      }
      targets.emplace_back(r, std::move(stands_in));
    };
    auto role_it = workflow.next_roles.find(item.state);
    if (role_it == workflow.next_roles.end()) return {targets, gaps};
    for (const auto& role : role_it->second) {
      std::vector<std::optional<std::string>> scopes;
      if (workflow.is_departmental(role)) {
        for (const auto& d : item.departments) scopes.emplace_back(d.code);
      } else {
        scopes.emplace_back(std::nullopt);
      }
      for (const auto& scope : scopes) {
        const auto users = users_with(role, scope);
        if (!users.empty()) {
          for (const auto* u : users) add_target(u, std::nullopt);
          continue;
        }
        gaps.push_back({item.sheet_id, item.sheet_no, item.year, role, scope, !coordinators.empty()});
        const std::string label = scope ? fmt::format("{}@{}", role, *scope) : role;
        for (const auto* c : coordinators) add_target(c, label);
      }
    }
    return {targets, gaps};
  }
  std::vector<const Recipient*> active;
  std::vector<const Recipient*> coordinators;
};

}  // namespace

void ReminderRules::validate() const {
  if (first_after_business_days < 1) throw std::invalid_argument("first_after_business_days must be at least 1");
  if (repeat_every_business_days < 1) throw std::invalid_argument("repeat_every_business_days must be at least 1");
  if (escalate_after < 0) throw std::invalid_argument("escalate_after must be 0 (never) or more");
  if (window_start < std::chrono::minutes{0} || window_end > std::chrono::minutes{24 * 60} || window_start >= window_end) {
    throw std::invalid_argument("the sending window must start before it ends, within one day");
  }
  if (channels.empty()) throw std::invalid_argument("at least one channel is needed");
  std::set<std::string> seen;
  for (const auto& c : channels) {
    if (std::find(kChannels.begin(), kChannels.end(), c) == kChannels.end()) {
      throw std::invalid_argument(fmt::format("unknown channel {:?} (email, webhook or inbox)", c));
    }
    if (!seen.insert(c).second) throw std::invalid_argument(fmt::format("channel {:?} named twice", c));
  }
}

std::string_view rule_name(ReminderRule rule) {
  switch (rule) {
    case ReminderRule::first: return "first";
    case ReminderRule::repeat: return "repeat";
    case ReminderRule::escalation: return "escalation";
  }
  return "?";
}

std::optional<ReminderRule> parse_rule(std::string_view name) {
  for (auto r : {ReminderRule::first, ReminderRule::repeat, ReminderRule::escalation}) {
    if (rule_name(r) == name) return r;
  }
  return std::nullopt;
}

bool is_pending(const SheetItem& item, const model::Workflow& workflow, const model::GradeScale& grades) {
  if (item.state == workflow.final_state) return false;
  if (item.grade) return grades.under_study(*item.grade);
  return item.previous_grade && grades.under_study(*item.previous_grade);
}

ReminderDecision decide_reminders(const std::vector<SheetItem>& items, const std::vector<Recipient>& recipients,
                                  const model::Workflow& workflow, const model::GradeScale& grades,
                                  const JapaneseCalendar& calendar, const ReminderRules& rules, TimePoint now) {
  ReminderDecision out;
  out.day = jst_date(now);
  out.business_day = calendar.is_business_day(out.day);
  const auto tod = jst_time_of_day(now);
  out.in_window = tod >= rules.window_start && tod < rules.window_end;

  const Acting acting(recipients, rules);

  for (const auto& item : items) {
    if (!is_pending(item, workflow, grades)) continue;
    ++out.pending_items;
    const Date entered = jst_date(item.state_since);
    if (entered > out.day) continue;
    const int b = calendar.business_days_between(entered, out.day);

    const auto [targets, item_gaps] = acting.who_must_act(item, workflow);
    out.gaps.insert(out.gaps.end(), item_gaps.begin(), item_gaps.end());
    const auto& coordinators = acting.coordinators;
    auto channels_for = [&](const Recipient& r) {
      std::vector<std::string> c;
      for (const auto& ch : rules.channels) {
        if (ch == "email" && (!r.email || r.email->empty())) continue;
        c.push_back(ch);
      }
      return c;
    };

    if (b < rules.first_after_business_days) continue;
    const int number = (b - rules.first_after_business_days) / rules.repeat_every_business_days + 1;
    const std::string period = fmt::format(
        "{}@{}#{}", item.state,
        std::chrono::duration_cast<std::chrono::seconds>(item.state_since.time_since_epoch()).count(), number);
    auto make = [&](const Recipient& r, ReminderRule rule, std::optional<std::string> stands_in) {
      DueReminder d;
      d.recipient = r.login;
      d.channels = channels_for(r);
      d.sheet_id = item.sheet_id;
      d.sheet_no = item.sheet_no;
      d.year = item.year;
      d.state = item.state;
      d.grade = item.grade;
      d.departments = item.departments;
      d.state_since = item.state_since;
      d.business_days_pending = b;
      d.reminder_number = number;
      d.rule = rule;
      d.period = period;
      d.stands_in_for = std::move(stands_in);
      return d;
    };
    for (const auto& [r, stands_in] : targets) {
      out.due.push_back(make(*r, number == 1 ? ReminderRule::first : ReminderRule::repeat, stands_in));
    }
    if (rules.escalate_after > 0 && number > rules.escalate_after) {
      for (const auto* c : coordinators) {
        bool already = false;
        for (const auto& t : targets) already = already || t.first == c;
        if (!already) out.due.push_back(make(*c, ReminderRule::escalation, std::nullopt));
      }
    }
  }

  if (!out.business_day || !out.in_window) out.due.clear();
  std::sort(out.due.begin(), out.due.end(), [](const DueReminder& a, const DueReminder& b) {
    return std::tie(a.recipient, a.year, a.sheet_no, a.rule) < std::tie(b.recipient, b.year, b.sheet_no, b.rule);
  });
  return out;
}

std::map<std::string, std::vector<const DueReminder*>> digests(const std::vector<DueReminder>& due) {
  std::map<std::string, std::vector<const DueReminder*>> out;
  for (const auto& d : due) out[d.recipient].push_back(&d);
  return out;
}

std::vector<PendingItemStatus> pending_items(const std::vector<SheetItem>& items, const std::vector<Recipient>& recipients,
                                            const model::Workflow& workflow, const model::GradeScale& grades,
                                            const JapaneseCalendar& calendar, const ReminderRules& rules, TimePoint now) {
  std::vector<PendingItemStatus> out;
  const Acting acting(recipients, rules);
  const Date today = jst_date(now);
  for (const auto& item : items) {
    if (!is_pending(item, workflow, grades)) continue;
    PendingItemStatus s;
    s.item = item;
    const Date entered = jst_date(item.state_since);
    s.business_days_pending = entered > today ? 0 : calendar.business_days_between(entered, today);
    if (auto it = workflow.next_roles.find(item.state); it != workflow.next_roles.end()) s.roles = it->second;
    auto [targets, gaps] = acting.who_must_act(item, workflow);
    for (const auto& [r, stands_in] : targets) s.must_act.push_back({r->login, stands_in});
    s.gaps = std::move(gaps);
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const PendingItemStatus& a, const PendingItemStatus& b) {
    return std::tie(b.business_days_pending, a.item.year, a.item.sheet_no) < std::tie(a.business_days_pending, b.item.year, b.item.sheet_no);
  });
  return out;
}

TimePoint next_window_start(const JapaneseCalendar& calendar, const ReminderRules& rules, TimePoint now) {
  const Date next = calendar.add_business_days(jst_date(now), 1);
  return jst_start_of_day(next) + rules.window_start;
}

}  // namespace notifications
