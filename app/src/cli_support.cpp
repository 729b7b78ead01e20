#include "cli_support.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <random>

#include <fmt/format.h>
#include <pwd.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "engine/errors.hpp"

namespace app {

namespace json = boost::json;

Config load(const GlobalOptions& g) {
  auto env = process_environment();
  std::filesystem::path path = g.config_path.empty() ? default_config_path(env) : std::filesystem::path(g.config_path);
  Config cfg = load_config(path, env);
  if (!g.log_level.empty()) cfg.log.level = g.log_level;
  spdlog::set_level(spdlog::level::from_str(cfg.log.level));
  return cfg;
}


void print_json(const json::value& v) { std::cout << json::serialize(v) << "\n"; }

std::string default_actor() {
  if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) return fmt::format("cli:{}", pw->pw_name);
  return fmt::format("cli:uid{}", ::geteuid());
}

std::string new_request_id() {
  std::random_device rd;
  return fmt::format("cli-{:08x}{:08x}", rd(), rd());
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw engine::DomainError(fmt::format("{}: cannot read the file", path));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void add_format_option(CLI::App* cmd, std::string& format) {
  cmd->add_option("--format", format, "Output format")->check(CLI::IsMember({"text", "json"}))->default_val("text");
}

}  // namespace app
