#include "reminders.hpp"

#include <map>
#include <random>

#include <fmt/format.h>
#include <unistd.h>

#include "cli_support.hpp"
#include "notifications/delivery.hpp"
#include "persistence/reminders.hpp"
#include "persistence/users.hpp"

namespace app {

namespace {

// How long a delivery in progress may go on after SIGTERM before it is abandoned.
constexpr std::chrono::seconds kStopGrace{5};

std::chrono::minutes parse_hhmm(const std::string& t) {
  return std::chrono::minutes{std::stoi(t.substr(0, 2)) * 60 + std::stoi(t.substr(3, 2))};
}

std::optional<notifications::ClosureRule> closure_of(const Config::Reminders& r) {
  if (r.closure_start.empty()) return std::nullopt;
  notifications::ClosureRule c{static_cast<unsigned>(std::stoi(r.closure_start.substr(0, 2))),
                               static_cast<unsigned>(std::stoi(r.closure_start.substr(3, 2))),
                               static_cast<unsigned>(std::stoi(r.closure_end.substr(0, 2))),
                               static_cast<unsigned>(std::stoi(r.closure_end.substr(3, 2)))};
  c.validate();
  return c;
}

notifications::JapaneseCalendar make_calendar(const Config::Reminders& r) {
  return notifications::JapaneseCalendar(notifications::parse_holiday_exceptions(read_file(r.holidays.string()), r.holidays.string()),
                                         closure_of(r));
}

notifications::ReminderRules make_rules(const Config::Reminders& r) {
  notifications::ReminderRules rules;
  rules.first_after_business_days = r.first_after_business_days;
  rules.repeat_every_business_days = r.repeat_every_business_days;
  rules.escalate_after = r.escalate_after;
  rules.window_start = parse_hhmm(r.window_start);
  rules.window_end = parse_hhmm(r.window_end);
  rules.channels = r.channels;
  rules.validate();
  return rules;
}

std::string ymd_text(notifications::Date d) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()), static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

std::vector<notifications::SheetItem> load_items(soci::session& sql, const ReminderSetup& setup) {
  std::vector<notifications::SheetItem> items;
  for (auto& p : persistence::load_pending_sheets(sql, setup.workflow.final_state)) {
    notifications::SheetItem i{p.sheet_id, p.sheet_no, p.year, p.state, p.grade, p.previous_grade, {}, p.state_since};
    for (auto& [code, name] : p.departments) i.departments.push_back({code, name});
    items.push_back(std::move(i));
  }
  return items;
}

std::vector<notifications::Recipient> load_recipients(soci::session& sql, std::map<std::string, long long>* ids) {
  std::vector<notifications::Recipient> recipients;
  for (const auto& u : persistence::list_users(sql)) {
    notifications::Recipient r{u.login, u.display_name, u.email, u.active, {}};
    for (const auto& g : u.grants) r.grants.push_back({g.role, g.department_code});
    if (ids) (*ids)[u.login] = u.id;
    recipients.push_back(std::move(r));
  }
  return recipients;
}

}  // namespace

ReminderSetup::ReminderSetup(const Config& c, model::Workflow w, model::GradeScale g)
    : cfg(c.reminders), rules(make_rules(c.reminders)), calendar(make_calendar(c.reminders)), workflow(std::move(w)),
      grades(std::move(g)) {}

std::string worker_name() {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  return fmt::format("{}:{}", host, ::getpid());
}

DecideOutcome decide_reminders(soci::session& sql, const ReminderSetup& setup, notifications::TimePoint now, bool dry_run) {
  DecideOutcome out;
  soci::transaction tx(sql);
  persistence::lock_reminder_decisions(sql);
  const auto items = load_items(sql, setup);
  std::map<std::string, long long> ids;
  const auto recipients = load_recipients(sql, &ids);
  out.decision = notifications::decide_reminders(items, recipients, setup.workflow, setup.grades, setup.calendar, setup.rules, now);

  std::vector<persistence::NewReminder> rows;
  std::vector<std::size_t> row_of;  // row -> due index
  for (std::size_t i = 0; i < out.decision.due.size(); ++i) {
    const auto& d = out.decision.due[i];
    for (const auto& ch : d.channels) {
      rows.push_back({ids.at(d.recipient), ch, d.sheet_id, std::string(notifications::rule_name(d.rule)), d.period, d.state,
                      d.business_days_pending, d.reminder_number, d.stands_in_for});
      row_of.push_back(i);
    }
  }
  std::vector<bool> fresh(out.decision.due.size(), false);
  // Only the rows not in the outbox yet go to the INSERT: under the deciders' lock nobody else
  // records meanwhile, and a tick that finds everything recorded (every tick after the first of
  // the day) writes nothing at all.
  std::vector<persistence::NewReminder> fresh_rows;
  for (std::size_t pos : persistence::new_reminders(sql, rows)) {
    fresh[row_of[pos]] = true;
    fresh_rows.push_back(rows[pos]);
  }
  for (std::size_t i = 0; i < fresh.size(); ++i) {
    if (fresh[i]) out.fresh.push_back(out.decision.due[i]);
    else ++out.already;
  }
  if (dry_run) return out;  // rolled back: nothing written
  const auto next_day = setup.calendar.add_business_days(out.decision.day, 1);
  out.recorded = persistence::record_reminders(
      sql, fresh_rows, now, {ymd_text(out.decision.day), ymd_text(next_day), notifications::next_window_start(setup.calendar, setup.rules, now)});
  tx.commit();
  return out;
}

RunOutcome run_reminders(soci::session& sql, const ReminderSetup& setup, notifications::TimePoint now, bool dry_run,
                         const std::string& worker, const std::atomic<bool>* stop) {
  RunOutcome out;
  using ms = std::chrono::milliseconds;
  const auto t0 = std::chrono::steady_clock::now();
  out.decided = decide_reminders(sql, setup, now, dry_run);
  const auto t1 = std::chrono::steady_clock::now();
  out.decide_time = std::chrono::duration_cast<ms>(t1 - t0);
  const auto& d = out.decided.decision;
  if (!dry_run && d.business_day && d.in_window && !(stop != nullptr && stop->load())) {
    out.dispatched = dispatch_reminders(sql, setup, now, worker, 100, stop);
    out.dispatch_time = std::chrono::duration_cast<ms>(std::chrono::steady_clock::now() - t1);
  }
  return out;
}

std::vector<notifications::PendingItemStatus> pending_report(soci::session& sql, const ReminderSetup& setup,
                                                            std::optional<int> year, notifications::TimePoint now) {
  soci::transaction tx(sql);  // one snapshot of the sheets and the users
  auto items = load_items(sql, setup);
  if (year) std::erase_if(items, [&](const notifications::SheetItem& i) { return i.year != *year; });
  const auto recipients = load_recipients(sql, nullptr);
  tx.commit();
  return notifications::pending_items(items, recipients, setup.workflow, setup.grades, setup.calendar, setup.rules, now);
}

DispatchOutcome dispatch_reminders(soci::session& sql, const ReminderSetup& setup, notifications::TimePoint now,
                                   const std::string& worker, int max_rounds, const std::atomic<bool>* stop) {
  DispatchOutcome out;
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  notifications::MessageOptions options{setup.cfg.web_base_url, setup.cfg.smtp.from};
  const notifications::SmtpSettings smtp{setup.cfg.smtp.url, setup.cfg.smtp.from, setup.cfg.smtp.starttls, setup.cfg.smtp.username,
                                         setup.cfg.smtp.password, setup.cfg.smtp.timeout_seconds};
  const notifications::WebhookSettings hook{setup.cfg.webhook.url, setup.cfg.webhook.secret, setup.cfg.webhook.timeout_seconds};
  auto stopping = [&] { return stop != nullptr && stop->load(); };
  // SIGTERM while a message is on its way: it has kStopGrace to finish, then it is abandoned and
  // its rows handed back with the rest (the 10 s shutdown must hold whatever the SMTP timeout).
  const notifications::Cancel cancel{stop, kStopGrace};
  bool cancelled = false;
  for (int round = 0; round < max_rounds && !stopping() && !cancelled; ++round) {
    const auto claimed = persistence::claim_reminders(sql, worker, now, setup.cfg.lease_seconds, 20);
    if (claimed.empty()) break;
    std::size_t i = 0;
    while (i < claimed.size()) {
      if (stopping()) {
        // Stopping (SIGTERM): what this worker still holds goes back for another to claim.
        out.released += persistence::release_reminder_claims(sql, worker);
        break;
      }
      std::size_t j = i;
      while (j < claimed.size() && claimed[j].recipient_id == claimed[i].recipient_id && claimed[j].channel == claimed[i].channel &&
             claimed[j].digest_day == claimed[i].digest_day) {
        ++j;
      }
      notifications::Digest digest{claimed[i].login, claimed[i].display_name, claimed[i].email, claimed[i].digest_day, {}};
      std::vector<long long> row_ids;
      int attempts = 0;
      for (std::size_t k = i; k < j; ++k) {
        const auto& c = claimed[k];
        auto label = setup.workflow.state_labels.find(c.sheet_state);
        digest.items.push_back({c.id, c.sheet_id, c.sheet_no, c.year, c.sheet_state,
                                label == setup.workflow.state_labels.end() ? c.sheet_state : label->second, c.grade, c.departments,
                                c.measure, c.business_days_pending, c.rule, c.stands_in_for});
        row_ids.push_back(c.id);
        attempts = std::max(attempts, c.attempts);
      }
      const std::string channel = claimed[i].channel;
      ++out.digests;
      const std::string message_id = notifications::digest_message_id(digest, options);
      try {
        std::vector<persistence::InboxMessage> inbox;
        if (channel == "email") {
          if (!digest.email) throw notifications::DeliveryError(fmt::format("{} has no email address", digest.login));
          if (smtp.url.empty()) throw notifications::DeliveryError("reminders.smtp.url is not set");
          notifications::send_email(smtp, *digest.email, notifications::render_email(digest, options, now), cancel);
        } else if (channel == "webhook") {
          if (hook.url.empty()) throw notifications::DeliveryError("reminders.webhook.url is not set");
          notifications::post_webhook(hook, notifications::webhook_body(digest, options), notifications::digest_key(digest), cancel);
        } else {
          for (const auto& item : digest.items) {
            auto t = notifications::inbox_text(item, options);
            inbox.push_back({item.outbox_id, std::move(t.title), std::move(t.body)});
          }
        }
        persistence::mark_reminders_sent(sql, row_ids, worker, message_id, now, inbox);
        ++out.sent;
      } catch (const notifications::DeliveryCancelled& e) {
        // Not a failed attempt: these rows and the others this worker holds go back.
        out.released += persistence::release_reminder_claims(sql, worker);
        out.errors.push_back(e.what());
        cancelled = true;
        break;
      } catch (const notifications::DeliveryError& e) {
        const auto delay = notifications::retry_delay(attempts, std::chrono::seconds(setup.cfg.backoff_seconds),
                                                      std::chrono::seconds(setup.cfg.backoff_max_seconds), unit(rng));
        const auto dead = persistence::mark_reminders_failed(sql, row_ids, worker, e.what(), now + delay, setup.cfg.max_attempts);
        ++out.failed;
        out.dead_rows += static_cast<int>(dead.size());
        out.errors.push_back(e.what());
      }
      i = j;
    }
  }
  return out;
}

}  // namespace app
