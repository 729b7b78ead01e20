// shinchoku sheet show | edit | act | add | retire
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "../cli_support.hpp"
#include "../engine_context.hpp"
#include "api/progress_report.hpp"
#include "api/sheet_document.hpp"
#include "model/fiscal_year.hpp"
#include "persistence/audit_log.hpp"
#include "persistence/sheet_store.hpp"
#include "persistence/sheets.hpp"

namespace app {
namespace {

namespace json = boost::json;

// How a sheet is named on the command line: --year Y --sheet N, or --id ID (DESIGN.md §5).
struct SheetOptions {
  std::string year;
  int sheet_no = 0;
  long long id = 0;
  std::string actor;
  int expect_version = 0;
  std::string comment;
  std::string as_of;
  std::string action;
  std::optional<std::string> grade, actions, results, next_steps;
  std::string measure;
  std::vector<std::string> departments;
};

void add_sheet_ref_options(CLI::App* cmd, SheetOptions& o) {
  cmd->add_option("--year", o.year, "Fiscal year: 2020, R2 or 令和2年度 (with --sheet)");
  cmd->add_option("--sheet", o.sheet_no, "Sheet number within the year (シート頁)");
  cmd->add_option("--id", o.id, "The sheet's database id, instead of --year and --sheet");
}

engine::SheetRef sheet_ref(const SheetOptions& o) {
  if (o.id > 0) return {o.id, std::nullopt, std::nullopt};
  if (o.year.empty() || o.sheet_no <= 0) throw engine::DomainError("name the sheet with --year Y --sheet N, or with --id ID");
  return {std::nullopt, parse_year_option(o.year), o.sheet_no};
}

std::string state_label(const model::Workflow& w, const std::string& state) {
  auto it = w.state_labels.find(state);
  return it == w.state_labels.end() ? state : fmt::format("{} {}", state, it->second);
}

json::object sheet_document(EngineContext& ctx, const persistence::SheetDetails& d, const std::optional<model::Actor>& actor) {
  const api::SheetData data{d.state, d.previous_grade, d.previous_next_steps};
  const auto rules = ctx.rules();
  return api::sheet_document(ctx.plan, data, rules, actor ? &*actor : nullptr);
}

void print_sheet_text(EngineContext& ctx, const json::object& doc) {
  auto str = [&](const json::value& v) { return v.is_null() ? std::string("—") : v.is_string() ? std::string(v.as_string()) : json::serialize(v); };
  const auto& m = doc.at("measure").as_object();
  const int year = static_cast<int>(doc.at("year").as_int64());
  std::cout << fmt::format("{} シート {}  [{}, version {}]{}\n", model::FiscalYear(year).label(), str(doc.at("sheet_no")),
                           state_label(ctx.workflow, std::string(doc.at("state").as_string())), str(doc.at("version")),
                           doc.contains("retired") && doc.at("retired").as_bool() ? "  (retired)" : "");
  std::cout << fmt::format("{} > {}{}\n", str(doc.at("strategy")), str(doc.at("policy")),
                           doc.at("focus").is_null() ? "" : " > " + str(doc.at("focus")));
  std::cout << fmt::format("{}{}{}\n", m.at("number").is_null() ? "" : str(m.at("number")) + " ", str(m.at("title")),
                           m.at("plan_page").is_null() ? "" : fmt::format(" (p.{})", str(m.at("plan_page"))));
  std::vector<std::string> departments;
  for (const auto& d : doc.at("departments").as_array()) departments.emplace_back(d.as_string());
  std::cout << fmt::format("主な実行課: {}\n", fmt::join(departments, " "));
  std::string grade = str(doc.at("grade"));
  if (const auto* g = ctx.grades.find(grade)) grade += " " + g->label;
  std::cout << fmt::format("自己評価: {}\n", grade);
  std::cout << fmt::format("取組内容: {}\n成果: {}\n今後の方針: {}\n", str(doc.at("actions")), str(doc.at("results")), str(doc.at("next_steps")));
  if (const auto* prev = doc.if_contains("previous"); prev && !prev->is_null()) {
    std::cout << fmt::format("前年度: 自己評価 {}、今後の方針 {}\n", str(prev->at("grade")), str(prev->at("next_steps")));
  }
  if (const auto* allowed = doc.if_contains("allowed_actions")) {
    std::vector<std::string> names;
    for (const auto& a : allowed->as_array()) names.emplace_back(a.as_string());
    std::cout << fmt::format("可能な操作: {}{}\n", names.empty() ? "なし" : fmt::format("{}", fmt::join(names, ", ")),
                             doc.at("editable").as_bool() ? " (編集可)" : "");
  }
}

int show(const GlobalOptions& g, const SheetOptions& o, const std::string& format) {
  EngineContext ctx(g);
  auto ref = sheet_ref(o);
  auto details = persistence::find_sheet(ctx.sql, ref);
  if (!details) throw engine::CommandError(engine::Refusal::not_found, "no such sheet");
  std::optional<model::Actor> actor;
  if (!o.actor.empty()) actor = load_actor(ctx.sql, o.actor);
  json::object doc;
  if (!o.as_of.empty()) {
    // The sheet as it stood then, rebuilt from its events alone.
    auto t = persistence::parse_time_argument(o.as_of);
    bool retired = false;
    model::SheetRecord r = persistence::sheet_record_as_of(ctx.sql, *details->state.sheet.id, t, &retired);
    persistence::SheetDetails then{{r, retired, true, {}}, std::nullopt, std::nullopt};
    doc = sheet_document(ctx, then, std::nullopt);
    doc.erase("previous");
    doc["as_of"] = persistence::format_utc(t);
  } else {
    doc = sheet_document(ctx, *details, actor);
  }
  if (format == "json") print_json(doc);
  else print_sheet_text(ctx, doc);
  return kDone;
}

int run_command(const GlobalOptions& g, const SheetOptions& o, const std::string& format, const engine::Command& command) {
  EngineContext ctx(g);
  auto actor = load_actor(ctx.sql, o.actor);
  persistence::PgSheetStore store(ctx.sql);
  engine::CommandService service(store, ctx.rules());
  const std::string request_id = new_request_id();
  auto decision = service.execute(sheet_ref(o), command, actor, request_id);
  spdlog::info("sheet {} of {}: {} by {} ({}), request {}", decision.after.sheet.sheet_no, decision.after.sheet.year, decision.action,
               actor.login, decision.grant_used, request_id);
  if (format == "json") {
    auto details = persistence::find_sheet(ctx.sql, {decision.after.sheet.id, std::nullopt, std::nullopt});
    print_json(sheet_document(ctx, *details, actor));
  } else if (decision.changes.empty()) {
    std::cout << fmt::format("sheet {} of {}: nothing changed (version {})\n", decision.after.sheet.sheet_no, decision.after.sheet.year,
                             decision.after.sheet.version);
  } else {
    std::vector<std::string> fields;
    for (const auto& c : decision.changes) fields.push_back(c.field);
    std::cout << fmt::format("sheet {} of {}: {} by {} as {}: {} (now {}, version {})\n", decision.after.sheet.sheet_no,
                             decision.after.sheet.year, decision.action, actor.login, decision.grant_used, fmt::join(fields, ", "),
                             decision.after.sheet.state, decision.after.sheet.version);
  }
  return kDone;
}

int edit(const GlobalOptions& g, const SheetOptions& o, const std::string& format) {
  if (!o.grade && !o.actions && !o.results && !o.next_steps) {
    throw engine::DomainError("nothing to edit: give --grade, --actions, --results or --next-steps");
  }
  engine::Command command{engine::EditFields{o.grade, o.actions, o.results, o.next_steps}, o.expect_version, std::nullopt};
  return run_command(g, o, format, command);
}

int act(const GlobalOptions& g, const SheetOptions& o, const std::string& format) {
  engine::Command command{engine::Transition{o.action}, o.expect_version,
                          o.comment.empty() ? std::nullopt : std::optional<std::string>(o.comment)};
  return run_command(g, o, format, command);
}

int add(const GlobalOptions& g, const SheetOptions& o) {
  EngineContext ctx(g);
  auto actor = load_actor(ctx.sql, o.actor);
  auto grant = require_role(actor, {"coordinator"}, "add a sheet");
  const int year = parse_year_option(o.year);
  auto [id, number] = persistence::add_sheet(ctx.sql, ctx.cfg.plan.code, year, o.measure, o.departments, o.sheet_no,
                                             ctx.workflow.initial_state, {actor.login, grant.text(), new_request_id()});
  std::cout << fmt::format("added sheet {} of {} (id {}) for measure {} as {}\n", number, year, id, o.measure, ctx.workflow.initial_state);
  return kDone;
}

int retire(const GlobalOptions& g, const SheetOptions& o) {
  EngineContext ctx(g);
  auto actor = load_actor(ctx.sql, o.actor);
  auto grant = require_role(actor, {"coordinator"}, "retire a sheet");
  if (o.comment.empty()) throw engine::DomainError("retiring a sheet needs --comment saying why");
  auto details = persistence::find_sheet(ctx.sql, sheet_ref(o));
  if (!details) throw engine::CommandError(engine::Refusal::not_found, "no such sheet");
  persistence::retire_sheet(ctx.sql, *details->state.sheet.id, o.expect_version, o.comment, {actor.login, grant.text(), new_request_id()});
  std::cout << fmt::format("retired sheet {} of {}\n", details->state.sheet.sheet_no, details->state.sheet.year);
  return kDone;
}

}  // namespace

void register_sheet_commands(CLI::App& cli, CliContext& ctx) {
  auto* sheet = cli.add_subcommand("sheet", "Sheets: show one, edit its fields, move it through the workflow, add or retire one");
  sheet->require_subcommand(1);

  auto show_o = std::make_shared<SheetOptions>();
  auto* show_cmd = sheet->add_subcommand("show", "Show a sheet as it is now, or as it stood at a past moment (--as-of)");
  add_sheet_ref_options(show_cmd, *show_o);
  show_cmd->add_option("--as-of", show_o->as_of, "RFC 3339 time, or a date (00:00 JST): rebuild the sheet from its events as it stood then");
  show_cmd->add_option("--actor", show_o->actor, "Also list the actions this user may take now");
  add_format_option(show_cmd, ctx.format);
  show_cmd->callback([&ctx, show_o] { ctx.action = [&ctx, show_o] { return show(ctx.global, *show_o, ctx.format); }; });

  auto edit_o = std::make_shared<SheetOptions>();
  auto* edit_cmd = sheet->add_subcommand("edit", "Edit a sheet's grade and texts (in the states the workflow allows)");
  add_sheet_ref_options(edit_cmd, *edit_o);
  edit_cmd->add_option("--grade", edit_o->grade, "自己評価: one of the plan's grades; \"\" clears it");
  edit_cmd->add_option("--actions", edit_o->actions, "取組内容 (what was done)");
  edit_cmd->add_option("--results", edit_o->results, "成果 (results)");
  edit_cmd->add_option("--next-steps", edit_o->next_steps, "今後の方針 (next steps)");
  edit_cmd->add_option("--expect-version", edit_o->expect_version, "The version you read: a newer one means someone else changed it")->required();
  edit_cmd->add_option("--actor", edit_o->actor, "The user who edits (its grants decide)")->required();
  add_format_option(edit_cmd, ctx.format);
  edit_cmd->callback([&ctx, edit_o] { ctx.action = [&ctx, edit_o] { return edit(ctx.global, *edit_o, ctx.format); }; });

  auto act_o = std::make_shared<SheetOptions>();
  auto* act_cmd = sheet->add_subcommand("act", "Fire a workflow action on a sheet: submit, approve, return, accept, reopen …");
  act_cmd->add_option("action", act_o->action, "An action of the workflow definition (config/workflows/)")->required();
  add_sheet_ref_options(act_cmd, *act_o);
  act_cmd->add_option("--comment", act_o->comment, "Why (required by return and reopen)");
  act_cmd->add_option("--expect-version", act_o->expect_version, "The version you read: a newer one means someone else changed it")->required();
  act_cmd->add_option("--actor", act_o->actor, "The user who acts (its grants decide)")->required();
  add_format_option(act_cmd, ctx.format);
  act_cmd->callback([&ctx, act_o] { ctx.action = [&ctx, act_o] { return act(ctx.global, *act_o, ctx.format); }; });

  auto add_o = std::make_shared<SheetOptions>();
  auto* add_cmd = sheet->add_subcommand("add", "Add a sheet for a measure and its executing departments to an open year (coordinators)");
  add_cmd->add_option("--year", add_o->year, "Fiscal year: 2020, R2 or 令和2年度")->required();
  add_cmd->add_option("--measure", add_o->measure, "The measure's id in the structure file (e.g. M10; `plan show --format json` lists them)")->required();
  add_cmd->add_option("--department", add_o->departments, "An executing department's Japanese name; repeat for several")->required();
  add_cmd->add_option("--sheet", add_o->sheet_no, "Sheet number (default: the next free one)");
  add_cmd->add_option("--actor", add_o->actor, "The coordinator who adds it")->required();
  add_cmd->callback([&ctx, add_o] { ctx.action = [&ctx, add_o] { return add(ctx.global, *add_o); }; });

  auto retire_o = std::make_shared<SheetOptions>();
  auto* retire_cmd = sheet->add_subcommand("retire", "Retire a sheet: kept for history, not carried into the next year (coordinators)");
  add_sheet_ref_options(retire_cmd, *retire_o);
  retire_cmd->add_option("--comment", retire_o->comment, "Why it is retired")->required();
  retire_cmd->add_option("--expect-version", retire_o->expect_version, "The version you read")->required();
  retire_cmd->add_option("--actor", retire_o->actor, "The coordinator who retires it")->required();
  retire_cmd->callback([&ctx, retire_o] { ctx.action = [&ctx, retire_o] { return retire(ctx.global, *retire_o); }; });
}

}  // namespace app
