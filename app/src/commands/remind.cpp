// shinchoku remind run-once | status | retry
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "../cli_support.hpp"
#include "../engine_context.hpp"
#include "../reminders.hpp"
#include "model/fiscal_year.hpp"
#include "persistence/audit_log.hpp"
#include "persistence/reminders.hpp"

namespace app {
namespace {

namespace json = boost::json;

struct RunOptions {
  bool dry_run = false;
  std::string now;
};

std::string day_text(notifications::Date d) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()), static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}

json::object due_json(const notifications::DueReminder& d) {
  json::array channels;
  for (const auto& c : d.channels) channels.emplace_back(c);
  return {{"recipient", d.recipient},
          {"channels", std::move(channels)},
          {"sheet_no", d.sheet_no},
          {"sheet_id", d.sheet_id},
          {"year", d.year},
          {"state", d.state},
          {"business_days_pending", d.business_days_pending},
          {"rule", notifications::rule_name(d.rule)},
          {"reminder_number", d.reminder_number},
          {"stands_in_for", d.stands_in_for ? json::value(*d.stands_in_for) : json::value(nullptr)}};
}

int run_once(const GlobalOptions& g, const RunOptions& o, const std::string& format) {
  EngineContext ctx(g);
  const ReminderSetup setup(ctx.cfg, ctx.workflow, ctx.grades);
  const auto now = o.now.empty() ? std::chrono::system_clock::now() : persistence::parse_time_argument(o.now);
  const auto run = run_reminders(ctx.sql, setup, now, o.dry_run, worker_name());
  const auto& decided = run.decided;
  const auto& d = decided.decision;
  const auto& sent = run.dispatched;

  if (format == "json") {
    json::array due, gaps;
    for (const auto& r : decided.fresh) due.push_back(due_json(r));
    for (const auto& gap : d.gaps) {
      gaps.push_back({{"sheet_no", gap.sheet_no}, {"year", gap.year}, {"role", gap.role},
                      {"department", gap.department_code ? json::value(*gap.department_code) : json::value(nullptr)},
                      {"covered", gap.covered}});
    }
    json::object out{{"day", day_text(d.day)}, {"business_day", d.business_day}, {"in_window", d.in_window},
                     {"dry_run", o.dry_run}, {"pending_items", d.pending_items}, {"due", std::move(due)},
                     {"already_recorded", decided.already}, {"gaps", std::move(gaps)},
                     {"decide_ms", run.decide_time.count()}};
    if (!o.dry_run) {
      out["recorded_rows"] = decided.recorded;
      out["dispatch"] = json::object{{"digests", sent.digests}, {"sent", sent.sent}, {"failed", sent.failed}, {"dead_rows", sent.dead_rows},
                                     {"ms", run.dispatch_time.count()}};
    }
    print_json(out);
    return kDone;
  }
  if (!d.business_day) {
    std::cout << fmt::format("{} is not a business day: no reminders\n0 reminders due\n", day_text(d.day));
    return kDone;
  }
  if (!d.in_window) {
    std::cout << fmt::format("outside the sending window {}–{} JST: no reminders\n0 reminders due\n", setup.cfg.window_start,
                             setup.cfg.window_end);
    return kDone;
  }
  for (const auto& r : decided.fresh) {
    std::cout << fmt::format("{} ({})  sheet {} {} ({})  {}  {} business days pending  {}{}\n", r.recipient, join(r.channels),
                             r.sheet_no, model::FiscalYear(r.year).short_label(), r.year, r.state, r.business_days_pending,
                             notifications::rule_name(r.rule),
                             r.stands_in_for ? fmt::format(" (instead of {})", *r.stands_in_for) : "");
  }
  for (const auto& gap : d.gaps) {
    std::cout << fmt::format("gap: sheet {} ({}) has no active {}{}: {}\n", gap.sheet_no, gap.year, gap.role,
                             gap.department_code ? " for " + *gap.department_code : "",
                             gap.covered ? "the coordinators are reminded instead" : "NOBODY is reminded");
  }
  std::cout << fmt::format("{} reminders due{}\n", decided.fresh.size(),
                           decided.already ? fmt::format(" ({} more already recorded)", decided.already) : "");
  if (!o.dry_run) {
    std::cout << fmt::format("recorded {} outbox rows; {} digests: {} sent, {} failed ({} rows dead)\n", decided.recorded, sent.digests,
                             sent.sent, sent.failed, sent.dead_rows);
    for (const auto& e : sent.errors) std::cerr << "delivery failed: " << e << "\n";
  }
  return kDone;
}

int status(const GlobalOptions& g, const std::string& format) {
  EngineContext ctx(g);
  const auto c = persistence::reminder_counts(ctx.sql);
  if (format == "json") {
    print_json({{"pending", c.pending}, {"retrying", c.retrying}, {"sending", c.sending}, {"sent", c.sent}, {"dead", c.dead}});
    return kDone;
  }
  std::cout << fmt::format("pending {}\nretrying {}\nsending {}\nsent {}\ndead {}\n", c.pending, c.retrying, c.sending, c.sent, c.dead);
  return kDone;
}

int retry(const GlobalOptions& g, long long id, bool dead, const std::string& now) {
  EngineContext ctx(g);
  if ((id > 0) == dead) throw engine::DomainError("name one outbox row ID or --dead");
  const auto ids = persistence::requeue_reminders(ctx.sql, id > 0 ? std::optional<long long>(id) : std::nullopt, dead,
                                                  now.empty() ? std::chrono::system_clock::now() : persistence::parse_time_argument(now),
                                                  default_actor());
  if (id > 0 && ids.empty()) throw engine::DomainError(fmt::format("outbox row {} is not dead or waiting (or does not exist)", id));
  std::cout << fmt::format("requeued {} reminders\n", ids.size());
  return kDone;
}

}  // namespace

void register_remind_commands(CLI::App& cli, CliContext& ctx) {
  auto* remind = cli.add_subcommand("remind", "Reminders for pending C-grade items: decide and send, status, retry");
  remind->require_subcommand(1);

  auto run_o = std::make_shared<RunOptions>();
  auto* run = remind->add_subcommand("run-once", "Decide the reminders due now, record them in the outbox and deliver them");
  run->add_flag("--dry-run", run_o->dry_run, "List what is due and not yet recorded; write and send nothing");
  run->add_option("--now", run_o->now, "Decide as at this time (RFC 3339; a bare date is 00:00 JST)");
  add_format_option(run, ctx.format);
  run->callback([&ctx, run_o] { ctx.action = [&ctx, run_o] { return run_once(ctx.global, *run_o, ctx.format); }; });

  auto* st = remind->add_subcommand("status", "Outbox counts: pending, retrying, sending, sent, dead");
  add_format_option(st, ctx.format);
  st->callback([&ctx] { ctx.action = [&ctx] { return status(ctx.global, ctx.format); }; });

  auto id = std::make_shared<long long>(0);
  auto dead = std::make_shared<bool>(false);
  auto* re = remind->add_subcommand("retry", "Requeue one outbox row by ID, or every dead row with --dead");
  re->add_option("id", *id, "The outbox row's id");
  re->add_flag("--dead", *dead, "Every dead row");
  auto re_now = std::make_shared<std::string>();
  re->add_option("--now", *re_now, "Due again from this time (RFC 3339; default: now)");
  re->callback([&ctx, id, dead, re_now] { ctx.action = [&ctx, id, dead, re_now] { return retry(ctx.global, *id, *dead, *re_now); }; });
}

}  // namespace app
