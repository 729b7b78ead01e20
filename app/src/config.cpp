#include "app/config.hpp"

#include <cstdlib>
#include <map>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "toml_support.hpp"

#include "app/workflow_file.hpp"
#include "persistence/connection.hpp"
#include "web/static_assets.hpp"

#ifndef SHINCHOKU_SOURCE_DIR
#define SHINCHOKU_SOURCE_DIR "."
#endif

namespace app {
namespace {

enum class Kind { string, integer, boolean, table };

struct KeySpec {
  std::string_view name;
  Kind kind;
};

// Every key the file may hold. An unknown key is refused: a typo must not silently fall back
// to a default.
const std::map<std::string_view, std::vector<KeySpec>> kSchema = {
    {"", {{"database", Kind::table}, {"server", Kind::table}, {"log", Kind::table}, {"plan", Kind::table},
          {"workflow", Kind::table}, {"reminders", Kind::table}, {"web", Kind::table}}},
    {"database", {{"url", Kind::string}, {"owner_url", Kind::string}, {"pool_size", Kind::integer},
                  {"connect_timeout_seconds", Kind::integer}}},
    {"server", {{"listen", Kind::string}, {"secure_cookies", Kind::boolean}, {"body_limit_bytes", Kind::integer}, {"header_limit_bytes", Kind::integer}, {"read_timeout_ms", Kind::integer}, {"idle_timeout_ms", Kind::integer}, {"max_connections", Kind::integer}, {"worker_threads", Kind::integer}, {"pool_wait_ms", Kind::integer}, {"session_idle_seconds", Kind::integer}, {"session_lifetime_seconds", Kind::integer}, {"login_max_failures", Kind::integer}, {"login_window_seconds", Kind::integer}, {"login_block_seconds", Kind::integer}, {"address_max_failures", Kind::integer}}},
    {"log", {{"level", Kind::string}}},
    {"plan", {{"code", Kind::string}, {"departments", Kind::string}, {"plan", Kind::string}, {"structure", Kind::string}}},
    {"workflow", {{"definition", Kind::string}, {"separation_of_duties", Kind::boolean}}},
    {"reminders", {{"enabled", Kind::boolean}, {"tick_seconds", Kind::integer}, {"first_after_business_days", Kind::integer}, {"repeat_every_business_days", Kind::integer},
                   {"escalate_after", Kind::integer}, {"window_start", Kind::string}, {"window_end", Kind::string},
                   {"closure_start", Kind::string}, {"closure_end", Kind::string}, {"channels", Kind::string},
                   {"holidays", Kind::string}, {"web_base_url", Kind::string}, {"max_attempts", Kind::integer},
                   {"backoff_seconds", Kind::integer}, {"backoff_max_seconds", Kind::integer},
                   {"lease_seconds", Kind::integer}, {"smtp", Kind::table}, {"webhook", Kind::table}}},
    {"reminders.smtp", {{"url", Kind::string}, {"from", Kind::string}, {"starttls", Kind::string},
                        {"username", Kind::string}, {"password", Kind::string}, {"timeout_seconds", Kind::integer}}},
    {"reminders.webhook", {{"url", Kind::string}, {"secret", Kind::string}, {"timeout_seconds", Kind::integer}}},
    {"web", {{"root", Kind::string}}},
};

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::string: return "a string";
    case Kind::integer: return "an integer";
    case Kind::boolean: return "true or false";
    case Kind::table: return "a table";
  }
  return "?";
}

class Checker {
 public:
  explicit Checker(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const toml::node* at, std::string_view key, std::string_view reason) const {
    if (at != nullptr && at->source().begin.line > 0) {
      throw ConfigError(fmt::format("{}:{}: {}: {}", file_, at->source().begin.line, key, reason));
    }
    throw ConfigError(fmt::format("{}: {}: {}", file_, key, reason));
  }

  void check_keys(const toml::table& table, std::string_view section) const {
    const auto& allowed = kSchema.at(section);
    for (const auto& [key, value] : table) {
      std::string full = section.empty() ? std::string(key.str()) : fmt::format("{}.{}", section, key.str());
      const KeySpec* spec = nullptr;
      for (const auto& s : allowed) {
        if (s.name == key.str()) spec = &s;
      }
      if (spec == nullptr) fail(&value, full, "unknown key");
      bool ok = (spec->kind == Kind::string && value.is_string()) || (spec->kind == Kind::integer && value.is_integer()) ||
                (spec->kind == Kind::boolean && value.is_boolean()) ||
                (spec->kind == Kind::table && value.is_table());
      if (!ok) fail(&value, full, fmt::format("must be {}, not {}", kind_name(spec->kind), node_kind_name(value)));
      if (spec->kind == Kind::table) check_keys(*value.as_table(), full);
    }
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

const std::vector<std::string_view> kLogLevels = {"trace", "debug", "info", "warn", "error", "critical", "off"};

void check_listen(const Checker& c, const toml::node* at, const std::string& listen) {
  auto colon = listen.rfind(':');
  bool ok = colon != std::string::npos && colon > 0 && colon + 1 < listen.size();
  if (ok) {
    std::string port = listen.substr(colon + 1);
    ok = port.find_first_not_of("0123456789") == std::string::npos && port.size() <= 5 && std::stoi(port) > 0 &&
         std::stoi(port) <= 65535;
  }
  if (!ok) c.fail(at, "server.listen", fmt::format("{:?} is not ADDRESS:PORT (e.g. \"127.0.0.1:8080\")", listen));
}

}  // namespace

Environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

std::filesystem::path default_config_path(const Environment& env) {
  if (auto from_env = env("SHINCHOKU_CONFIG"); from_env && !from_env->empty()) return *from_env;
  std::filesystem::path local = "config/shinchoku.toml";
  if (std::filesystem::exists(local)) return std::filesystem::absolute(local);
  return std::filesystem::path(SHINCHOKU_SOURCE_DIR) / "config" / "shinchoku.toml";
}

Config load_config(const std::filesystem::path& file, const Environment& env) {
  const std::string name = file.string();
  if (!std::filesystem::exists(file)) throw ConfigError(fmt::format("{}: the configuration file does not exist", name));
  toml::table root;
  try {
    root = toml::parse_file(name);
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}:{}:{}: {}", name, e.source().begin.line, e.source().begin.column, e.description()));
  }
  Checker c(name);
  c.check_keys(root, "");

  Config cfg;
  cfg.file = std::filesystem::absolute(file);
  const auto base = cfg.file.parent_path();

  auto str = [&](std::string_view section, std::string_view key) -> std::optional<std::string> {
    if (auto v = root[section][key].value<std::string>()) return *v;
    return std::nullopt;
  };
  auto node = [&](std::string_view section, std::string_view key) { return root[section][key].node(); };
  auto integer = [&](std::string_view section, std::string_view key, int fallback, int min, int max) {
    auto v = root[section][key].value<std::int64_t>();
    if (!v) return fallback;
    if (*v < min || *v > max) {
      c.fail(node(section, key), fmt::format("{}.{}", section, key), fmt::format("{} is outside {}–{}", *v, min, max));
    }
    return static_cast<int>(*v);
  };

  // database
  cfg.database.url = str("database", "url").value_or("");
  cfg.database.owner_url = str("database", "owner_url").value_or("");
  if (auto v = env("SHINCHOKU_DATABASE_URL"); v && !v->empty()) {
    cfg.database.url = *v;
    cfg.database.url_from = "SHINCHOKU_DATABASE_URL";
  }
  if (auto v = env("SHINCHOKU_DATABASE_OWNER_URL"); v && !v->empty()) {
    cfg.database.owner_url = *v;
    cfg.database.owner_url_from = "SHINCHOKU_DATABASE_OWNER_URL";
  }
  if (cfg.database.url.empty()) {
    c.fail(node("database", "url"), "database.url",
           "is required: set it in the file or in SHINCHOKU_DATABASE_URL (scripts/pg env prints it)");
  }
  for (auto [value, key, from] : {std::tuple{&cfg.database.url, "database.url", &cfg.database.url_from},
                                  std::tuple{&cfg.database.owner_url, "database.owner_url", &cfg.database.owner_url_from}}) {
    if (value->empty()) continue;
    try {
      persistence::role_of(*value);
    } catch (const std::exception& e) {
      const toml::node* at = *from == "file" ? node("database", std::string_view(key).substr(9)) : nullptr;
      c.fail(at, *from == "file" ? key : fmt::format("{} (from {})", key, *from), e.what());
    }
  }
  cfg.database.pool_size = integer("database", "pool_size", cfg.database.pool_size, 1, 256);
  cfg.database.connect_timeout_seconds = integer("database", "connect_timeout_seconds", cfg.database.connect_timeout_seconds, 1, 300);

  // server
  if (auto v = str("server", "listen")) {
    check_listen(c, node("server", "listen"), *v);
    cfg.server.listen = *v;
  }
  cfg.server.body_limit_bytes = integer("server", "body_limit_bytes", cfg.server.body_limit_bytes, 1024, 67108864);
  cfg.server.header_limit_bytes = integer("server", "header_limit_bytes", cfg.server.header_limit_bytes, 1024, 1048576);
  cfg.server.read_timeout_ms = integer("server", "read_timeout_ms", cfg.server.read_timeout_ms, 100, 600000);
  cfg.server.idle_timeout_ms = integer("server", "idle_timeout_ms", cfg.server.idle_timeout_ms, 100, 3600000);
  cfg.server.max_connections = integer("server", "max_connections", cfg.server.max_connections, 1, 100000);
  cfg.server.worker_threads = integer("server", "worker_threads", cfg.server.worker_threads, 1, 256);
  cfg.server.pool_wait_ms = integer("server", "pool_wait_ms", cfg.server.pool_wait_ms, 1, 600000);
  cfg.server.session_idle_seconds = integer("server", "session_idle_seconds", cfg.server.session_idle_seconds, 1, 86400);
  cfg.server.session_lifetime_seconds = integer("server", "session_lifetime_seconds", cfg.server.session_lifetime_seconds, 1, 604800);
  cfg.server.login_max_failures = integer("server", "login_max_failures", cfg.server.login_max_failures, 1, 1000);
  cfg.server.login_window_seconds = integer("server", "login_window_seconds", cfg.server.login_window_seconds, 1, 86400);
  cfg.server.login_block_seconds = integer("server", "login_block_seconds", cfg.server.login_block_seconds, 1, 86400);
  cfg.server.address_max_failures = integer("server", "address_max_failures", cfg.server.address_max_failures, 1, 100000);
  if (auto v = root["server"]["secure_cookies"].value<bool>()) cfg.server.secure_cookies = *v;

  // log
  if (auto v = str("log", "level")) {
    if (std::find(kLogLevels.begin(), kLogLevels.end(), *v) == kLogLevels.end()) {
      c.fail(node("log", "level"), "log.level", fmt::format("{:?} is not one of trace, debug, info, warn, error, critical, off", *v));
    }
    cfg.log.level = *v;
  }

  // plan
  auto required_path = [&](std::string_view section, std::string_view key) {
    auto v = str(section, key);
    if (!v || v->empty()) c.fail(node(section, key), fmt::format("{}.{}", section, key), "is required");
    auto path = base / *v;
    if (!std::filesystem::exists(path)) {
      c.fail(node(section, key), fmt::format("{}.{}", section, key), fmt::format("{} does not exist", path.string()));
    }
    return path.lexically_normal();
  };
  cfg.plan.code = str("plan", "code").value_or("");
  if (cfg.plan.code.empty()) c.fail(node("plan", "code"), "plan.code", "is required");
  cfg.plan.departments = required_path("plan", "departments");
  cfg.plan.plan = required_path("plan", "plan");
  if (auto v = str("plan", "structure"); v && !v->empty()) cfg.plan.structure = required_path("plan", "structure");

  // workflow: the definition is loaded and checked here, so that a broken one stops the start
  // with its own file and line.
  cfg.workflow.definition = required_path("workflow", "definition");
  if (auto v = root["workflow"]["separation_of_duties"].value<bool>()) cfg.workflow.separation_of_duties = *v;
  load_workflow(cfg.workflow.definition);

  // reminders
  {
    auto& r = cfg.reminders;
    const toml::node_view<toml::node> rem = root["reminders"];
    auto rstr = [&](std::string_view key) -> std::optional<std::string> { return rem[key].value<std::string>(); };
    auto rnode = [&](std::string_view key) { return rem[key].node(); };
    auto rint = [&](std::string_view key, int fallback, int min, int max) {
      auto v = rem[key].value<std::int64_t>();
      if (!v) return fallback;
      if (*v < min || *v > max) c.fail(rnode(key), fmt::format("reminders.{}", key), fmt::format("{} is outside {}–{}", *v, min, max));
      return static_cast<int>(*v);
    };
    r.first_after_business_days = rint("first_after_business_days", r.first_after_business_days, 1, 250);
    r.repeat_every_business_days = rint("repeat_every_business_days", r.repeat_every_business_days, 1, 250);
    r.escalate_after = rint("escalate_after", r.escalate_after, 0, 100);
    r.max_attempts = rint("max_attempts", r.max_attempts, 1, 100);
    r.backoff_seconds = rint("backoff_seconds", r.backoff_seconds, 1, 86400);
    r.backoff_max_seconds = rint("backoff_max_seconds", r.backoff_max_seconds, 1, 604800);
    r.lease_seconds = rint("lease_seconds", r.lease_seconds, 5, 86400);
    r.tick_seconds = rint("tick_seconds", r.tick_seconds, 1, 86400);
    if (auto v = rem["enabled"].value<bool>()) r.enabled = *v;
    auto hhmm = [&](std::string_view key, std::string& into) {
      auto v = rstr(key);
      if (!v) return;
      const bool ok = v->size() == 5 && (*v)[2] == ':' && std::isdigit((*v)[0]) && std::isdigit((*v)[1]) &&
                      std::isdigit((*v)[3]) && std::isdigit((*v)[4]) &&
                      ((std::stoi(v->substr(0, 2)) < 24 && std::stoi(v->substr(3)) < 60) || *v == "24:00");
      if (!ok) c.fail(rnode(key), fmt::format("reminders.{}", key), fmt::format("{:?} is not HH:MM (JST)", *v));
      into = *v;
    };
    hhmm("window_start", r.window_start);
    hhmm("window_end", r.window_end);
    if (r.window_start >= r.window_end) c.fail(rnode("window_end"), "reminders.window_end", "must be later than window_start");
    auto mmdd = [&](std::string_view key, std::string& into) {
      auto v = rstr(key);
      if (!v) return;
      const bool ok = v->empty() || (v->size() == 5 && (*v)[2] == '-' && std::isdigit((*v)[0]) && std::isdigit((*v)[1]) &&
                                     std::isdigit((*v)[3]) && std::isdigit((*v)[4]));
      if (!ok) c.fail(rnode(key), fmt::format("reminders.{}", key), fmt::format("{:?} is not MM-DD", *v));
      into = *v;
    };
    mmdd("closure_start", r.closure_start);
    mmdd("closure_end", r.closure_end);
    if (r.closure_start.empty() != r.closure_end.empty()) {
      c.fail(rnode("closure_end"), "reminders.closure_end", "closure_start and closure_end are set together, or both empty");
    }
    if (auto v = rstr("channels")) {
      r.channels.clear();
      std::string item;
      for (char ch : *v + ",") {
        if (ch == ',') {
          if (!item.empty()) r.channels.push_back(item);
          item.clear();
        } else if (ch != ' ') {
          item += ch;
        }
      }
    }
    if (auto v = rstr("holidays")) {
      r.holidays = (base / *v).lexically_normal();
    } else {
      r.holidays = (base / "holidays" / "exceptions.tsv").lexically_normal();
    }
    if (auto v = rstr("web_base_url")) r.web_base_url = *v;
    const toml::node_view<toml::node> smtp = rem["smtp"];
    if (auto v = smtp["url"].value<std::string>()) r.smtp.url = *v;
    if (auto v = smtp["from"].value<std::string>()) r.smtp.from = *v;
    if (auto v = smtp["starttls"].value<std::string>()) {
      if (*v != "none" && *v != "try" && *v != "required") {
        c.fail(smtp["starttls"].node(), "reminders.smtp.starttls", fmt::format("{:?} is not none, try or required", *v));
      }
      r.smtp.starttls = *v;
    }
    if (auto v = smtp["username"].value<std::string>()) r.smtp.username = *v;
    if (auto v = smtp["password"].value<std::string>()) r.smtp.password = *v;
    if (auto v = env("SHINCHOKU_SMTP_PASSWORD"); v && !v->empty()) {
      r.smtp.password = *v;
      r.smtp.password_from = "SHINCHOKU_SMTP_PASSWORD";
    }
    if (auto v = smtp["timeout_seconds"].value<std::int64_t>()) {
      if (*v < 1 || *v > 600) c.fail(smtp["timeout_seconds"].node(), "reminders.smtp.timeout_seconds", fmt::format("{} is outside 1–600", *v));
      r.smtp.timeout_seconds = static_cast<int>(*v);
    }
    const toml::node_view<toml::node> hook = rem["webhook"];
    if (auto v = hook["url"].value<std::string>()) r.webhook.url = *v;
    if (auto v = hook["secret"].value<std::string>()) r.webhook.secret = *v;
    if (auto v = env("SHINCHOKU_WEBHOOK_SECRET"); v && !v->empty()) {
      r.webhook.secret = *v;
      r.webhook.secret_from = "SHINCHOKU_WEBHOOK_SECRET";
    }
    if (auto v = hook["timeout_seconds"].value<std::int64_t>()) {
      if (*v < 1 || *v > 600) c.fail(hook["timeout_seconds"].node(), "reminders.webhook.timeout_seconds", fmt::format("{} is outside 1–600", *v));
      r.webhook.timeout_seconds = static_cast<int>(*v);
    }
    for (const auto& ch : r.channels) {
      if (ch != "email" && ch != "webhook" && ch != "inbox") {
        c.fail(rnode("channels"), "reminders.channels", fmt::format("{:?} is not email, webhook or inbox", ch));
      }
    }
    if (std::find(r.channels.begin(), r.channels.end(), "webhook") != r.channels.end() && !r.webhook.url.empty() &&
        r.webhook.secret.empty()) {
      c.fail(hook["secret"].node(), "reminders.webhook.secret", "is required with a webhook url (or SHINCHOKU_WEBHOOK_SECRET)");
    }
  }
  // web: the UI's folder; unset or empty, the source tree's web/static, else the installed one.
  if (auto v = str("web", "root"); v && !v->empty()) {
    const auto root = (base / *v).lexically_normal();
    if (!std::filesystem::is_directory(root)) {
      c.fail(node("web", "root"), "web.root", fmt::format("{} is not a folder", root.string()));
    }
    cfg.web.root = root;
  } else if (auto found = web::default_root(web::current_executable())) {
    cfg.web.root = *found;
    cfg.web.root_from = "default";
  } else {
    cfg.web.root_from = "default: none found";
  }
  return cfg;
}

std::string describe(const Config& cfg) {
  auto from = [](const std::string& source) { return source == "file" ? std::string() : fmt::format("  # from {}", source); };
  std::string out = fmt::format("# effective configuration, read from {}\n", cfg.file.string());
  out += "[database]\n";
  out += fmt::format("url = {:?}{}\n", persistence::mask_password(cfg.database.url), from(cfg.database.url_from));
  out += fmt::format("owner_url = {:?}{}\n", persistence::mask_password(cfg.database.owner_url), from(cfg.database.owner_url_from));
  out += fmt::format("pool_size = {}\nconnect_timeout_seconds = {}\n", cfg.database.pool_size, cfg.database.connect_timeout_seconds);
  out += fmt::format("\n[server]\nlisten = {:?}\nsecure_cookies = {}\n", cfg.server.listen, cfg.server.secure_cookies);
  out += fmt::format("body_limit_bytes = {}\n", cfg.server.body_limit_bytes);
  out += fmt::format("header_limit_bytes = {}\n", cfg.server.header_limit_bytes);
  out += fmt::format("read_timeout_ms = {}\n", cfg.server.read_timeout_ms);
  out += fmt::format("idle_timeout_ms = {}\n", cfg.server.idle_timeout_ms);
  out += fmt::format("max_connections = {}\n", cfg.server.max_connections);
  out += fmt::format("worker_threads = {}\n", cfg.server.worker_threads);
  out += fmt::format("pool_wait_ms = {}\n", cfg.server.pool_wait_ms);
  out += fmt::format("session_idle_seconds = {}\n", cfg.server.session_idle_seconds);
  out += fmt::format("session_lifetime_seconds = {}\n", cfg.server.session_lifetime_seconds);
  out += fmt::format("login_max_failures = {}\n", cfg.server.login_max_failures);
  out += fmt::format("login_window_seconds = {}\n", cfg.server.login_window_seconds);
  out += fmt::format("login_block_seconds = {}\n", cfg.server.login_block_seconds);
  out += fmt::format("address_max_failures = {}\n", cfg.server.address_max_failures);

  out += fmt::format("\n[log]\nlevel = {:?}\n", cfg.log.level);
  out += fmt::format("\n[plan]\ncode = {:?}\ndepartments = {:?}\nplan = {:?}\nstructure = {:?}\n", cfg.plan.code,
                     cfg.plan.departments.string(), cfg.plan.plan.string(), cfg.plan.structure.string());
  out += fmt::format("\n[workflow]\ndefinition = {:?}\nseparation_of_duties = {}\n", cfg.workflow.definition.string(),
                     cfg.workflow.separation_of_duties);
  const auto& r = cfg.reminders;
  std::string channels;
  for (const auto& ch : r.channels) channels += (channels.empty() ? "" : ",") + ch;
  auto mask = [](const std::string& secret) { return secret.empty() ? std::string() : std::string("***"); };
  out += fmt::format("\n[reminders]\nenabled = {}\ntick_seconds = {}\n", r.enabled, r.tick_seconds);
  out += fmt::format("first_after_business_days = {}\nrepeat_every_business_days = {}\nescalate_after = {}\n",
                     r.first_after_business_days, r.repeat_every_business_days, r.escalate_after);
  out += fmt::format("window_start = {:?}\nwindow_end = {:?}\nclosure_start = {:?}\nclosure_end = {:?}\n", r.window_start,
                     r.window_end, r.closure_start, r.closure_end);
  out += fmt::format("channels = {:?}\nholidays = {:?}\nweb_base_url = {:?}\n", channels, r.holidays.string(), r.web_base_url);
  out += fmt::format("max_attempts = {}\nbackoff_seconds = {}\nbackoff_max_seconds = {}\nlease_seconds = {}\n", r.max_attempts,
                     r.backoff_seconds, r.backoff_max_seconds, r.lease_seconds);
  out += fmt::format("\n[reminders.smtp]\nurl = {:?}\nfrom = {:?}\nstarttls = {:?}\nusername = {:?}\npassword = {:?}{}\n",
                     r.smtp.url, r.smtp.from, r.smtp.starttls, r.smtp.username, mask(r.smtp.password), from(r.smtp.password_from));
  out += fmt::format("timeout_seconds = {}\n", r.smtp.timeout_seconds);
  out += fmt::format("\n[reminders.webhook]\nurl = {:?}\nsecret = {:?}{}\ntimeout_seconds = {}\n", r.webhook.url,
                     mask(r.webhook.secret), from(r.webhook.secret_from), r.webhook.timeout_seconds);
  out += fmt::format("\n[web]\nroot = {:?}{}\n", cfg.web.root.string(), from(cfg.web.root_from));
  return out;
}

}  // namespace app
