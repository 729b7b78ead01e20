// shinchoku year open | close | reopen | status
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "../cli_support.hpp"
#include "../engine_context.hpp"
#include "model/fiscal_year.hpp"
#include "persistence/years.hpp"

namespace app {
namespace {

namespace json = boost::json;

struct YearOptions {
  std::string year;
  std::string actor;
};

persistence::YearChange change_by(const model::Grant& grant, const model::Actor& actor) {
  return {actor.login, grant.text(), new_request_id()};
}

int open_year(const GlobalOptions& g, const YearOptions& o) {
  EngineContext ctx(g);
  const int year = parse_year_option(o.year);
  auto actor = load_actor(ctx.sql, o.actor);
  auto grant = require_role(actor, {"coordinator"}, "open a fiscal year");
  auto opened = persistence::open_year(ctx.sql, year, ctx.workflow.initial_state, change_by(grant, actor));
  std::cout << fmt::format("opened {} ({}): {} sheets as {} from {}\n", model::FiscalYear(year).label(), year, opened.created,
                           ctx.workflow.initial_state, model::FiscalYear(year - 1).label());
  for (const auto& [no, why] : opened.not_carried) std::cout << fmt::format("  not carried over: sheet {} ({})\n", no, why);
  return kDone;
}

int close_year(const GlobalOptions& g, const YearOptions& o) {
  EngineContext ctx(g);
  const int year = parse_year_option(o.year);
  auto actor = load_actor(ctx.sql, o.actor);
  auto grant = require_role(actor, {"coordinator", "admin"}, "close a fiscal year");  // as over HTTP
  persistence::close_year(ctx.sql, year, ctx.workflow.final_state, change_by(grant, actor));
  std::cout << fmt::format("closed {} ({}): its sheets are read-only\n", model::FiscalYear(year).label(), year);
  return kDone;
}

int reopen_year(const GlobalOptions& g, const YearOptions& o) {
  EngineContext ctx(g);
  const int year = parse_year_option(o.year);
  auto actor = load_actor(ctx.sql, o.actor);
  auto grant = require_role(actor, {"admin"}, "reopen a fiscal year");
  persistence::reopen_year(ctx.sql, year, change_by(grant, actor));
  std::cout << fmt::format("reopened {} ({})\n", model::FiscalYear(year).label(), year);
  return kDone;
}

int year_status(const GlobalOptions& g, const YearOptions& o, const std::string& format) {
  EngineContext ctx(g);
  const int year = parse_year_option(o.year);
  auto status = persistence::year_status(ctx.sql, year);
  if (!status) throw engine::DomainError(fmt::format("fiscal year {} does not exist", year));
  if (format == "json") {
    json::object counts;
    for (const auto& [state, grades] : status->counts) {
      json::object by_grade;
      for (const auto& [grade, n] : grades) by_grade[grade.empty() ? "none" : grade] = n;
      counts[state] = by_grade;
    }
    print_json({{"year", year}, {"label", model::FiscalYear(year).label()}, {"state", status->state}, {"sheets", status->sheets},
                {"retired", status->retired}, {"counts", counts}});
    return kDone;
  }
  std::cout << fmt::format("{} ({}): {}, {} sheets{}\n", model::FiscalYear(year).label(), year, status->state, status->sheets,
                           status->retired ? fmt::format(" ({} retired)", status->retired) : "");
  std::string header = fmt::format("{:<14}", "state");
  for (const auto& g2 : ctx.grades.grades()) header += fmt::format("{:>6}", g2.code);
  header += fmt::format("{:>6}{:>7}", "none", "total");
  std::cout << header << "\n";
  for (const auto& state : ctx.workflow.states) {
    auto it = status->counts.find(state);
    int total = 0;
    std::string line = fmt::format("{:<14}", state);
    for (const auto& g2 : ctx.grades.grades()) {
      int n = it == status->counts.end() ? 0 : (it->second.contains(g2.code) ? it->second.at(g2.code) : 0);
      total += n;
      line += fmt::format("{:>6}", n);
    }
    int none = it == status->counts.end() ? 0 : (it->second.contains("") ? it->second.at("") : 0);
    total += none;
    std::cout << line << fmt::format("{:>6}{:>7}\n", none, total);
  }
  return kDone;
}

}  // namespace

void register_year_commands(CLI::App& cli, CliContext& ctx) {
  auto* year = cli.add_subcommand("year", "Fiscal years: open from the year before, close when every sheet is final, status");
  year->require_subcommand(1);
  auto add = [&](const char* name, const char* help, bool needs_actor) {
    auto o = std::make_shared<YearOptions>();
    auto* cmd = year->add_subcommand(name, help);
    cmd->add_option("year", o->year, "Fiscal year: 2020, R2 or 令和2年度")->required();
    if (needs_actor) cmd->add_option("--actor", o->actor, "The user who does it (its grants decide)")->required();
    return std::pair{cmd, o};
  };
  auto [open, open_o] = add("open", "Open a fiscal year: a draft for every sheet of the year before (retired and discontinued ones stay behind)", true);
  open->callback([&ctx, o = open_o] { ctx.action = [&ctx, o] { return open_year(ctx.global, *o); }; });
  auto [close, close_o] = add("close", "Close a fiscal year when every sheet is final; it becomes read-only", true);
  close->callback([&ctx, o = close_o] { ctx.action = [&ctx, o] { return close_year(ctx.global, *o); }; });
  auto [reopen, reopen_o] = add("reopen", "Open a closed fiscal year again (admins)", true);
  reopen->callback([&ctx, o = reopen_o] { ctx.action = [&ctx, o] { return reopen_year(ctx.global, *o); }; });
  auto [status, status_o] = add("status", "Counts of the year's sheets by state and grade", false);
  add_format_option(status, ctx.format);
  status->callback([&ctx, o = status_o] { ctx.action = [&ctx, o] { return year_status(ctx.global, *o, ctx.format); }; });
}

}  // namespace app
