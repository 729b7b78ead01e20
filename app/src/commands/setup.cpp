// shinchoku config show | migrate | version
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "../cli_support.hpp"
#include "app/seed_files.hpp"
#include "persistence/connection.hpp"
#include "persistence/database.hpp"
#include "persistence/migrator.hpp"
#include "persistence/seed.hpp"

namespace app {
namespace {

namespace json = boost::json;

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

}  // namespace

void register_setup_commands(CLI::App& cli, CliContext& ctx) {
  auto* config = cli.add_subcommand("config", "Inspect the configuration");
  config->require_subcommand(1);
  auto* config_show_cmd = config->add_subcommand("show", "Print the effective configuration, secrets masked");
  add_format_option(config_show_cmd, ctx.format);
  config_show_cmd->callback([&] { ctx.action = [&] { return config_show(ctx.global, ctx.format); }; });

  auto* migrate_cmd = cli.add_subcommand(
      "migrate", "Apply the schema migrations as the owner role, then load the plan's master data from config/");
  add_format_option(migrate_cmd, ctx.format);
  migrate_cmd->callback([&] { ctx.action = [&] { return migrate(ctx.global, ctx.format); }; });

  auto* version = cli.add_subcommand("version", "Print the version and the schema version this binary carries");
  version->callback([&] {
    ctx.action = [] {
      auto migrations = persistence::bundled_migrations();
      std::cout << fmt::format("shinchoku {} (schema version {})\n", SHINCHOKU_VERSION,
                               migrations.empty() ? 0 : migrations.back().version);
      return int{kDone};
    };
  });

}

}  // namespace app
