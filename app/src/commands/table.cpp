// shinchoku import | export: the published progress table in and out
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "../cli_support.hpp"
#include <fstream>
#include <memory>
#include <unistd.h>

#include "api/progress_report.hpp"
#include "engine/errors.hpp"
#include "engine/progress_table.hpp"
#include "model/fiscal_year.hpp"
#include "persistence/database.hpp"
#include "persistence/seed.hpp"
#include "persistence/sha256.hpp"
#include "persistence/sheets.hpp"

namespace app {
namespace {

namespace json = boost::json;

struct ImportOptions {
  std::string path;
  int year = 0;
  bool dry_run = false;
  std::string actor;
};

int import_table(const GlobalOptions& g, const ImportOptions& o, const std::string& format) {
  Config cfg = load(g);
  const std::string bytes = read_file(o.path);
  soci::session sql;
  persistence::open_session(sql, cfg.database.url);
  const model::PlanSeed plan = persistence::load_plan(sql, cfg.plan.code);
  if (o.year < plan.plan.first_year || o.year > plan.plan.last_year) {
    throw engine::DomainError(fmt::format("--year {}: the plan {} covers fiscal years {}–{}", o.year, plan.plan.name,
                                          plan.plan.first_year, plan.plan.last_year));
  }
  const engine::ParsedTable table = engine::parse_progress_table(bytes, o.path, plan, o.year);

  persistence::ImportRequest req;
  req.plan_code = cfg.plan.code;
  req.year = o.year;
  req.actor = o.actor.empty() ? default_actor() : o.actor;
  req.request_id = new_request_id();
  req.file_name = std::filesystem::path(o.path).filename().string();
  req.file_sha256 = persistence::sha256_hex(bytes);
  for (const auto& g2 : plan.plan.grades) req.grade_counts[g2.code] = 0;
  for (const auto& p : table.sheets) {
    req.sheets.push_back(p.sheet);
    if (p.sheet.grade) ++req.grade_counts[*p.sheet.grade];
  }
  req.skipped_lines = table.skipped();
  req.warnings = static_cast<int>(table.warnings.size());
  req.dry_run = o.dry_run;
  spdlog::info("import: {} ({} sheets, sha256 {}) for {} by {}, request {}", o.path, req.sheets.size(), req.file_sha256,
               o.year, req.actor, req.request_id);
  const auto outcome = persistence::import_year(sql, req);

  if (format == "json") {
    json::array warnings;
    for (const auto& w : table.warnings) warnings.push_back({{"line", w.line}, {"message", w.message}});
    json::object grades;
    for (const auto& g2 : plan.plan.grades) grades[g2.code] = req.grade_counts[g2.code];
    print_json({{"file", o.path}, {"sha256", req.file_sha256}, {"year", o.year}, {"dry_run", o.dry_run},
                {"changed", outcome.changed}, {"sheets", req.sheets.size()}, {"grades", grades},
                {"skipped_lines", {{"total", table.skipped()}, {"blank", table.blank_lines}, {"legend", table.legend_lines},
                                   {"header", table.header_lines}, {"other", table.other_lines}}},
                {"warnings", warnings},
                {"import_id", outcome.import_id ? json::value(*outcome.import_id) : json::value(nullptr)}});
    return kDone;
  }
  for (const auto& w : table.warnings) std::cout << fmt::format("{}:{}: warning: {}\n", o.path, w.line, w.message);
  const std::string label = model::FiscalYear(o.year).label();
  if (!outcome.changed) {
    std::cout << fmt::format("unchanged: {} ({}) already holds exactly these {} sheets; nothing written\n", label, o.year,
                             req.sheets.size());
  } else if (o.dry_run) {
    std::cout << fmt::format("dry run: would create {} ({}) as a closed year with {} accepted sheets; nothing written\n", label,
                             o.year, outcome.sheets_created);
  } else {
    std::cout << fmt::format("imported: {} ({}) created as a closed year with {} accepted sheets (import {})\n", label, o.year,
                             outcome.sheets_created, *outcome.import_id);
  }
  std::string grades;
  for (const auto& g2 : plan.plan.grades) grades += fmt::format("{}{} {}", grades.empty() ? "" : ", ", g2.code, req.grade_counts[g2.code]);
  std::cout << fmt::format("sheets: {} ({})\n", req.sheets.size(), grades);
  std::cout << fmt::format("skipped lines: {} (blank {}, legend {}, header {}, other {})\n", table.skipped(), table.blank_lines,
                           table.legend_lines, table.header_lines, table.other_lines);
  std::cout << fmt::format("warnings: {}\n", table.warnings.size());
  return kDone;
}

struct ExportOptions {
  int year = 0;
  std::string format = "json";
  std::string output;
};

int export_table(const GlobalOptions& g, const ExportOptions& o) {
  Config cfg = load(g);
  soci::session sql;
  persistence::open_session(sql, cfg.database.url);
  if (!persistence::find_fiscal_year(sql, o.year)) {
    throw engine::DomainError(fmt::format("fiscal year {} ({}) does not exist", o.year, model::FiscalYear(o.year).label()));
  }
  const model::PlanSeed plan = persistence::load_plan(sql, cfg.plan.code);
  const auto views = model::make_views(plan, persistence::load_year_sheets(sql, o.year));
  const auto report_format = *api::parse_report_format(o.format);
  const std::string bytes = api::render_progress(report_format, o.year, views);
  if (o.output.empty() || o.output == "-") {
    if (report_format == api::ReportFormat::xlsx && ::isatty(STDOUT_FILENO)) {
      throw engine::DomainError("an XLSX file is binary: write it with -o FILE");
    }
    std::cout << bytes;
    if (report_format == api::ReportFormat::json) std::cout << "\n";
    std::cout.flush();
  } else {
    // Write beside the target and rename, so that a failed export never leaves half a file.
    const std::string tmp = o.output + ".partial";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) throw engine::DomainError(fmt::format("{}: cannot write the file", o.output));
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (!out) throw engine::DomainError(fmt::format("{}: cannot write the file", o.output));
    }
    std::filesystem::rename(tmp, o.output);
    spdlog::info("export: {} sheets of {} as {} to {}", views.size(), o.year, o.format, o.output);
  }
  return kDone;
}

}  // namespace

void register_table_commands(CLI::App& cli, CliContext& ctx) {
  auto import_options = std::make_shared<ImportOptions>();
  auto* import_cmd = cli.add_subcommand(
      "import", "Load a published progress table (TSV) as a closed fiscal year: its sheets accepted, every one audited");
  import_cmd->add_option("path", import_options->path, "The table, tab-separated UTF-8 (e.g. data/honjo/…-fy2019-progress.tsv)")
      ->required();
  import_cmd->add_option("--year", import_options->year, "Fiscal year by the Gregorian year it starts in (2019 = 令和元年度)")
      ->required();
  import_cmd->add_flag("--dry-run", import_options->dry_run, "Read, check and report what would change; write nothing");
  import_cmd->add_option("--actor", import_options->actor, "Who the audit trail records (default: cli:<os user>)");
  add_format_option(import_cmd, ctx.format);
  import_cmd->callback([&ctx, import_options] { ctx.action = [&ctx, import_options] { return import_table(ctx.global, *import_options, ctx.format); }; });

  auto export_options = std::make_shared<ExportOptions>();
  auto* export_cmd = cli.add_subcommand("export", "Write a fiscal year's progress table: json, tsv, csv (Excel) or xlsx");
  export_cmd->add_option("--year", export_options->year, "Fiscal year by the Gregorian year it starts in (2019 = 令和元年度)")
      ->required();
  export_cmd->add_option("--format", export_options->format, "json, tsv, csv or xlsx")
      ->check(CLI::IsMember({"json", "tsv", "csv", "xlsx"}))
      ->default_val("json");
  export_cmd->add_option("-o,--output", export_options->output, "Write to FILE instead of standard output");
  export_cmd->callback([&ctx, export_options] { ctx.action = [&ctx, export_options] { return export_table(ctx.global, *export_options); }; });

}

}  // namespace app
