#pragma once
// What every command of the CLI shares: global options, loading the configuration, output.
#include <functional>
#include <string>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "app/cli.hpp"
#include "app/config.hpp"

namespace app {

struct GlobalOptions {
  std::string config_path;
  std::string log_level;
};

// The state the subcommands fill in while CLI11 parses: the chosen command's action runs
// after parsing succeeded.
struct CliContext {
  GlobalOptions global;
  std::string format = "text";
  std::function<int()> action;
};

// Loads the configuration named by the options or the environment, and sets the log level.
Config load(const GlobalOptions& g);
void print_json(const boost::json::value& v);
// Who the audit trail records for a CLI command without --actor: cli:<os user>.
std::string default_actor();
std::string new_request_id();
std::string read_file(const std::string& path);
void add_format_option(CLI::App* cmd, std::string& format);

// Each group of commands registers itself; app/src/commands/<group>.cpp.
void register_setup_commands(CLI::App& cli, CliContext& ctx);
void register_plan_commands(CLI::App& cli, CliContext& ctx);
void register_table_commands(CLI::App& cli, CliContext& ctx);
void register_user_commands(CLI::App& cli, CliContext& ctx);
void register_sheet_commands(CLI::App& cli, CliContext& ctx);
void register_year_commands(CLI::App& cli, CliContext& ctx);
void register_audit_commands(CLI::App& cli, CliContext& ctx);
void register_serve_commands(CLI::App& cli, CliContext& ctx);
void register_remind_commands(CLI::App& cli, CliContext& ctx);
void add_user_demo_command(CLI::App& user, CliContext& ctx);

}  // namespace app
