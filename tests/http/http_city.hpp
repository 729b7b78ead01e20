#pragma once
// A city behind a real `shinchoku serve`: the real Honjo configuration, FY2019 imported (74
// accepted sheets), FY2020 opened as drafts, and a user for every role and department the tests
// need — all set up through the real binary, as tests/app/cli_workflow_test.cpp does.
//
// Setting a city up (migrate, import, eight argon2 hashes, year open) takes seconds, and ctest
// runs every test in a process of its own; so the city is built once into a template database
// named after everything that decides its contents (the binary, the configuration and data
// files, this fixture's version), and every test gets a fresh copy of it (CREATE DATABASE …
// TEMPLATE, a file copy) with a server of its own on a free port.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <boost/json.hpp>
#include <boost/url.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cli_runner.hpp"
#include "http_client.hpp"
#include "openapi_validator.hpp"
#include "persistence/connection.hpp"
#include "serve_process.hpp"
#include "test_database.hpp"

namespace http_test {

namespace json = boost::json;
using testing_support::CliResult;
using testing_support::Headers;
using testing_support::HttpConnection;
using testing_support::HttpResponse;
using testing_support::ServeProcess;

inline const std::string kBinary = SHINCHOKU_BINARY;
inline const std::string kSource = SHINCHOKU_SOURCE_DIR;
inline const std::string kPassword = "a long enough passphrase";
// Bump when the users or steps below change, so that an old template is not reused.
inline constexpr int kFixtureVersion = 2;

// The users of every city: login → the grant given at `user add`.
inline const std::vector<std::pair<std::string, std::string>>& city_users() {
  static const std::vector<std::pair<std::string, std::string>> users{
      {"coord", "--role coordinator"},
      {"tanaka", "--role staff --department chiiki-fukushi"},       // 地域福祉課 staff
      {"chiiki_kacho", "--role approver --department chiiki-fukushi"},  // 地域福祉課 approver
      {"kacho", "--role approver --department kaigo-hoken"},        // 介護保険課 approver
      {"kaigo", "--role staff --department kaigo-hoken"},           // 介護保険課 staff
      {"kiki", "--role staff --department kiki-kanri"},                 // 危機管理課 staff
      {"kiki_kacho", "--role approver --department kiki-kanri"},        // 危機管理課 approver
      {"kansa", "--role auditor"},
      {"kanri", "--role admin"},
  };
  return users;
}

// Values of the [server] and [database] sections a test may change.
struct Settings {
  int session_idle_seconds = 1800;
  int session_lifetime_seconds = 43200;
  int body_limit_bytes = 65536;
  int header_limit_bytes = 8192;
  int read_timeout_ms = 3000;
  int idle_timeout_ms = 10000;
  int max_connections = 1024;
  int worker_threads = 4;
  int pool_size = 4;
  int pool_wait_ms = 2000;
  int login_max_failures = 3;
  int address_max_failures = 1000;
  int login_block_seconds = 600;
  // [reminders]: the scheduler inside serve is off unless a test turns it on; reminders go to
  // the in-app inbox only.
  bool reminders_enabled = false;
  int reminders_tick_seconds = 60;
  std::string reminders_now;  // serve --reminders-now: the scheduler's clock starts there
};

inline std::string config_text(const Settings& s) {
  return fmt::format(R"([database]
url = ""
pool_size = {pool_size}
connect_timeout_seconds = 2
[server]
listen = "127.0.0.1:8080"
body_limit_bytes = {body}
header_limit_bytes = {header}
read_timeout_ms = {read}
idle_timeout_ms = {idle}
max_connections = {max_conn}
worker_threads = {workers}
pool_wait_ms = {pool_wait}
session_idle_seconds = {session_idle}
session_lifetime_seconds = {session_life}
login_max_failures = {login_fail}
address_max_failures = {addr_fail}
login_window_seconds = 600
login_block_seconds = {block}
[log]
level = "info"
[plan]
code = "honjo-chiiki-fukushi"
departments = "{src}/config/honjo/departments.toml"
plan = "{src}/config/honjo/plan.toml"
structure = "{src}/config/honjo/structure.toml"
[workflow]
definition = "{src}/config/workflows/default.toml"
[reminders]
enabled = {rem_enabled}
tick_seconds = {rem_tick}
holidays = "{src}/config/holidays/exceptions.tsv"
channels = "inbox"
)",
                     fmt::arg("pool_size", s.pool_size), fmt::arg("body", s.body_limit_bytes), fmt::arg("header", s.header_limit_bytes),
                     fmt::arg("read", s.read_timeout_ms), fmt::arg("idle", s.idle_timeout_ms), fmt::arg("max_conn", s.max_connections),
                     fmt::arg("workers", s.worker_threads),
                     fmt::arg("pool_wait", s.pool_wait_ms), fmt::arg("session_idle", s.session_idle_seconds),
                     fmt::arg("session_life", s.session_lifetime_seconds), fmt::arg("login_fail", s.login_max_failures),
                     fmt::arg("addr_fail", s.address_max_failures), fmt::arg("block", s.login_block_seconds), fmt::arg("src", kSource),
                     fmt::arg("rem_enabled", s.reminders_enabled), fmt::arg("rem_tick", s.reminders_tick_seconds));
}

inline std::string owner_base() { return persistence::to_keyvalue_conninfo(testing_support::required_env("SHINCHOKU_DATABASE_OWNER_URL")); }
inline std::string app_base() { return persistence::to_keyvalue_conninfo(testing_support::required_env("SHINCHOKU_DATABASE_URL")); }

inline std::filesystem::path temp_file(const std::string& stem, const std::string& ext) {
  static std::atomic<int> counter{0};
  return std::filesystem::temp_directory_path() / fmt::format("shinchoku-http-{}-{}-{}{}", stem, ::getpid(), counter++, ext);
}

inline CliResult run_cli(const std::string& args, const std::string& db_name, const std::filesystem::path& config) {
  // Through sh -c, so that `args` may redirect stdin (run_shell appends </dev/null after it).
  return testing_support::run_shell("sh -c " + testing_support::shell_quote(kBinary + " " + args), {{"SHINCHOKU_DATABASE_URL", app_base() + " dbname=" + db_name},
                                                           {"SHINCHOKU_DATABASE_OWNER_URL", owner_base() + " dbname=" + db_name},
                                                           {"SHINCHOKU_CONFIG", config.string()}});
}

inline void must(const CliResult& r, const std::string& what) {
  if (r.exit_code != 0) throw std::runtime_error(fmt::format("{} failed ({}): {}{}", what, r.exit_code, r.out, r.err));
}

// The name of the city template for this binary and these files, built when missing.
inline std::string city_template() {
  static const std::string name = [] {
    std::string key = fmt::format("v{}|", kFixtureVersion);
    const std::filesystem::path bin(kBinary);
    key += fmt::format("{}|{}|", std::filesystem::file_size(bin), std::filesystem::last_write_time(bin).time_since_epoch().count());
    for (const char* f : {"config/honjo/departments.toml", "config/honjo/plan.toml", "config/honjo/structure.toml",
                          "config/workflows/default.toml", "data/honjo/honjo-welfare-plan-fy2019-progress.tsv"}) {
      key += testing_support::slurp(std::filesystem::path(kSource) / f);
    }
    const std::string family = fmt::format("shinchoku_httpcity_{}", std::hash<std::string>{}(kBinary) % 1000000);
    const std::string tmpl = fmt::format("{}_{}", family, std::hash<std::string>{}(key) % 1000000000000ULL);
    auto admin = persistence::connect_libpq(owner_base() + " dbname=postgres");
    persistence::exec(admin.get(), "SELECT pg_advisory_lock(7433005)", "lock city template");
    struct Unlock {
      PGconn* c;
      ~Unlock() { PQclear(PQexec(c, "SELECT pg_advisory_unlock(7433005)")); }
    } unlock{admin.get()};
    PGresult* r = PQexec(admin.get(), fmt::format("SELECT datname FROM pg_database WHERE datname LIKE '{}\\_%'", family).c_str());
    bool exists = false;
    std::vector<std::string> stale;
    for (int i = 0; i < PQntuples(r); ++i) {
      std::string n = PQgetvalue(r, i, 0);
      if (n == tmpl) exists = true;
      else stale.push_back(n);
    }
    PQclear(r);
    // Templates of an earlier build of this same binary are of no more use.
    for (const auto& n : stale) PQclear(PQexec(admin.get(), fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", n).c_str()));
    if (exists) return tmpl;
    const std::string building = "shinchoku_httpcity_building";
    persistence::exec(admin.get(), fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", building), "drop half-built city");
    persistence::exec(admin.get(), fmt::format("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'", building), "create city");
    {
      auto conn = persistence::connect_libpq(owner_base() + " dbname=" + building);
      persistence::exec(conn.get(), "ALTER SCHEMA public OWNER TO CURRENT_USER", "own schema public");
    }
    const auto config = temp_file("setup", ".toml");
    std::ofstream(config) << config_text({});
    const auto pw = temp_file("pw", ".txt");
    std::ofstream(pw) << kPassword << "\n";
    try {
      must(run_cli("migrate", building, config), "migrate");
      must(run_cli("import " + kSource + "/data/honjo/honjo-welfare-plan-fy2019-progress.tsv --year 2019", building, config), "import");
      for (const auto& [login, grant] : city_users()) {
        must(run_cli(fmt::format("user add {} {} --password-stdin <{}", login, grant, pw.string()), building, config), "user add " + login);
      }
      must(run_cli("year open 2020 --actor coord", building, config), "year open");
    } catch (...) {
      std::filesystem::remove(config);
      std::filesystem::remove(pw);
      throw;
    }
    std::filesystem::remove(config);
    std::filesystem::remove(pw);
    persistence::exec(admin.get(), fmt::format("ALTER DATABASE {} RENAME TO {}", building, tmpl), "name city template");
    return tmpl;
  }();
  return name;
}

class City {
 public:
  explicit City(Settings settings = {}) : settings_(settings) {
    static std::atomic<int> counter{0};
    db_name_ = fmt::format("shinchoku_h_{}_{}", ::getpid(), counter++);
    const std::string tmpl = city_template();
    {
      auto admin = persistence::connect_libpq(owner_base() + " dbname=postgres");
      persistence::exec(admin.get(), fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", db_name_), "drop city copy");
      persistence::exec(admin.get(), "SELECT pg_advisory_lock(7433005)", "lock city template");
      persistence::exec(admin.get(), fmt::format("CREATE DATABASE {} TEMPLATE {}", db_name_, tmpl), "copy city");
      persistence::exec(admin.get(), "SELECT pg_advisory_unlock(7433005)", "unlock city template");
    }
    config_ = temp_file("city", ".toml");
    std::ofstream(config_) << config_text(settings_);
    server_ = start_server();
  }

  ~City() {
    server_.reset();
    std::error_code ec;
    std::filesystem::remove(config_, ec);
    try {
      auto admin = persistence::connect_libpq(owner_base() + " dbname=postgres");
      persistence::exec(admin.get(), fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", db_name_), "drop city copy");
    } catch (...) {
    }
  }
  City(const City&) = delete;
  City& operator=(const City&) = delete;

  std::string app_url() const { return app_base() + " dbname=" + db_name_; }
  std::string owner_url() const { return owner_base() + " dbname=" + db_name_; }
  const std::string& db_name() const { return db_name_; }
  const std::filesystem::path& config() const { return config_; }

  // Another `shinchoku serve` on the same database and configuration (or another database URL).
  std::unique_ptr<ServeProcess> start_server(std::optional<std::string> database_url = std::nullopt,
                                            const std::vector<std::string>& more_args = {}) const {
    std::vector<std::string> args{"serve", "--listen", "127.0.0.1:0"};
    if (!settings_.reminders_now.empty()) args.insert(args.end(), {"--reminders-now", settings_.reminders_now});
    args.insert(args.end(), more_args.begin(), more_args.end());
    return std::make_unique<ServeProcess>(kBinary, args,
                                          std::map<std::string, std::string>{{"SHINCHOKU_DATABASE_URL", database_url.value_or(app_url())},
                                                                             {"SHINCHOKU_CONFIG", config_.string()}});
  }
  ServeProcess& server() { return *server_; }
  unsigned short port() const { return server_->port(); }
  // The server's log, for failure messages.
  std::string log() const { return server_ ? server_->log() : std::string(); }

  CliResult cli(const std::string& args) const { return run_cli(args, db_name_, config_); }

  // ---- HTTP

  HttpResponse call(const std::string& method, const std::string& target, const std::string& body = {}, Headers headers = {},
                    std::optional<unsigned short> port = std::nullopt) const {
    auto r = testing_support::http_request(port.value_or(this->port()), method, target, body, headers);
    check_against_openapi(method, target, r);
    return r;
  }
  // Every response the tests see must be one api/openapi.json describes (issue 5): the path,
  // the method, the status and the body's schema. Unknown paths, 405 and 431 have no operation.
  static void check_against_openapi(const std::string& method, const std::string& target, const HttpResponse& r) {
    static const testing_support::OpenApi openapi(testing_support::slurp(kSource + "/api/openapi.json"));
    const std::string path = target.substr(0, target.find('?'));
    if (!openapi.path_template(path) || r.status == 405 || r.status == 431) return;
    std::string m = method;
    for (auto& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (m == "HEAD") return;
    const auto problems = openapi.check(m, target, static_cast<unsigned>(r.status), r.header("Content-Type"), r.body);
    std::string joined;
    for (const auto& p : problems) joined += p + "\n";
    EXPECT_TRUE(problems.empty()) << m << " " << target << " " << r.status << " does not match api/openapi.json:\n"
                                  << joined << r.body.substr(0, 400);
  }
  static Headers bearer(const std::string& token, Headers more = {}) {
    more.emplace_back("Authorization", "Bearer " + token);
    return more;
  }

  HttpResponse login_response(const std::string& login, const std::string& password = kPassword,
                              std::optional<unsigned short> port = std::nullopt) const {
    json::object body{{"login", login}, {"password", password}};
    return call("POST", "/api/v1/session", json::serialize(body), {}, port);
  }
  // A session token of `login`, logged in once per city.
  const std::string& token(const std::string& login) {
    auto it = tokens_.find(login);
    if (it != tokens_.end()) return it->second;
    auto r = login_response(login);
    if (r.status != 201) throw std::runtime_error(fmt::format("login {} failed: {} {}", login, r.status, r.body));
    return tokens_[login] = std::string(r.json().at("token").as_string());
  }

  HttpResponse get(const std::string& target, const std::string& login) { return call("GET", target, {}, bearer(token(login))); }
  HttpResponse patch(long long id, const json::object& fields, const std::string& login, long long version) {
    return call("PATCH", fmt::format("/api/v1/sheets/{}", id), json::serialize(fields),
                bearer(token(login), {{"If-Match", fmt::format("\"{}\"", version)}}));
  }
  HttpResponse act(long long id, const std::string& action, const std::string& login, long long version, const std::string& comment = {}) {
    json::object body{{"action", action}};
    if (!comment.empty()) body["comment"] = comment;
    return call("POST", fmt::format("/api/v1/sheets/{}/transitions", id), json::serialize(body),
                bearer(token(login), {{"If-Match", fmt::format("\"{}\"", version)}}));
  }

  json::object sheet(long long id, const std::string& login = "coord") {
    auto r = get(fmt::format("/api/v1/sheets/{}", id), login);
    if (r.status != 200) throw std::runtime_error(fmt::format("GET sheet {}: {} {}", id, r.status, r.body));
    return r.json().as_object();
  }
  long long version(long long id) { return sheet(id).at("version").as_int64(); }

  // The database id of sheet `no` of `year`.
  long long sheet_id(int year, int no) {
    auto r = get(fmt::format("/api/v1/sheets?year={}&sheet_no={}", year, no), "coord");
    if (r.status != 200) throw std::runtime_error(fmt::format("list sheets: {} {}", r.status, r.body));
    const auto& items = r.json().at("items").as_array();
    if (items.size() != 1) throw std::runtime_error(fmt::format("sheet {} of {}: {} items", no, year, items.size()));
    return items[0].at("id").as_int64();
  }

  // Every sheet of a year as the coordinator lists them.
  json::array all_sheets(int year) {
    json::array out;
    std::string cursor;
    for (int guard = 0; guard < 100; ++guard) {
      auto r = get(fmt::format("/api/v1/sheets?year={}&limit=200{}", year, cursor.empty() ? "" : "&cursor=" + cursor), "coord");
      if (r.status != 200) throw std::runtime_error(fmt::format("list sheets: {} {}", r.status, r.body));
      auto v = r.json();
      for (auto& s : v.at("items").as_array()) out.push_back(s);
      if (v.at("next_cursor").is_null()) break;
      cursor = std::string(v.at("next_cursor").as_string());
    }
    return out;
  }

  // Ids of FY2020 sheets whose departments include all of `with` and none of `without`.
  std::vector<long long> sheets_2020(const std::vector<std::string>& with, const std::vector<std::string>& without = {}) {
    std::vector<long long> out;
    for (const auto& s : all_sheets(2020)) {
      std::vector<std::string> deps;
      for (const auto& d : s.at("departments").as_array()) deps.emplace_back(d.as_string());
      auto has = [&](const std::string& d) { return std::find(deps.begin(), deps.end(), d) != deps.end(); };
      if (std::all_of(with.begin(), with.end(), has) && std::none_of(without.begin(), without.end(), has)) out.push_back(s.at("id").as_int64());
    }
    return out;
  }

  // Fills a draft completely as `login` (grade A and the three texts); returns the new version.
  long long fill(long long id, const std::string& login, const std::string& tag = "記入") {
    auto r = patch(id, {{"grade", "A"}, {"actions", tag + "の取組"}, {"results", tag + "の成果"}, {"next_steps", tag + "の方針"}}, login,
                   version(id));
    if (r.status != 200) throw std::runtime_error(fmt::format("fill {}: {} {}", id, r.status, r.body));
    return r.json().at("version").as_int64();
  }
  // Moves a sheet on with `action` as `login`; throws unless 200.
  long long step(long long id, const std::string& action, const std::string& login, const std::string& comment = {}) {
    auto r = act(id, action, login, version(id), comment);
    if (r.status != 200) throw std::runtime_error(fmt::format("{} {} as {}: {} {}", action, id, login, r.status, r.body));
    return r.json().at("version").as_int64();
  }

  // SQL as the owner on this city's database (inspection and sabotage only).
  void owner_exec(const std::string& sql) const {
    auto conn = persistence::connect_libpq(owner_url());
    persistence::exec(conn.get(), sql, "test SQL");
  }

 private:
  Settings settings_;
  std::string db_name_;
  std::filesystem::path config_;
  std::unique_ptr<ServeProcess> server_;
  std::map<std::string, std::string> tokens_;
};

// The JSON object of a problem+json response, checked for its shape.
inline json::object problem(const HttpResponse& r) {
  EXPECT_TRUE(r.header("Content-Type").starts_with("application/problem+json")) << r.header("Content-Type") << " " << r.body;
  auto v = r.json();
  EXPECT_TRUE(v.is_object()) << r.body;
  const auto& o = v.as_object();
  EXPECT_TRUE(o.contains("type") && o.contains("title") && o.contains("status") && o.contains("detail")) << r.body;
  if (o.contains("status")) {
    EXPECT_EQ(o.at("status").as_int64(), r.status) << r.body;
  }
  return o;
}

inline std::string field_of(const HttpResponse& r) {
  auto v = r.json();
  const auto* f = v.as_object().if_contains("field");
  return f && f->is_string() ? std::string(f->as_string()) : std::string();
}

}  // namespace http_test
