#include "app/cli.hpp"

#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "app/config.hpp"
#include "app/seed_files.hpp"
#include "engine/errors.hpp"
#include "model/fiscal_year.hpp"
#include "persistence/connection.hpp"
#include "persistence/database.hpp"
#include "persistence/migrator.hpp"
#include "persistence/seed.hpp"

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
  auto report = persistence::apply_seed(sql, seed);

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
