#include "app/cli.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <soci/soci.h>

#include "cli_support.hpp"
#include "engine/errors.hpp"
#include "persistence/connection.hpp"

namespace app {

int run_cli(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("shinchoku");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");

  CLI::App cli{"shinchoku (進捗): the yearly evaluation of a city's welfare plan — sheets, their workflow, "
               "and an audit trail.\nConfiguration: config/shinchoku.toml, or SHINCHOKU_CONFIG; "
               "SHINCHOKU_DATABASE_URL and SHINCHOKU_DATABASE_OWNER_URL override the database URLs.",
               "shinchoku"};
  cli.require_subcommand(1);
  CliContext ctx;
  cli.add_option("--config", ctx.global.config_path, "Configuration file (default: SHINCHOKU_CONFIG, else config/shinchoku.toml)");
  cli.add_option("--log-level", ctx.global.log_level, "Override log.level")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));

  register_setup_commands(cli, ctx);
  register_plan_commands(cli, ctx);
  register_table_commands(cli, ctx);
  register_user_commands(cli, ctx);
  register_sheet_commands(cli, ctx);
  register_year_commands(cli, ctx);
  register_audit_commands(cli, ctx);
  register_serve_commands(cli, ctx);
  register_remind_commands(cli, ctx);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = cli.exit(e);
    return code == 0 ? kDone : kUsage;
  }
  try {
    return ctx.action ? ctx.action() : kUsage;
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
    // Only the server's message: SOCI's what() lists every bound value, which may be a secret.
    spdlog::error("database: {}", e.get_error_message());
    return kRefused;
  } catch (const std::exception& e) {
    spdlog::error("unexpected error: {}", e.what());
    return kRefused;
  }
}

}  // namespace app
