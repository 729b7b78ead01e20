#pragma once
// config/shinchoku.toml, overridden by the environment (DESIGN.md §5).
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace app {

// A refusal of the configuration: the message names the file, the key and the reason.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads one environment variable; injectable so tests need not touch the process environment.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;
Environment process_environment();

struct Config {
  std::filesystem::path file;  // the file it was read from

  struct Database {
    std::string url;        // application role; SHINCHOKU_DATABASE_URL wins
    std::string owner_url;  // migrations; SHINCHOKU_DATABASE_OWNER_URL wins; empty: use url
    int pool_size = 4;
    int connect_timeout_seconds = 5;
    std::string url_from = "file";        // "file" or the environment variable's name
    std::string owner_url_from = "file";
  } database;

  struct Server {
    std::string listen = "127.0.0.1:8080";
    bool secure_cookies = false;
    int body_limit_bytes = 1048576;
    int header_limit_bytes = 16384;
    int read_timeout_ms = 10000;
    int idle_timeout_ms = 60000;
    int max_connections = 2048;
    int worker_threads = 8;
    int pool_wait_ms = 2000;
    int session_idle_seconds = 1800;
    int session_lifetime_seconds = 43200;
    int login_max_failures = 5;
    int login_window_seconds = 900;
    int login_block_seconds = 900;
    int address_max_failures = 50;
  } server;

  struct Log {
    std::string level = "info";
  } log;

  struct Plan {
    std::string code;                       // the plan this server runs
    std::filesystem::path departments;      // absolute, resolved against the config file's folder
    std::filesystem::path plan;
    std::filesystem::path structure;        // optional: empty when not configured
  } plan;

  struct Workflow {
    std::filesystem::path definition;  // absolute, resolved against the config file's folder; checked at load
    bool separation_of_duties = true;  // apply the definition's [[separation]] rules
  } workflow;

  // [reminders] (issue 6): the rules of notifications/reminder_rules.hpp, the calendar's
  // year-end closure and holiday exceptions, the dispatcher's retries, and the channels.
  struct Reminders {
    bool enabled = true;                            // the scheduler inside `serve` (serve --no-reminders: off)
    int tick_seconds = 60;                          // how often it decides and dispatches
    int first_after_business_days = 5;
    int repeat_every_business_days = 5;
    int escalate_after = 2;                         // 0: never copy the coordinators
    std::string window_start = "09:00";             // JST
    std::string window_end = "17:00";
    std::string closure_start = "12-29";            // MM-DD; both empty: no closure
    std::string closure_end = "01-03";
    std::vector<std::string> channels{"email", "inbox"};
    std::filesystem::path holidays;                 // absolute: the special-law days (exceptions.tsv)
    std::string web_base_url = "http://127.0.0.1:8080";  // links in messages
    int max_attempts = 8;
    int backoff_seconds = 60;
    int backoff_max_seconds = 3600;
    int lease_seconds = 300;
    struct Smtp {
      std::string url;                 // smtp://host:port; empty: email is not sent (rows retry, then die)
      std::string from = "shinchoku@localhost";
      std::string starttls = "try";    // none | try | required
      std::string username;
      std::string password;            // SHINCHOKU_SMTP_PASSWORD wins
      std::string password_from = "file";
      int timeout_seconds = 30;
    } smtp;
    struct Webhook {
      std::string url;
      std::string secret;              // SHINCHOKU_WEBHOOK_SECRET wins
      std::string secret_from = "file";
      int timeout_seconds = 10;
    } webhook;
  } reminders;

  // [web] (issue 7): the folder of the web UI's files, which `serve` reads into memory at start.
  struct Web {
    std::filesystem::path root;       // absolute; empty: no UI found (serve answers the API only)
    std::string root_from = "file";   // "file", "default", or "default: none found"
  } web;

  // The URL that migrations use: the owner's, or the application's in a one-role setup.
  const std::string& migration_url() const { return database.owner_url.empty() ? database.url : database.owner_url; }
};

// Where the configuration is read from: SHINCHOKU_CONFIG, else ./config/shinchoku.toml, else
// the copy in the source tree this binary was built from.
std::filesystem::path default_config_path(const Environment& env);

// Loads and checks the file; throws ConfigError for a syntax error, an unknown key, a wrong
// type, a value out of range, or a missing required value.
Config load_config(const std::filesystem::path& file, const Environment& env);

// The effective configuration as TOML, passwords masked, with where each override came from.
std::string describe(const Config& config);

}  // namespace app
