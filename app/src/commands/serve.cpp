// shinchoku serve [--listen ADDR:PORT] [--demo] [--no-reminders]; shinchoku user demo
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "../cli_support.hpp"
#include "../demo_accounts.hpp"
#include "../engine_context.hpp"
#include "../http_backend.hpp"
#include "../reminder_scheduler.hpp"
#include "../reminders.hpp"
#include "api/http_api.hpp"
#include "api/server.hpp"
#include "app/workflow_file.hpp"
#include "persistence/audit_log.hpp"
#include "persistence/database.hpp"
#include "persistence/seed.hpp"
#include "web/static_assets.hpp"

namespace app {
namespace {

struct ServeOptions {
  std::string listen;
  bool demo = false;
  bool no_reminders = false;
  std::string reminders_now;  // tests: the scheduler's clock starts at this time and runs on
};

std::pair<std::string, unsigned short> split_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  if (colon == std::string::npos || port < 0 || port > 65535) {
    throw engine::DomainError(fmt::format("--listen {:?} is not ADDRESS:PORT (e.g. 127.0.0.1:8080)", listen));
  }
  return {host, static_cast<unsigned short>(port)};
}

int demo_accounts(const GlobalOptions& g) {
  EngineContext ctx(g);
  std::vector<DemoAccount> accounts;
  const bool made = ensure_demo_accounts(ctx.sql, ctx.plan, ctx.workflow, accounts);
  if (accounts.empty()) {
    std::cout << "the database has users already: no demo accounts made\n";
  } else {
    std::cout << (made ? "demo accounts made (for trying shinchoku out; not for real use):\n" : "demo accounts (made earlier):\n")
              << describe_demo_accounts(accounts);
  }
  return kDone;
}

int serve(const GlobalOptions& g, const ServeOptions& o) {
  EngineContext ctx(g);
  const auto& s = ctx.cfg.server;
  auto [host, port] = split_listen(o.listen.empty() ? s.listen : o.listen);
  std::vector<DemoAccount> accounts;
  if (o.demo) ensure_demo_accounts(ctx.sql, ctx.plan, ctx.workflow, accounts);
  ctx.sql.close();

  SessionPool pool(ctx.cfg.database.url, ctx.cfg.database.pool_size, std::chrono::milliseconds(s.pool_wait_ms),
                   ctx.cfg.database.connect_timeout_seconds);
  // The reminders' rules and calendar: for the pending items report, and the scheduler's ticks.
  const ReminderSetup reminder_setup(ctx.cfg, ctx.workflow, ctx.grades);
  BackendSettings backend_settings{{s.login_max_failures, s.login_window_seconds, s.login_block_seconds},
                                   {s.address_max_failures, s.login_window_seconds, s.login_block_seconds},
                                   s.session_idle_seconds,
                                   ctx.rules(),
                                   &reminder_setup};
  PgBackend backend(pool, backend_settings);
  api::ApiSettings api_settings;
  api_settings.session_idle_seconds = s.session_idle_seconds;
  api_settings.session_lifetime_seconds = s.session_lifetime_seconds;
  api_settings.secure_cookies = s.secure_cookies;
  // The web UI: every file read now, served from memory (web/static_assets.hpp).
  web::StaticAssets ui;
  if (!ctx.cfg.web.root.empty()) {
    try {
      ui = web::StaticAssets::load(ctx.cfg.web.root);
    } catch (const web::AssetError& e) {
      throw engine::DomainError(fmt::format("web.root: {}", e.what()));
    }
    api_settings.static_files = [&ui](std::string_view path) -> std::optional<api::StaticFile> {
      const web::Asset* a = ui.find(path);
      if (a == nullptr) return std::nullopt;
      return api::StaticFile{a->body, a->content_type, a->etag};
    };
    spdlog::info("web UI: {} files, {} bytes, from {}", ui.files().size(), ui.bytes(), ui.root().string());
    if (ui.find("/index.html") == nullptr) spdlog::warn("web UI: {} has no index.html", ui.root().string());
  } else {
    spdlog::warn("web UI: no folder found (web.root): serving the API only");
  }
  api::HttpApi http_api(backend, ctx.plan, ctx.workflow, ctx.grades, ctx.rules(), api_settings);

  api::ServerLimits limits;
  limits.body_limit = static_cast<std::size_t>(s.body_limit_bytes);
  limits.header_limit = static_cast<std::size_t>(s.header_limit_bytes);
  limits.read_timeout = std::chrono::milliseconds(s.read_timeout_ms);
  limits.idle_timeout = std::chrono::milliseconds(s.idle_timeout_ms);
  limits.max_connections = s.max_connections;
  limits.worker_threads = s.worker_threads;
  api::HttpServer server(host, port, limits, [&](api::Request&& req, const api::ClientInfo& client) {
    return http_api.handle(std::move(req), client);
  });
  const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::cout << fmt::format("shinchoku is serving {} at http://{}:{}/ (API under /api/v1, health at /healthz)\n", ctx.plan.plan.name,
                           shown_host, server.port());
  if (!accounts.empty()) std::cout << "demo accounts (for trying shinchoku out; not for real use):\n" << describe_demo_accounts(accounts);
  std::cout << "Stop with Ctrl-C (SIGINT) or SIGTERM." << std::endl;
  spdlog::info("listening on {}:{}; database pool {}, worker threads {}", shown_host, server.port(), ctx.cfg.database.pool_size,
               limits.worker_threads);

  std::unique_ptr<ReminderScheduler> scheduler;
  if (ctx.cfg.reminders.enabled && !o.no_reminders) {
    SchedulerSettings ss;
    ss.database_url = ctx.cfg.database.url;
    ss.connect_timeout_seconds = ctx.cfg.database.connect_timeout_seconds;
    ss.tick = std::chrono::seconds(ctx.cfg.reminders.tick_seconds);
    if (!o.reminders_now.empty()) {
      // Time is injectable: the scheduler's clock starts at --reminders-now and runs on from there.
      const auto start = persistence::parse_time_argument(o.reminders_now);
      const auto began = std::chrono::steady_clock::now();
      ss.clock = [start, began] {
        return start + std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::steady_clock::now() - began);
      };
      spdlog::info("reminders: the scheduler's clock starts at {}", persistence::format_utc(start));
    }
    scheduler = std::make_unique<ReminderScheduler>(reminder_setup, ss, [&http_api](const RunOutcome& r) {
      http_api.metrics().count_reminders(r.decided.recorded, r.dispatched.sent);
    });
    // SIGTERM: the scheduler stops claiming at once, beside the HTTP drain, and hands back what it holds.
    server.on_shutdown([s = scheduler.get()] { s->request_stop(); });
    scheduler->start();
    spdlog::info("reminders: deciding and sending every {} s as {}", ctx.cfg.reminders.tick_seconds, ss.worker);
  } else {
    spdlog::info("reminders: the scheduler is off ({})", o.no_reminders ? "--no-reminders" : "reminders.enabled = false");
  }
  server.run(true);
  if (scheduler) {
    scheduler->request_stop();
    scheduler->join();
  }
  spdlog::info("stopped");
  return kDone;
}

}  // namespace

void register_serve_commands(CLI::App& cli, CliContext& ctx) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = cli.add_subcommand("serve", "Serve the HTTP API (and the web UI) until SIGTERM or Ctrl-C");
  cmd->add_option("--listen", o->listen, "ADDRESS:PORT to listen on (default: server.listen of the configuration; port 0: any free port)");
  cmd->add_flag("--demo", o->demo, "When the database has no users, add a demo account for every role and print them (marked DEMO)");
  cmd->add_flag("--no-reminders", o->no_reminders, "Do not decide or send reminders in this server (see [reminders] enabled)");
  cmd->add_option("--reminders-now", o->reminders_now,
                  "For tests: the reminders' clock starts at this time (RFC 3339) and runs on from there")
      ->group("");
  cmd->callback([&ctx, o] { ctx.action = [&ctx, o] { return serve(ctx.global, *o); }; });
}

// `user demo` sits among the user commands on the command line, and here beside serve in code.
void add_user_demo_command(CLI::App& user, CliContext& ctx) {
  auto* cmd = user.add_subcommand("demo", "Add demo accounts for every role when the database has no users, and print them (DEMO)");
  cmd->callback([&ctx] { ctx.action = [&ctx] { return demo_accounts(ctx.global); }; });
}

}  // namespace app
