#include "app/cli.hpp"

#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <iterator>
#include <random>
#include <pwd.h>
#include <unistd.h>

#include "api/progress_report.hpp"
#include "app/config.hpp"
#include "app/seed_files.hpp"
#include "engine/errors.hpp"
#include "engine/progress_table.hpp"
#include "model/fiscal_year.hpp"
#include "persistence/connection.hpp"
#include "persistence/database.hpp"
#include "persistence/migrator.hpp"
#include "persistence/seed.hpp"
#include "persistence/sha256.hpp"
#include "persistence/sheets.hpp"

namespace app {
namespace {

namespace json = boost::json;

struct GlobalOptions {
  std::string config_path;
  std::string log_level;
};

Config load(const GlobalOptions& g) {
  auto env = process_environment();
  std::filesystem::path path = g.config_path.empty() ? default_config_path(env) : std::filesystem::path(g.config_path);
  Config cfg = load_config(path, env);
  if (!g.log_level.empty()) cfg.log.level = g.log_level;
  spdlog::set_level(spdlog::level::from_str(cfg.log.level));
  return cfg;
}

void print_json(const json::value& v) { std::cout << json::serialize(v) << "\n"; }

// ---- config show ----------------------------------------------------------------------
int config_show(const GlobalOptions& g, const std::string& format) {
  Config cfg = load(g);
  if (format == "json") {
    print_json({{"file", cfg.file.string()},
                {"database", {{"url", persistence::mask_password(cfg.database.url)},
                              {"url_from", cfg.database.url_from},
                              {"owner_url", persistence::mask_password(cfg.database.owner_url)},
                              {"owner_url_from", cfg.database.owner_url_from},
                              {"pool_size", cfg.database.pool_size},
                              {"connect_timeout_seconds", cfg.database.connect_timeout_seconds}}},
                {"server", {{"listen", cfg.server.listen}}},
                {"log", {{"level", cfg.log.level}}},
                {"plan", {{"code", cfg.plan.code},
                          {"departments", cfg.plan.departments.string()},
                          {"plan", cfg.plan.plan.string()},
                          {"structure", cfg.plan.structure.string()}}}});
  } else {
    std::cout << describe(cfg);
  }
  return kDone;
}

std::string default_actor() {
  if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) return fmt::format("cli:{}", pw->pw_name);
  return fmt::format("cli:uid{}", ::geteuid());
}

std::string new_request_id() {
  std::random_device rd;
  return fmt::format("cli-{:08x}{:08x}", rd(), rd());
}

// ---- migrate --------------------------------------------------------------------------
int migrate(const GlobalOptions& g, const std::string& format) {
  Config cfg = load(g);
  model::PlanSeed seed = load_seed_files(cfg.plan);
  if (seed.plan.code != cfg.plan.code) {
    throw ConfigError(fmt::format("{}: plan.code is {:?} but {} describes plan {:?}", cfg.file.string(), cfg.plan.code,
                                  cfg.plan.plan.string(), seed.plan.code));
  }
  const bool two_roles = !cfg.database.owner_url.empty();
  std::optional<std::string> app_role;
  if (two_roles) app_role = persistence::role_of(cfg.database.url);

  spdlog::info("migrate: connecting to {} as the {} role", persistence::mask_password(cfg.migration_url()),
               two_roles ? "owner" : "application (one-role setup)");
  auto conn = persistence::connect_libpq(cfg.migration_url());
  auto result = persistence::migrate(conn.get(), persistence::bundled_migrations(), app_role);
  conn.reset();

  soci::session sql;
  persistence::open_session(sql, cfg.migration_url());
  auto report = persistence::apply_seed(sql, seed, default_actor(), new_request_id());

  if (format == "json") {
    json::array applied;
    for (const auto& a : result.applied) applied.emplace_back(a);
    auto counts = [](const persistence::SeedCounts& c) { return json::object{{"added", c.added}, {"changed", c.changed}}; };
    print_json({{"from_version", result.from_version},
                {"to_version", result.to_version},
                {"applied", applied},
                {"granted_to", result.granted ? json::value(*app_role) : json::value(nullptr)},
                {"seed", {{"departments", counts(report.departments)},
                          {"plan", counts(report.plan)},
                          {"structure", counts(report.structure)}}},
                {"changed", !result.applied.empty() || report.changed()}});
    return kDone;
  }
  if (result.applied.empty()) {
    std::cout << fmt::format("schema: at version {}, nothing to apply\n", result.to_version);
  } else {
    for (const auto& a : result.applied) std::cout << fmt::format("schema: applied {}\n", a);
    std::cout << fmt::format("schema: version {} -> {}\n", result.from_version, result.to_version);
  }
  if (result.granted) std::cout << fmt::format("schema: granted the application role {} its rights\n", *app_role);
  auto line = [](std::string_view what, const persistence::SeedCounts& c) {
    std::cout << fmt::format("seed: {}: {} added, {} changed\n", what, c.added, c.changed);
  };
  line("departments", report.departments);
  line("plan and grades", report.plan);
  line("plan structure", report.structure);
  if (result.applied.empty() && !report.changed()) std::cout << "nothing changed\n";
  return kDone;
}

// ---- plan show / department list --------------------------------------------------------
model::PlanSeed read_plan_from_database(const Config& cfg) {
  soci::session sql;
  persistence::open_session(sql, cfg.database.url);
  return persistence::load_plan(sql, cfg.plan.code);
}

std::string sheets_text(const std::vector<int>& sheets) {
  if (sheets.empty()) return "";
  std::string out = sheets.size() == 1 ? "  [sheet " : "  [sheets ";
  for (std::size_t i = 0; i < sheets.size(); ++i) out += (i ? ", " : "") + std::to_string(sheets[i]);
  return out + "]";
}

int plan_show(const GlobalOptions& g, const std::string& format) {
  Config cfg = load(g);
  model::PlanSeed seed = read_plan_from_database(cfg);
  const auto& p = seed.plan;
  const auto& s = seed.structure;
  if (format == "json") {
    json::array grades;
    for (const auto& gr : p.grades) {
      grades.push_back({{"code", gr.code}, {"label", gr.label}, {"results_required", gr.results_required}, {"under_study", gr.under_study}});
    }
    json::array measures;
    for (const auto& m : s.measures) {
      json::array deps, sheets;
      for (const auto& d : m.related_departments) deps.emplace_back(d);
      for (int n : m.sheets) sheets.emplace_back(n);
      json::object schedule;
      for (std::size_t k = 0; k < m.schedule.size(); ++k) {
        auto label = model::FiscalYear(p.first_year + static_cast<int>(k)).short_label();
        schedule[label] = m.schedule[k].empty() ? json::value(nullptr) : json::value(m.schedule[k]);
      }
      measures.push_back({{"id", m.id}, {"policy", m.policy_id}, {"focus", m.focus_id ? json::value(*m.focus_id) : nullptr},
                          {"number", m.number ? json::value(*m.number) : nullptr}, {"title", m.title},
                          {"plan_page", m.plan_page ? json::value(*m.plan_page) : nullptr},
                          {"related_departments", deps}, {"schedule", schedule}, {"sheets", sheets},
                          {"relisted_from", m.relisted_from ? json::value(*m.relisted_from) : nullptr}});
    }
    json::array strategies, policies, focuses;
    for (const auto& x : s.strategies) strategies.push_back({{"id", x.id}, {"label", x.label}});
    for (const auto& x : s.policies) policies.push_back({{"id", x.id}, {"strategy", x.strategy_id}, {"label", x.label}});
    for (const auto& x : s.focuses) focuses.push_back({{"id", x.id}, {"policy", x.policy_id}, {"label", x.label}});
    print_json({{"code", p.code}, {"name", p.name}, {"first_year", p.first_year}, {"last_year", p.last_year},
                {"grades", grades}, {"strategies", strategies}, {"policies", policies}, {"focuses", focuses},
                {"measures", measures}});
    return kDone;
  }
  std::cout << fmt::format("{} ({}–{}, {} departments)\n", p.name, model::FiscalYear(p.first_year).label(),
                           model::FiscalYear(p.last_year).label(), seed.departments.size());
  std::cout << "grades:";
  for (const auto& gr : p.grades) {
    std::cout << fmt::format("  {} {}{}{}", gr.code, gr.label, gr.results_required ? " (成果 required)" : "",
                             gr.under_study ? " (under study)" : "");
  }
  std::cout << "\n";
  if (s.strategies.empty()) {
    std::cout << "structure: not loaded (config [plan] structure is not set)\n";
    return kDone;
  }
  std::map<std::string, std::string> measure_title;
  for (const auto& m : s.measures) measure_title[m.id] = m.title;
  int total_sheets = 0;
  for (const auto& st : s.strategies) {
    std::cout << st.label << "\n";
    for (const auto& po : s.policies) {
      if (po.strategy_id != st.id) continue;
      std::cout << "  " << po.label << "\n";
      auto print_measures = [&](const std::optional<std::string>& focus, std::string_view indent) {
        for (const auto& m : s.measures) {
          if (m.policy_id != po.id || m.focus_id != focus) continue;
          total_sheets += static_cast<int>(m.sheets.size());
          std::string number = m.number ? std::to_string(*m.number) + " " : "";
          std::string page = m.plan_page ? fmt::format(" (p.{})", *m.plan_page) : "";
          std::string relisted = m.relisted_from ? fmt::format(" (再掲: {})", measure_title[*m.relisted_from]) : "";
          std::cout << fmt::format("{}{}{}{}{}{}\n", indent, number, m.title, page, relisted, sheets_text(m.sheets));
        }
      };
      print_measures(std::nullopt, "    ");
      for (const auto& fo : s.focuses) {
        if (fo.policy_id != po.id) continue;
        std::cout << "    " << fo.label << "\n";
        print_measures(fo.id, "      ");
      }
    }
  }
  std::cout << fmt::format("{} strategies, {} policies, {} focuses, {} measures, {} sheet numbers\n", s.strategies.size(),
                           s.policies.size(), s.focuses.size(), s.measures.size(), total_sheets);
  return kDone;
}

int department_list(const GlobalOptions& g, const std::string& format) {
  Config cfg = load(g);
  model::PlanSeed seed = read_plan_from_database(cfg);
  if (format == "json") {
    json::array out;
    for (const auto& d : seed.departments) {
      json::array aliases;
      for (const auto& a : d.aliases) aliases.emplace_back(a);
      out.push_back({{"code", d.code}, {"name", d.name}, {"kind", model::to_string(d.kind)}, {"aliases", aliases}});
    }
    print_json(out);
    return kDone;
  }
  for (const auto& d : seed.departments) {
    std::string aliases;
    for (const auto& a : d.aliases) aliases += (aliases.empty() ? "  aliases: " : ", ") + a;
    std::cout << fmt::format("{:<28} {:<8} {}{}\n", d.code, model::to_string(d.kind), d.name, aliases);
  }
  std::cout << fmt::format("{} departments\n", seed.departments.size());
  return kDone;
}

// ---- import / export ---------------------------------------------------------------------
std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw engine::DomainError(fmt::format("{}: cannot read the file", path));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

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

void add_format_option(CLI::App* cmd, std::string& format) {
  cmd->add_option("--format", format, "Output format")->check(CLI::IsMember({"text", "json"}))->default_val("text");
}

}  // namespace

int run_cli(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("shinchoku");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");

  CLI::App cli{"shinchoku (進捗): the yearly evaluation of a city's welfare plan — sheets, their workflow, "
               "and an audit trail.\nConfiguration: config/shinchoku.toml, or SHINCHOKU_CONFIG; "
               "SHINCHOKU_DATABASE_URL and SHINCHOKU_DATABASE_OWNER_URL override the database URLs.",
               "shinchoku"};
  cli.require_subcommand(1);
  GlobalOptions g;
  cli.add_option("--config", g.config_path, "Configuration file (default: SHINCHOKU_CONFIG, else config/shinchoku.toml)");
  cli.add_option("--log-level", g.log_level, "Override log.level")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));

  std::string format;
  std::function<int()> action;

  auto* config = cli.add_subcommand("config", "Inspect the configuration");
  config->require_subcommand(1);
  auto* config_show_cmd = config->add_subcommand("show", "Print the effective configuration, secrets masked");
  add_format_option(config_show_cmd, format);
  config_show_cmd->callback([&] { action = [&] { return config_show(g, format); }; });

  auto* migrate_cmd = cli.add_subcommand(
      "migrate", "Apply the schema migrations as the owner role, then load the plan's master data from config/");
  add_format_option(migrate_cmd, format);
  migrate_cmd->callback([&] { action = [&] { return migrate(g, format); }; });

  auto* plan = cli.add_subcommand("plan", "The plan's structure");
  plan->require_subcommand(1);
  auto* plan_show_cmd = plan->add_subcommand("show", "Print the plan: grades, strategies, policies, focuses, measures and sheet numbers");
  add_format_option(plan_show_cmd, format);
  plan_show_cmd->callback([&] { action = [&] { return plan_show(g, format); }; });

  auto* department = cli.add_subcommand("department", "Departments");
  department->require_subcommand(1);
  auto* department_list_cmd = department->add_subcommand("list", "List departments with their codes, kinds and aliases");
  add_format_option(department_list_cmd, format);
  department_list_cmd->callback([&] { action = [&] { return department_list(g, format); }; });

  ImportOptions import_options;
  auto* import_cmd = cli.add_subcommand(
      "import", "Load a published progress table (TSV) as a closed fiscal year: its sheets accepted, every one audited");
  import_cmd->add_option("path", import_options.path, "The table, tab-separated UTF-8 (e.g. data/honjo/…-fy2019-progress.tsv)")
      ->required();
  import_cmd->add_option("--year", import_options.year, "Fiscal year by the Gregorian year it starts in (2019 = 令和元年度)")
      ->required();
  import_cmd->add_flag("--dry-run", import_options.dry_run, "Read, check and report what would change; write nothing");
  import_cmd->add_option("--actor", import_options.actor, "Who the audit trail records (default: cli:<os user>)");
  add_format_option(import_cmd, format);
  import_cmd->callback([&] { action = [&] { return import_table(g, import_options, format); }; });

  ExportOptions export_options;
  auto* export_cmd = cli.add_subcommand("export", "Write a fiscal year's progress table: json, tsv, csv (Excel) or xlsx");
  export_cmd->add_option("--year", export_options.year, "Fiscal year by the Gregorian year it starts in (2019 = 令和元年度)")
      ->required();
  export_cmd->add_option("--format", export_options.format, "json, tsv, csv or xlsx")
      ->check(CLI::IsMember({"json", "tsv", "csv", "xlsx"}))
      ->default_val("json");
  export_cmd->add_option("-o,--output", export_options.output, "Write to FILE instead of standard output");
  export_cmd->callback([&] { action = [&] { return export_table(g, export_options); }; });

  auto* version = cli.add_subcommand("version", "Print the version and the schema version this binary carries");
  version->callback([&] {
    action = [] {
      auto migrations = persistence::bundled_migrations();
      std::cout << fmt::format("shinchoku {} (schema version {})\n", SHINCHOKU_VERSION,
                               migrations.empty() ? 0 : migrations.back().version);
      return int{kDone};
    };
  });

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = cli.exit(e);
    return code == 0 ? kDone : kUsage;
  }
  try {
    return action ? action() : kUsage;
  } catch (const ConfigError& e) {
    spdlog::error("configuration refused: {}", e.what());
    return kRefused;
  } catch (const persistence::DatabaseError& e) {
    spdlog::error("{}", e.what());
    return kRefused;
  } catch (const engine::DomainError& e) {
    spdlog::error("{}", e.what());
    return kRefused;
  } catch (const soci::soci_error& e) {
    spdlog::error("database: {}", e.what());
    return kRefused;
  } catch (const std::exception& e) {
    spdlog::error("unexpected error: {}", e.what());
    return kRefused;
  }
}

}  // namespace app
