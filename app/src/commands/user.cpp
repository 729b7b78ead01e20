// shinchoku user …: users and their grants.
#include <algorithm>
#include <iostream>
#include <iterator>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "../cli_support.hpp"
#include "app/workflow_file.hpp"
#include "engine/errors.hpp"
#include "persistence/database.hpp"
#include "../engine_context.hpp"
#include "persistence/password.hpp"
#include "persistence/users.hpp"

namespace app {
namespace {

namespace json = boost::json;

persistence::RoleRules role_rules(const Config& cfg) { return app::role_rules(load_workflow(cfg.workflow.definition)); }

// The password from standard input: one line, its line break removed. From a terminal the
// first line is read; from a pipe or file the whole input, which must then be one line.
std::string read_password_stdin() {
  std::string text;
  if (::isatty(STDIN_FILENO)) {
    std::getline(std::cin, text);
  } else {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
    if (text.ends_with('\n')) text.pop_back();
    if (text.ends_with('\r')) text.pop_back();
    if (text.find('\n') != std::string::npos) {
      throw engine::DomainError("--password-stdin: standard input holds more than one line; give the password alone on one line");
    }
  }
  if (text.empty()) throw engine::DomainError("--password-stdin: no password on standard input");
  persistence::check_new_password(text);
  return text;
}

// The password read, checked and hashed; the plain text is overwritten before it is freed.
std::string password_hash_from_stdin() {
  std::string password = read_password_stdin();
  std::string hash = persistence::hash_password(password);
  std::fill(password.begin(), password.end(), '\0');
  return hash;
}

// Who may change users: an active admin, named with --actor. Until the first admin exists
// (a new installation) anyone with the database's URL may, so that someone can create that
// admin; the audit trail records who it was.
persistence::ChangeContext change_context(soci::session& sql, const std::string& actor) {
  const auto users = persistence::list_users(sql);
  auto is_admin = [](const persistence::User& u) {
    return u.active && std::any_of(u.grants.begin(), u.grants.end(), [](const auto& g) { return g.role == "admin"; });
  };
  if (std::any_of(users.begin(), users.end(), is_admin)) {
    auto it = std::find_if(users.begin(), users.end(), [&](const auto& u) { return u.login == actor; });
    if (actor.empty() || it == users.end() || !is_admin(*it)) {
      throw engine::DomainError(actor.empty() ? "users are managed by an admin: say who with --actor LOGIN"
                                              : fmt::format("{} may not manage users: that needs an active admin", actor));
    }
  }
  return {actor.empty() ? default_actor() : actor, new_request_id()};
}

std::string grants_text(const persistence::User& u) {
  std::string out;
  for (const auto& g : u.grants) out += (out.empty() ? "" : ", ") + g.label();
  return out.empty() ? "(none)" : out;
}

std::string describe(const persistence::UserGrant& g) {
  return g.department_name ? fmt::format("{} ({})", g.label(), *g.department_name) : g.label();
}

// Every command that changes a user: the login, the actor, and a grant where one is named.
struct ChangeOptions {
  std::string login;
  std::string actor;
  std::string role;
  std::optional<std::string> department;
};

void add_change_options(CLI::App* cmd, ChangeOptions& o) {
  cmd->add_option("login", o.login, "The user's login")->required();
  cmd->add_option("--actor", o.actor, "Who the audit trail records (default: cli:<os user>)");
}

void add_grant_options(CLI::App* cmd, ChangeOptions& o) {
  cmd->add_option("--role", o.role, "Role: staff, approver, coordinator, auditor, admin or committee")->required();
  cmd->add_option("--department", o.department,
                  "Department by code, Japanese name or alias (e.g. chiiki-fukushi or 地域福祉課); "
                  "required for staff and approver, refused for the other roles");
}

// " for 地域福祉課": the department as the command named it.
std::string for_department(const ChangeOptions& o) { return o.department ? " for " + *o.department : ""; }

struct AddOptions : ChangeOptions {
  std::optional<std::string> email;
  std::string name;
  bool password_stdin = false;
};

struct PasswdOptions : ChangeOptions {
  bool password_stdin = false;
};

int user_add(const GlobalOptions& g, const AddOptions& o) {
  Config cfg = load(g);
  const auto rules = role_rules(cfg);
  persistence::NewUser request{o.login, o.name, o.email, "", {o.role, o.department}};
  soci::session sql;
  persistence::open_session(sql, cfg.database.url);
  // Refuse what can be refused before the password is read and hashed.
  persistence::check_new_user(sql, request, rules);
  request.password_hash = password_hash_from_stdin();
  const auto change = change_context(sql, o.actor);
  const auto user = persistence::add_user(sql, request, rules, change);
  spdlog::info("user add: {} by {}, request {}", user.login, change.actor, change.request_id);
  std::cout << fmt::format("added user {} ({}) with the grant {}\n", user.login, user.display_name, describe(user.grants.front()));
  return kDone;
}

int user_grant(const GlobalOptions& g, const ChangeOptions& o) {
  Config cfg = load(g);
  soci::session sql;
  persistence::open_session(sql, cfg.database.url);
  const auto change = change_context(sql, o.actor);
  const auto user = persistence::grant_role(sql, o.login, {o.role, o.department}, role_rules(cfg), change);
  spdlog::info("user grant: {} {} by {}, request {}", user.login, o.role, change.actor, change.request_id);
  std::cout << fmt::format("granted {}{} to {}; grants now: {}\n", o.role, for_department(o), user.login, grants_text(user));
  return kDone;
}

int user_revoke(const GlobalOptions& g, const ChangeOptions& o) {
  Config cfg = load(g);
  soci::session sql;
  persistence::open_session(sql, cfg.database.url);
  const auto change = change_context(sql, o.actor);
  const auto user = persistence::revoke_role(sql, o.login, {o.role, o.department}, change);
  spdlog::info("user revoke: {} {} by {}, request {}", user.login, o.role, change.actor, change.request_id);
  std::cout << fmt::format("revoked {}{} from {}; grants now: {}\n", o.role, for_department(o), user.login, grants_text(user));
  return kDone;
}

int user_disable(const GlobalOptions& g, const ChangeOptions& o) {
  Config cfg = load(g);
  soci::session sql;
  persistence::open_session(sql, cfg.database.url);
  const auto change = change_context(sql, o.actor);
  if (!persistence::disable_user(sql, o.login, change)) {
    std::cout << fmt::format("unchanged: user {} is already disabled; nothing written\n", o.login);
    return kDone;
  }
  spdlog::info("user disable: {} by {}, request {}", o.login, change.actor, change.request_id);
  std::cout << fmt::format("disabled user {}\n", o.login);
  return kDone;
}

int user_passwd(const GlobalOptions& g, const ChangeOptions& o) {
  Config cfg = load(g);
  soci::session sql;
  persistence::open_session(sql, cfg.database.url);
  if (!persistence::find_user(sql, o.login)) throw engine::DomainError(fmt::format("user {} does not exist", o.login));
  const std::string hash = password_hash_from_stdin();
  const auto change = change_context(sql, o.actor);
  persistence::set_password(sql, o.login, hash, change);
  spdlog::info("user passwd: {} by {}, request {}", o.login, change.actor, change.request_id);
  std::cout << fmt::format("changed the password of user {}\n", o.login);
  return kDone;
}

int user_list(const GlobalOptions& g, const std::string& format) {
  Config cfg = load(g);
  soci::session sql;
  persistence::open_session(sql, cfg.database.url);
  const auto users = persistence::list_users(sql);
  if (format == "json") {
    json::array out;
    for (const auto& u : users) {
      json::array grants;
      for (const auto& gr : u.grants) {
        grants.push_back({{"role", gr.role},
                          {"department_code", gr.department_code ? json::value(*gr.department_code) : json::value(nullptr)},
                          {"department_name", gr.department_name ? json::value(*gr.department_name) : json::value(nullptr)}});
      }
      out.push_back({{"login", u.login}, {"display_name", u.display_name},
                     {"email", u.email ? json::value(*u.email) : json::value(nullptr)}, {"active", u.active},
                     {"grants", grants}});
    }
    print_json(out);
    return kDone;
  }
  for (const auto& u : users) {
    std::cout << fmt::format("{:<20} {:<8} {:<40} {}{}\n", u.login, u.active ? "active" : "disabled", grants_text(u),
                             u.display_name, u.email ? fmt::format(" <{}>", *u.email) : "");
  }
  std::cout << fmt::format("{} users\n", users.size());
  return kDone;
}

}  // namespace

void register_user_commands(CLI::App& cli, CliContext& ctx) {
  auto* user = cli.add_subcommand("user", "Users and their grants (role, department); every change is audited");
  user->require_subcommand(1);
  add_user_demo_command(*user, ctx);

  auto add_options = std::make_shared<AddOptions>();
  auto* add_cmd = user->add_subcommand(
      "add", "Add a user with a first grant; the password is read from standard input (--password-stdin)");
  add_change_options(add_cmd, *add_options);
  add_grant_options(add_cmd, *add_options);
  add_cmd->add_option("--name", add_options->name, "Display name (default: the login)");
  add_cmd->add_option("--email", add_options->email, "Email address");
  add_cmd->add_flag("--password-stdin", add_options->password_stdin,
                    "Read the password from standard input: one line, at least 12 characters")
      ->required();
  add_cmd->callback([&ctx, add_options] { ctx.action = [&ctx, add_options] { return user_add(ctx.global, *add_options); }; });

  auto grant_options = std::make_shared<ChangeOptions>();
  auto* grant_cmd = user->add_subcommand("grant", "Give a user one more grant (role, and department for staff and approver)");
  add_change_options(grant_cmd, *grant_options);
  add_grant_options(grant_cmd, *grant_options);
  grant_cmd->callback([&ctx, grant_options] { ctx.action = [&ctx, grant_options] { return user_grant(ctx.global, *grant_options); }; });

  auto revoke_options = std::make_shared<ChangeOptions>();
  auto* revoke_cmd = user->add_subcommand("revoke", "Take a grant from a user (not the last one: disable the user instead)");
  add_change_options(revoke_cmd, *revoke_options);
  add_grant_options(revoke_cmd, *revoke_options);
  revoke_cmd->callback([&ctx, revoke_options] { ctx.action = [&ctx, revoke_options] { return user_revoke(ctx.global, *revoke_options); }; });

  auto* list_cmd = user->add_subcommand("list", "List users with their status, grants, display names and email addresses");
  add_format_option(list_cmd, ctx.format);
  list_cmd->callback([&ctx] { ctx.action = [&ctx] { return user_list(ctx.global, ctx.format); }; });

  auto disable_options = std::make_shared<ChangeOptions>();
  auto* disable_cmd = user->add_subcommand("disable", "Disable a user: kept with its grants and history, but cannot log in");
  add_change_options(disable_cmd, *disable_options);
  disable_cmd->callback([&ctx, disable_options] { ctx.action = [&ctx, disable_options] { return user_disable(ctx.global, *disable_options); }; });

  auto passwd_options = std::make_shared<PasswdOptions>();
  auto* passwd_cmd = user->add_subcommand("passwd", "Set a user's password, read from standard input (--password-stdin)");
  add_change_options(passwd_cmd, *passwd_options);
  passwd_cmd->add_flag("--password-stdin", passwd_options->password_stdin, "Read the password from standard input: one line, at least 12 characters")->required();
  passwd_cmd->callback([&ctx, passwd_options] { ctx.action = [&ctx, passwd_options] { return user_passwd(ctx.global, *passwd_options); }; });
}

}  // namespace app
