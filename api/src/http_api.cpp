#include "api/http_api.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include <boost/url.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include "api/progress_report.hpp"
#include "api/sheet_document.hpp"
#include "engine/errors.hpp"
#include "model/fiscal_year.hpp"
#include "model/text.hpp"
#include "model/time.hpp"

namespace api {

namespace json = boost::json;
using Clock = std::chrono::system_clock;

namespace {

// A refusal on its way to becoming a problem+json response.
struct ApiError {
  http::status status;
  std::string ja;
  std::string en;
  std::optional<std::string> field;
  std::vector<std::pair<http::field, std::string>> headers;
};

[[noreturn]] void fail(http::status s, std::string ja, std::string en, std::optional<std::string> field = std::nullopt) {
  throw ApiError{s, std::move(ja), std::move(en), std::move(field), {}};
}

std::string hex(const unsigned char* p, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[p[i] >> 4]);
    out.push_back(digits[p[i] & 15]);
  }
  return out;
}

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  randombytes_buf(buf.data(), buf.size());
  return hex(buf.data(), buf.size());
}

std::string sha256_hex(std::string_view text) {
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  return hex(out, sizeof out);
}

std::string format_rfc3339(TimePoint t) {
  const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(Clock::to_time_t(secs)));
}

Response json_response(http::status status, const json::value& body, unsigned version) {
  Response res{status, version};
  res.set(http::field::content_type, "application/json; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  res.body() = json::serialize(body);
  return res;
}

Response text_response(std::string_view content_type, std::string body, unsigned version) {
  Response res{http::status::ok, version};
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  return res;
}

json::array grants_json(const model::Actor& actor) {
  json::array out;
  for (const auto& g : actor.grants) {
    json::object o{{"role", g.role}};
    o["department"] = g.department ? json::value(*g.department) : json::value(nullptr);
    o["department_code"] = g.department_code ? json::value(*g.department_code) : json::value(nullptr);
    out.push_back(std::move(o));
  }
  return out;
}

json::object user_json(const UserInfo& u) {
  return {{"login", u.login}, {"name", u.display_name}, {"grants", grants_json(u.actor)}};
}

bool is_unsafe(http::verb v) { return v != http::verb::get && v != http::verb::head && v != http::verb::options; }

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    std::string_view part = header.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return std::nullopt;
}

constexpr std::string_view kSessionCookie = "shinchoku_session";
constexpr std::string_view kCsrfCookie = "shinchoku_csrf";

// A request id from the client is kept when it is short and plain; otherwise a new one.
std::string request_id_of(const Request& req) {
  auto it = req.find("X-Request-Id");
  if (it != req.end()) {
    std::string_view v = it->value();
    const bool plain = !v.empty() && v.size() <= 128 && std::all_of(v.begin(), v.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':';
    });
    if (plain) return std::string(v);
  }
  return random_hex(16);
}

// What this server is configured with, for the UI's labels, grade choices, comment dialog and
// department filter: the workflow definition, the plan's grade scale and its departments, all
// from the objects built from config/, made once when the server starts.
json::object workflow_document(const model::PlanSeed& plan, const model::Workflow& workflow, const model::GradeScale& grades) {
  auto contains = [](const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); };
  json::array grade_items;
  for (const auto& g : grades.grades()) {
    grade_items.push_back(json::object{{"code", g.code}, {"label", g.label}, {"results_required", g.results_required},
                                       {"under_study", g.under_study}, {"discontinues", g.discontinues}});
  }
  json::array states;
  for (const auto& st : workflow.states) {
    const auto label = workflow.state_labels.find(st);
    states.push_back(json::object{{"code", st},
                                  {"label", label != workflow.state_labels.end() ? label->second : st},
                                  {"initial", st == workflow.initial_state},
                                  {"final", st == workflow.final_state},
                                  {"editable", contains(workflow.edit_states, st)}});
  }
  json::array actions;
  for (const auto& a : workflow.actions) {
    json::array from(a.from.begin(), a.from.end());
    json::array roles(a.roles.begin(), a.roles.end());
    actions.push_back(json::object{{"code", a.name},
                                   {"label", a.label.empty() ? a.name : a.label},
                                   {"from", std::move(from)},
                                   {"to", a.to},
                                   {"roles", std::move(roles)},
                                   {"comment_required", a.comment_required},
                                   {"complete_sheet_required", a.complete_sheet_required}});
  }
  json::array roles;
  for (const auto& r : workflow.roles()) {
    const auto label = workflow.role_labels.find(r);
    roles.push_back(json::object{{"code", r},
                                 {"label", label != workflow.role_labels.end() ? label->second : r},
                                 {"departmental", workflow.is_departmental(r)},
                                 {"edits", contains(workflow.edit_roles, r)}});
  }
  json::array departments;
  for (const auto& d : plan.departments) {
    departments.push_back(json::object{{"code", d.code}, {"name", d.name}, {"kind", model::to_string(d.kind)}});
  }
  json::object plan_info{{"code", plan.plan.code}, {"name", plan.plan.name}, {"first_year", plan.plan.first_year}, {"last_year", plan.plan.last_year}};
  json::object out{{"plan", std::move(plan_info)}, {"name", workflow.name}, {"initial_state", workflow.initial_state}, {"final_state", workflow.final_state},
                   {"grades", std::move(grade_items)}, {"states", std::move(states)},   {"actions", std::move(actions)},
                   {"roles", std::move(roles)},        {"departments", std::move(departments)}};
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

struct HttpApi::Impl {
  Impl(Backend& b, const model::PlanSeed& p, const model::Workflow& w, const model::GradeScale& g, engine::Rules r, ApiSettings s)
      : backend(b), plan(p), workflow(w), grades(g), rules(r), settings(std::move(s)), workflow_json(workflow_document(p, w, g)) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not start");
  }

  Backend& backend;
  const model::PlanSeed& plan;
  const model::Workflow& workflow;
  const model::GradeScale& grades;
  engine::Rules rules;
  ApiSettings settings;
  const json::object workflow_json;  // GET /api/v1/workflow: configuration, the same for every request
  Metrics metrics;

  struct Ctx {
    const Request& req;
    const ClientInfo& client;
    std::string request_id;
    TimePoint now;
    std::vector<std::string> params;  // path parameters in order
    std::map<std::string, std::string> query;
    std::optional<LiveSession> session;
    std::string token_hash;
    const model::Actor& actor() const { return session->user.actor; }
    const std::string& login() const { return session->user.login; }
  };

  enum class Auth { none, required };
  using Fn = Response (Impl::*)(Ctx&);
  struct Route {
    http::verb method;
    std::string pattern;  // segments; "{}" matches one
    std::string name;     // for metrics and the OpenAPI check: the pattern as OpenAPI spells it
    Auth auth;
    Fn fn;
    std::set<std::string> query;  // accepted query parameters
  };
  static const std::vector<Route>& route_table();

  // ---- request plumbing

  static std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> out;
    while (!path.empty()) {
      if (path.front() == '/') {
        path.remove_prefix(1);
        continue;
      }
      auto slash = path.find('/');
      out.emplace_back(path.substr(0, slash));
      if (slash == std::string_view::npos) break;
      path.remove_prefix(slash);
    }
    return out;
  }

  static bool match(const std::string& pattern, const std::vector<std::string>& segs, std::vector<std::string>& params) {
    auto pat = split_path(pattern);
    if (pat.size() != segs.size()) return false;
    std::vector<std::string> found;
    for (std::size_t i = 0; i < pat.size(); ++i) {
      if (pat[i].front() == '{') found.push_back(segs[i]);
      else if (pat[i] != segs[i]) return false;
    }
    params = std::move(found);
    return true;
  }

  Response handle(Request&& req, const ClientInfo& client) {
    const auto started = std::chrono::steady_clock::now();
    Ctx ctx{req, client, request_id_of(req), settings.clock(), {}, {}, std::nullopt, {}};
    std::string route_name = "unmatched";
    Response res;
    try {
      res = dispatch(ctx, route_name);
    } catch (const ApiError& e) {
      res = problem_response(e.status, e.ja, e.en, e.field, req.version());
      for (const auto& [f, v] : e.headers) res.set(f, v);
    } catch (const engine::CommandError& e) {
      res = command_error_response(e, req.version());
    } catch (const NotFound& e) {
      res = problem_response(http::status::not_found, "見つかりません。", e.what(), std::nullopt, req.version());
    } catch (const Unavailable& e) {
      spdlog::warn("request {}: database unavailable: {}", ctx.request_id, e.what());
      res = problem_response(http::status::service_unavailable, "データベースに接続できません。しばらくしてから再度お試しください。",
                             "database unavailable; try again shortly", std::nullopt, req.version());
      res.set(http::field::retry_after, "5");
    } catch (const engine::DomainError& e) {
      res = problem_response(http::status::unprocessable_entity, "処理できない要求です。", e.what(), std::nullopt, req.version());
    } catch (const std::exception& e) {
      spdlog::error("request {} {} {}: {}", ctx.request_id, std::string(req.method_string()), route_name, e.what());
      res = problem_response(http::status::internal_server_error, "サーバー内部でエラーが発生しました。", "internal error", std::nullopt,
                             req.version());
    }
    if (req.method() == http::verb::head) without_body(res);
    res.set("X-Request-Id", ctx.request_id);
    res.set(http::field::server, "shinchoku");
    res.set("X-Content-Type-Options", "nosniff");
    res.keep_alive(req.keep_alive());
    const auto status = res.result_int();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    metrics.observe(route_name, status, took);
    const std::string who = ctx.session ? ctx.login() : "-";
    if (status >= 400 && status != 404 && (is_unsafe(req.method()) || status == 401 || status == 403 || status == 429)) {
      // Every refused change, and every refused read, is logged with who asked (ASVS §7.2).
      spdlog::warn("refused {} {} {} by {} from {}: {} {}", ctx.request_id, std::string(req.method_string()), std::string(req.target()),
                   who, client.address, status, res.body().size() < 400 ? res.body() : std::string("(body)"));
    } else {
      spdlog::info("{} {} {} {} {} {:.1f}ms", ctx.request_id, std::string(req.method_string()), route_name, status, who, took.count() * 1000);
    }
    return res;
  }

  Response dispatch(Ctx& ctx, std::string& route_name) {
    const auto& req = ctx.req;
    boost::system::result<boost::urls::url_view> target = boost::urls::parse_origin_form(req.target());
    if (!target) fail(http::status::bad_request, "URLの形式が正しくありません。", "malformed request target");
    const std::string path = target->path();
    const auto segs = split_path(path);
    const Route* found = nullptr;
    std::vector<std::string> allowed;
    for (const auto& r : route_table()) {
      std::vector<std::string> params;
      if (!match(r.pattern, segs, params)) continue;
      if (r.method == req.method() || (req.method() == http::verb::head && r.method == http::verb::get)) {
        found = &r;
        ctx.params = std::move(params);
        break;
      }
      allowed.emplace_back(http::to_string(r.method));
    }
    if (!found) {
      if (allowed.empty() && settings.static_files && !is_api_path(path)) {
        route_name = "static";
        return static_response(ctx, path);
      }
      if (allowed.empty()) fail(http::status::not_found, "そのURLはありません。", fmt::format("no route for {}", path));
      ApiError e{http::status::method_not_allowed, "このURLではそのメソッドは使えません。",
                 fmt::format("{} does not accept {}", path, std::string(req.method_string())), std::nullopt, {}};
      std::string allow;
      for (const auto& a : allowed) allow += (allow.empty() ? "" : ", ") + a;
      e.headers.emplace_back(http::field::allow, allow);
      throw e;
    }
    route_name = found->name;
    if (found->auth == Auth::required) authenticate(ctx);
    for (const auto& p : target->params()) {
      if (!found->query.contains(std::string(p.key))) {
        fail(http::status::bad_request, fmt::format("クエリパラメータ {} は使えません。", std::string(p.key)),
             fmt::format("unknown query parameter {}", std::string(p.key)), std::string(p.key));
      }
      if (ctx.query.contains(std::string(p.key))) {
        fail(http::status::bad_request, fmt::format("クエリパラメータ {} が重複しています。", std::string(p.key)),
             fmt::format("query parameter {} given twice", std::string(p.key)), std::string(p.key));
      }
      if (!model::is_valid_utf8(p.value)) {
        fail(http::status::bad_request, "クエリがUTF-8ではありません。", fmt::format("query parameter {} is not UTF-8", std::string(p.key)),
             std::string(p.key));
      }
      ctx.query[std::string(p.key)] = std::string(p.value);
    }
    return (this->*(found->fn))(ctx);
  }

  // HEAD: the headers of the GET, Content-Length included (the server keeps it), no body.
  static void without_body(Response& res) {
    const auto size = res.body().size();
    res.body().clear();
    const auto status = res.result_int();
    if (status >= 200 && status != 204 && status != 304) res.content_length(size);
  }

  // ---- the web UI's files

  static bool is_api_path(std::string_view path) { return path == "/api" || path.starts_with("/api/"); }

  // If-None-Match: "*" or a list of entity tags, compared weakly (RFC 9110 §13.1.2).
  static bool none_match(std::string_view header, std::string_view etag) {
    auto tag = [](std::string_view t) {
      while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
      while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
      if (t.starts_with("W/")) t.remove_prefix(2);
      return t;
    };
    const std::string_view mine = tag(etag);
    while (true) {
      const auto comma = header.find(',');
      const std::string_view one = tag(header.substr(0, comma));
      if (one == "*" || (!one.empty() && one == mine)) return true;
      if (comma == std::string_view::npos) return false;
      header.remove_prefix(comma + 1);
    }
  }

  // A file of the web UI from memory, never from the disk, so no path reaches anything outside
  // the files loaded at start. "/" and the UI's own routes (/sheets/12, the links in reminder
  // mails) give /index.html; a missing file (a name with an extension, /app.js) is a 404, so
  // that a broken asset link is not answered with a page.
  Response static_response(const Ctx& ctx, std::string_view path) {
    const auto method = ctx.req.method();
    if (method != http::verb::get && method != http::verb::head) {
      ApiError e{http::status::method_not_allowed, "このURLではそのメソッドは使えません。",
                 fmt::format("{} is a page of the web UI: GET or HEAD only", path), std::nullopt, {}};
      e.headers.emplace_back(http::field::allow, "GET, HEAD");
      throw e;
    }
    std::optional<StaticFile> file;
    if (path != "/") file = settings.static_files(path);
    const std::string_view last_segment = path.substr(path.rfind('/') + 1);
    if (!file && last_segment.find('.') != std::string_view::npos) {
      fail(http::status::not_found, "そのファイルはありません。", fmt::format("{} is not a file of the web UI", path));
    }
    if (!file) file = settings.static_files("/index.html");
    if (!file) fail(http::status::not_found, "画面のファイルがありません。", "the web UI has no index.html");
    Response res{http::status::ok, ctx.req.version()};
    res.set("Content-Security-Policy", kStaticContentSecurityPolicy);
    res.set("Referrer-Policy", "no-referrer");
    res.set("X-Frame-Options", "DENY");
    // Revalidated on every use: a new version of the UI is seen at once, an unchanged file costs a 304.
    res.set(http::field::cache_control, "no-cache");
    res.set(http::field::etag, file->etag);
    if (auto inm = ctx.req.find(http::field::if_none_match); inm != ctx.req.end() && none_match(inm->value(), file->etag)) {
      res.result(http::status::not_modified);
      return res;
    }
    res.set(http::field::content_type, file->content_type);
    res.body().assign(file->body.data(), file->body.size());
    return res;
  }

  void authenticate(Ctx& ctx) {
    std::optional<std::string> token;
    bool from_cookie = false;
    if (auto it = ctx.req.find(http::field::authorization); it != ctx.req.end()) {
      std::string_view v = it->value();
      if (v.size() > 7 && (v.substr(0, 7) == "Bearer " || v.substr(0, 7) == "bearer ")) token = std::string(v.substr(7));
    } else if (auto c = ctx.req.find(http::field::cookie); c != ctx.req.end()) {
      token = cookie_value(c->value(), kSessionCookie);
      from_cookie = token.has_value();
    }
    auto unauthorized = [] {
      ApiError e{http::status::unauthorized, "ログインが必要です（セッションがないか期限切れです）。", "no session, or it has expired",
                 std::nullopt, {}};
      e.headers.emplace_back(http::field::www_authenticate, "Bearer realm=\"shinchoku\"");
      throw e;
    };
    if (!token || token->empty() || token->size() > 256) unauthorized();
    ctx.token_hash = sha256_hex(*token);
    ctx.session = backend.touch_session(ctx.token_hash, ctx.now);
    if (!ctx.session) unauthorized();
    if (from_cookie && is_unsafe(ctx.req.method())) {
      // Double submit: a page of this origin read the CSRF cookie and echoes it in a header,
      // which another site's form or script cannot do.
      auto h = ctx.req.find("X-CSRF-Token");
      if (h == ctx.req.end() || h->value() != ctx.session->csrf_token) {
        fail(http::status::forbidden, "CSRFトークンがないか、一致しません。", "missing or wrong X-CSRF-Token for a cookie session");
      }
    }
  }

  Response command_error_response(const engine::CommandError& e, unsigned version) {
    switch (e.refusal()) {
      case engine::Refusal::not_found:
        return problem_response(http::status::not_found, "シートが見つかりません。", e.what(), e.field(), version);
      case engine::Refusal::forbidden:
        return problem_response(http::status::forbidden, "この操作を行う権限がありません。", e.what(), e.field(), version);
      case engine::Refusal::conflict:
        return problem_response(http::status::precondition_failed, "ほかの人が先にこのシートを変更しました。再読み込みしてください。", e.what(),
                                e.field(), version);
      case engine::Refusal::invalid_state:
        return problem_response(http::status::conflict, "シートの現在の状態ではこの操作はできません。", e.what(), e.field(), version);
      case engine::Refusal::invalid_value:
        return problem_response(http::status::unprocessable_entity, "入力内容に誤りがあります。", e.what(), e.field(), version);
    }
    return problem_response(http::status::internal_server_error, "サーバー内部でエラーが発生しました。", "internal error", std::nullopt, version);
  }

  // ---- parameters

  std::optional<long long> query_int(const Ctx& ctx, const std::string& name, long long lo, long long hi) {
    auto it = ctx.query.find(name);
    if (it == ctx.query.end() || it->second.empty()) return std::nullopt;
    long long v = 0;
    auto r = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
    if (r.ec != std::errc() || r.ptr != it->second.data() + it->second.size() || v < lo || v > hi) {
      fail(http::status::bad_request, fmt::format("{} は {}〜{} の整数で指定してください。", name, lo, hi),
           fmt::format("{} must be an integer from {} to {}", name, lo, hi), name);
    }
    return v;
  }

  std::optional<std::string> query_text(const Ctx& ctx, const std::string& name) {
    auto it = ctx.query.find(name);
    if (it == ctx.query.end() || it->second.empty()) return std::nullopt;
    if (it->second.size() > 1000) fail(http::status::bad_request, fmt::format("{} が長すぎます。", name), fmt::format("{} is too long", name), name);
    return it->second;
  }

  std::optional<TimePoint> query_time(const Ctx& ctx, const std::string& name) {
    auto text = query_text(ctx, name);
    if (!text) return std::nullopt;
    // Read as the CLI reads a time (model::parse_time): RFC 3339 with an offset, or a date
    // meaning 00:00 JST of that day.
    try {
      return model::parse_time(*text);
    } catch (const model::TimeError& e) {
      fail(http::status::bad_request,
           fmt::format("{} はRFC 3339の日時（例 2020-04-01T09:00:00+09:00）か日付（2020-04-01、日本時間0時）で指定してください。", name),
           fmt::format("{}: {}", name, e.what()), name);
    }
  }

  int query_year(const Ctx& ctx, const std::string& name, bool required) {
    auto y = query_int(ctx, name, 1989, 2200);
    if (!y) {
      if (required) fail(http::status::bad_request, fmt::format("{} を指定してください。", name), fmt::format("{} is required", name), name);
      return 0;
    }
    return static_cast<int>(*y);
  }

  long long path_id(const Ctx& ctx) {
    const std::string& s = ctx.params.at(0);
    long long v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v <= 0) {
      fail(http::status::not_found, "シートが見つかりません。", fmt::format("no sheet {}", s));
    }
    return v;
  }

  json::object body_object(const Ctx& ctx) {
    const auto& body = ctx.req.body();
    if (auto ct = ctx.req.find(http::field::content_type); ct != ctx.req.end()) {
      std::string_view v = ct->value();
      if (v.substr(0, 16) != "application/json") {
        fail(http::status::bad_request, "本文はJSON（application/json）で送ってください。", "the body must be application/json");
      }
    }
    if (!model::is_valid_utf8(body)) fail(http::status::bad_request, "本文がUTF-8ではありません。", "the body is not UTF-8");
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec) {
      fail(http::status::bad_request, "本文のJSONの形式が正しくありません。", fmt::format("malformed JSON: {}", ec.message()));
    }
    if (!v.is_object()) fail(http::status::bad_request, "本文はJSONオブジェクトにしてください。", "the body must be a JSON object");
    return std::move(v.as_object());
  }

  // The version in If-Match ("3", W/"3" or 3); 428 without one.
  int if_match(const Ctx& ctx) {
    auto it = ctx.req.find(http::field::if_match);
    if (it == ctx.req.end()) {
      fail(http::status::precondition_required, "If-Match ヘッダー（シートのETag）が必要です。",
           "a change needs If-Match with the sheet's ETag", "If-Match");
    }
    std::string_view v = it->value();
    if (v.starts_with("W/")) v.remove_prefix(2);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    int version = 0;
    auto r = std::from_chars(v.data(), v.data() + v.size(), version);
    if (r.ec != std::errc() || r.ptr != v.data() + v.size() || version <= 0) {
      fail(http::status::precondition_failed, "If-Match がこのシートの版と一致しません。", "If-Match does not match the sheet's version",
           "If-Match");
    }
    return version;
  }

  SheetData readable_sheet(const Ctx& ctx, long long id) {
    auto sheet = backend.sheet(id);
    if (!sheet) fail(http::status::not_found, "シートが見つかりません。", fmt::format("no sheet {}", id));
    check_readable(ctx, id, sheet->state);
    return std::move(*sheet);
  }

  void check_readable(const Ctx& ctx, long long id, const engine::SheetState& sheet) {
    if (!may_read(sheet, ctx.actor(), workflow)) {
      fail(http::status::forbidden, "このシートはまだ公開されておらず、閲覧できるのは担当課・調整担当・監査担当だけです。",
           fmt::format("sheet {} is not yet {}: only its departments, coordinators, auditors and admins may read it", id, workflow.final_state));
    }
  }

  Response sheet_response(const Ctx& ctx, const SheetData& d, http::status status = http::status::ok) {
    Response res = json_response(status, sheet_document(plan, d, rules, &ctx.actor()), ctx.req.version());
    res.set(http::field::etag, fmt::format("\"{}\"", d.state.sheet.version));
    return res;
  }

  bool is_reader_of_audit(const model::Actor& actor) {
    return actor.has_role("auditor") || actor.has_role("coordinator") || actor.has_role("admin");
  }

  void require_audit_reader(const Ctx& ctx) {
    if (!is_reader_of_audit(ctx.actor())) {
      fail(http::status::forbidden, "監査記録を閲覧できるのは監査担当・調整担当・管理者だけです。",
           "the audit routes are for auditors, coordinators and admins");
    }
  }

  // ---- routes

  Response post_session(Ctx& ctx) {
    json::object body = body_object(ctx);
    for (const auto& [k, v] : body) {
      if (k != "login" && k != "password") {
        fail(http::status::unprocessable_entity, fmt::format("不明な項目 {} があります。", std::string(k)), fmt::format("unknown field {}", std::string(k)),
             std::string(k));
      }
    }
    auto text_field = [&](const char* name) {
      auto* v = body.if_contains(name);
      if (!v || !v->is_string() || v->as_string().empty() || v->as_string().size() > 1024) {
        fail(http::status::unprocessable_entity, fmt::format("{} を文字列で指定してください。", name), fmt::format("{} must be a non-empty string", name), name);
      }
      return std::string(v->as_string());
    };
    const std::string login = text_field("login");
    const std::string password = text_field("password");
    if (auto until = backend.login_blocked_until(login, ctx.client.address, ctx.now)) {
      const auto secs = std::max<long long>(1, std::chrono::duration_cast<std::chrono::seconds>(*until - ctx.now).count() + 1);
      spdlog::warn("login throttled: {} from {} (request {})", login, ctx.client.address, ctx.request_id);
      ApiError e{http::status::too_many_requests, "ログインの失敗が続いたため、しばらくログインできません。",
                 "too many failed logins; try again later", std::nullopt, {}};
      e.headers.emplace_back(http::field::retry_after, std::to_string(secs));
      throw e;
    }
    auto user = backend.check_password(login, password);
    if (!user) {
      backend.record_login_failure(login, ctx.client.address, ctx.now);
      spdlog::warn("login failed: {} from {} (request {})", login, ctx.client.address, ctx.request_id);
      fail(http::status::unauthorized, "ログイン名またはパスワードが違います。", "wrong login or password");
    }
    backend.clear_login_failures(login);
    const std::string token = random_hex(32);
    NewSession s{sha256_hex(token), user->id, random_hex(16), ctx.now,
                 ctx.now + std::chrono::seconds(settings.session_lifetime_seconds), ctx.client.address};
    backend.create_session(s);
    spdlog::info("login: {} from {} (request {})", login, ctx.client.address, ctx.request_id);
    json::object out{{"token", token},
                     {"expires_at", format_rfc3339(s.expires_at)},
                     {"idle_expires_at", format_rfc3339(std::min(s.expires_at, ctx.now + std::chrono::seconds(settings.session_idle_seconds)))},
                     {"csrf_token", s.csrf_token},
                     {"user", user_json(*user)}};
    Response res = json_response(http::status::created, out, ctx.req.version());
    const std::string secure = settings.secure_cookies ? "; Secure" : "";
    res.insert(http::field::set_cookie, fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}", kSessionCookie, token,
                                                    settings.session_lifetime_seconds, secure));
    res.insert(http::field::set_cookie, fmt::format("{}={}; Path=/; SameSite=Strict; Max-Age={}{}", kCsrfCookie, s.csrf_token,
                                                    settings.session_lifetime_seconds, secure));
    return res;
  }

  Response delete_session(Ctx& ctx) {
    backend.end_session(ctx.token_hash, ctx.now);
    spdlog::info("logout: {} (request {})", ctx.login(), ctx.request_id);
    Response res{http::status::no_content, ctx.req.version()};
    res.insert(http::field::set_cookie, fmt::format("{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", kSessionCookie));
    res.insert(http::field::set_cookie, fmt::format("{}=; Path=/; SameSite=Strict; Max-Age=0", kCsrfCookie));
    return res;
  }

  Response get_me(Ctx& ctx) {
    json::object out = user_json(ctx.session->user);
    json::array departments;
    for (const auto& g : ctx.actor().grants) {
      if (g.department && std::find(departments.begin(), departments.end(), json::value(*g.department)) == departments.end()) {
        departments.emplace_back(*g.department);
      }
    }
    out["departments"] = std::move(departments);
    out["session"] = {{"expires_at", ctx.session->expires_at}, {"idle_expires_at", ctx.session->idle_expires_at}};
    out["csrf_token"] = ctx.session->csrf_token;
    return json_response(http::status::ok, out, ctx.req.version());
  }

  Response get_workflow(Ctx& ctx) { return json_response(http::status::ok, workflow_json, ctx.req.version()); }

  // A year as the dashboard shows it: the backend's counts, and what the workflow tells of them.
  json::object year_json(json::object y) const {
    const int year = static_cast<int>(y.at("year").as_int64());
    long long counted = 0, final_count = 0;
    if (const auto* counts = y.if_contains("counts")) {
      for (const auto& [state, n] : counts->at("by_state").as_object()) {
        counted += n.as_int64();
        if (state == workflow.final_state) final_count += n.as_int64();
      }
    }
    const long long not_final = counted - final_count;
    y["short_label"] = model::FiscalYear(year).short_label();
    y["not_final"] = not_final;
    const auto* state = y.if_contains("state");
    y["closable"] = state && state->is_string() && state->as_string() == "open" && not_final == 0;
    return y;
  }

  Response get_years(Ctx& ctx) {
    json::array items;
    for (auto& y : backend.years()) items.push_back(year_json(std::move(y.as_object())));
    return json_response(http::status::ok, json::object{{"items", std::move(items)}}, ctx.req.version());
  }

  // Closes a year as `shinchoku year close` does: coordinators and admins, every sheet final.
  Response post_year_close(Ctx& ctx) {
    const std::string& text = ctx.params.at(0);
    int year = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), year);
    auto not_found = [&] { fail(http::status::not_found, "その年度はありません。", fmt::format("no fiscal year {}", text)); };
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) not_found();
    const auto years = backend.years();
    if (std::none_of(years.begin(), years.end(), [&](const json::value& y) { return y.at("year").as_int64() == year; })) not_found();
    const model::Grant* grant = nullptr;
    for (const char* role : {"coordinator", "admin"}) {
      for (const auto& g : ctx.actor().grants) {
        if (!grant && g.role == role) grant = &g;
      }
    }
    const std::string label = model::FiscalYear(year).label();
    if (!grant) {
      fail(http::status::forbidden, "年度を締められるのは調整担当と管理者だけです。", "only coordinators and admins close a fiscal year");
    }
    try {
      json::object closed = backend.close_year(year, workflow.final_state, ctx.login(), grant->text(), ctx.request_id);
      metrics.count_audit_event();
      spdlog::info("fiscal year {} closed by {} as {} (request {})", year, ctx.login(), grant->text(), ctx.request_id);
      return json_response(http::status::ok, year_json(std::move(closed)), ctx.req.version());
    } catch (const YearNotClosable& e) {
      Response res;
      if (e.year_state == "closed") {
        res = problem_response(http::status::conflict, fmt::format("{}はすでに締められています。", label),
                               fmt::format("fiscal year {} is already closed", year), std::nullopt, ctx.req.version());
      } else {
        auto state_label = workflow.state_labels.find(workflow.final_state);
        res = problem_response(
            http::status::conflict,
            fmt::format("{}はまだ締められません。{}になっていないシートが{}件あります。", label,
                        state_label == workflow.state_labels.end() ? workflow.final_state : state_label->second, e.not_final.size()),
            fmt::format("fiscal year {} cannot close: {} sheets are not {} yet", year, e.not_final.size(), workflow.final_state),
            std::nullopt, ctx.req.version());
      }
      // Problem details extension members (RFC 9457 §3.2): the year's state and the sheets in the way.
      json::object body = json::parse(res.body()).as_object();
      json::array sheets;
      for (const auto& sh : e.not_final) sheets.push_back(json::object{{"sheet_no", sh.sheet_no}, {"state", sh.state}});
      body["year"] = year;
      body["year_state"] = e.year_state;
      body["not_final"] = e.not_final.size();
      body["sheets"] = std::move(sheets);
      res.body() = json::serialize(body);
      return res;
    }
  }

  Response get_sheets(Ctx& ctx) {
    SheetQuery q;
    if (int y = query_year(ctx, "year", false)) q.year = y;
    q.department = query_text(ctx, "department");
    q.state = query_text(ctx, "state");
    if (q.state && !workflow.is_state(*q.state)) {
      fail(http::status::bad_request, fmt::format("state {} はワークフローにありません。", *q.state), fmt::format("unknown state {}", *q.state), "state");
    }
    q.grade = query_text(ctx, "grade");
    if (q.grade && !grades.contains(*q.grade)) {
      fail(http::status::bad_request, fmt::format("grade は {} のいずれかです。", grades.codes_for_message()),
           fmt::format("grade must be {}", grades.codes_for_message()), "grade");
    }
    if (auto n = query_int(ctx, "sheet_no", 1, 1000000)) q.sheet_no = static_cast<int>(*n);
    q.q = query_text(ctx, "q");
    q.limit = static_cast<int>(query_int(ctx, "limit", 1, settings.max_page).value_or(50));
    if (auto c = query_text(ctx, "cursor")) {
      int y = 0, n = 0;
      auto dot = c->find('.');
      auto ok = dot != std::string::npos && std::from_chars(c->data(), c->data() + dot, y).ec == std::errc() &&
                std::from_chars(c->data() + dot + 1, c->data() + c->size(), n).ec == std::errc();
      if (!ok) fail(http::status::bad_request, "cursor が正しくありません。", "malformed cursor", "cursor");
      q.after = std::make_pair(y, n);
    }
    q.final_state = workflow.final_state;
    for (const auto& g : ctx.actor().grants) {
      if (!workflow.is_departmental(g.role)) q.all_access = true;
      else if (g.department) q.departments.push_back(*g.department);
    }
    auto rows = backend.list_sheets(q);
    json::array items;
    std::optional<std::string> next;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (static_cast<int>(i) == q.limit) {
        const auto& last = rows[i - 1].state.sheet;
        next = fmt::format("{}.{}", last.year, last.sheet_no);
        break;
      }
      items.push_back(sheet_document(plan, rows[i], rules, &ctx.actor()));
    }
    return json_response(http::status::ok, json::object{{"items", std::move(items)}, {"next_cursor", next ? json::value(*next) : json::value(nullptr)}},
                         ctx.req.version());
  }

  Response get_sheet(Ctx& ctx) {
    const long long id = path_id(ctx);
    SheetData d = readable_sheet(ctx, id);
    if (auto t = query_time(ctx, "as_of")) {
      model::SheetRecord then;
      try {
        then = backend.sheet_as_of(id, *t);
      } catch (const engine::DomainError& e) {
        fail(http::status::not_found, "その時点ではこのシートはまだありませんでした。", e.what(), "as_of");
      }
      SheetData past{{then, false, true, {}}, std::nullopt, std::nullopt};
      json::object doc = sheet_document(plan, past, rules, nullptr);
      doc.erase("previous");
      doc["as_of"] = format_rfc3339(*t);
      Response res = json_response(http::status::ok, doc, ctx.req.version());
      return res;
    }
    return sheet_response(ctx, d);
  }

  // Runs a command the way the status order of issue 5 wants, on the sheet as it is locked (one
  // read, in the command's own transaction): 404 (no sheet), then `prepare`'s refusals on the
  // locked sheet (403 may not read it, then the request's own 400/428/…), then the engine's
  // order (403 → 412 → 409 → 422), and a body's unknown field (422) only after those.
  Response run_command(Ctx& ctx, long long id, const std::function<engine::Command(const engine::SheetState&)>& prepare,
                       const std::optional<ApiError>& deferred) {
    auto decision = backend.execute(
        engine::SheetRef{id, std::nullopt, std::nullopt},
        [&](const engine::SheetState& before) {
          check_readable(ctx, id, before);
          engine::Command command = prepare(before);
          if (deferred) {
            // Decide against the current row first, so that 403/412/409 win over the body's 422;
            // but the body's own fault (an unknown field, a wrong type) is the 422 to report, not
            // one about the sheet's values (a missing grade when submitting with "comment": 7).
            try {
              engine::decide(before, command, ctx.actor(), rules);
            } catch (const engine::CommandError& e) {
              if (e.refusal() != engine::Refusal::invalid_value) throw;
            }
            throw *deferred;
          }
          return command;
        },
        ctx.actor(), ctx.request_id);
    if (!decision.changes.empty()) metrics.count_audit_event();
    spdlog::info("sheet {} ({} sheet {}): {} by {} as {} (request {})", id, decision.after.sheet.year, decision.after.sheet.sheet_no, decision.action,
                 ctx.login(), decision.grant_used, ctx.request_id);
    SheetData after{decision.after, decision.after.previous_grade, decision.after.previous_next_steps};
    return sheet_response(ctx, after);
  }

  // The request's own faults are found before the sheet is read, but reported in the status
  // order once it is locked: these run them and keep the first ApiError for later.
  template <class F>
  static std::optional<ApiError> fault_of(F&& f) {
    try {
      f();
    } catch (const ApiError& e) {
      return e;
    }
    return std::nullopt;
  }

  Response patch_sheet(Ctx& ctx) {
    const long long id = path_id(ctx);
    json::object body;
    const std::optional<ApiError> bad_body = fault_of([&] { body = body_object(ctx); });
    int version = 0;
    std::optional<ApiError> bad_version;
    if (!bad_body) bad_version = fault_of([&] { version = if_match(ctx); });
    engine::EditFields edit;
    std::optional<ApiError> deferred;
    auto set_text = [&](std::string_view key, const json::value& v, std::optional<std::string>& out, bool nullable) {
      if (v.is_string()) out = std::string(v.as_string());
      else if (nullable && v.is_null()) out = std::string();
      else if (!deferred) {
        deferred = ApiError{http::status::unprocessable_entity, fmt::format("{} は文字列で指定してください。", std::string(key)),
                            fmt::format("{} must be a string{}", std::string(key), nullable ? " or null" : ""), std::string(key), {}};
      }
    };
    for (const auto& [k, v] : body) {
      if (k == "grade") set_text(k, v, edit.grade, true);
      else if (k == "actions") set_text(k, v, edit.actions, false);
      else if (k == "results") set_text(k, v, edit.results, false);
      else if (k == "next_steps") set_text(k, v, edit.next_steps, false);
      else if (!deferred) {
        deferred = ApiError{http::status::unprocessable_entity, fmt::format("項目 {} は変更できません（grade, actions, results, next_steps のみ）。", std::string(k)),
                            fmt::format("unknown field {}: only grade, actions, results and next_steps may be changed", std::string(k)),
                            std::string(k), {}};
      }
    }
    return run_command(
        ctx, id,
        [&](const engine::SheetState& before) {
          if (bad_body) {
            // 403 (never allowed to edit this sheet) comes before 400.
            if (!may_edit_ever(before, ctx.actor())) forbid_edit(id);
            throw *bad_body;
          }
          if (bad_version) throw *bad_version;
          return engine::Command{edit, version, std::nullopt};
        },
        deferred);
  }

  bool may_edit_ever(const engine::SheetState& s, const model::Actor& actor) {
    engine::SheetState probe = s;
    probe.retired = false;
    probe.year_open = true;
    for (const auto& st : workflow.edit_states) {
      probe.sheet.state = st;
      if (engine::may_edit(probe, actor, rules)) return true;
    }
    return false;
  }

  [[noreturn]] void forbid_edit(long long id) {
    fail(http::status::forbidden, "このシートを編集する権限がありません。", fmt::format("you may not edit sheet {}", id));
  }

  Response post_transition(Ctx& ctx) {
    const long long id = path_id(ctx);
    std::optional<ApiError> deferred;
    engine::Transition t;
    std::optional<std::string> comment;
    int version = 0;
    const std::optional<ApiError> fault = fault_of([&] {
      json::object body = body_object(ctx);
      version = if_match(ctx);
      const auto* action = body.if_contains("action");
      if (!action || !action->is_string() || action->as_string().empty()) {
        fail(http::status::unprocessable_entity, "action（操作名）を文字列で指定してください。", "action must be a non-empty string", "action");
      }
      t.action = std::string(action->as_string());
      if (!workflow.find_action(t.action)) {
        std::string names;
        for (const auto& a : workflow.actions) names += (names.empty() ? "" : ", ") + a.name;
        fail(http::status::unprocessable_entity, fmt::format("操作 {} はありません（{}）。", t.action, names),
             fmt::format("unknown action {}; the workflow has {}", t.action, names), "action");
      }
      for (const auto& [k, v] : body) {
        if (k == "action") continue;
        if (k == "comment") {
          if (v.is_string()) {
            if (!v.as_string().empty()) comment = std::string(v.as_string());
          } else if (!v.is_null() && !deferred) {
            deferred = ApiError{http::status::unprocessable_entity, "comment は文字列で指定してください。", "comment must be a string or null", "comment", {}};
          }
        } else if (!deferred) {
          deferred = ApiError{http::status::unprocessable_entity, fmt::format("不明な項目 {} があります。", std::string(k)),
                              fmt::format("unknown field {}: a transition takes action and comment", std::string(k)), std::string(k), {}};
        }
      }
    });
    return run_command(
        ctx, id,
        [&](const engine::SheetState&) {
          if (fault) throw *fault;
          return engine::Command{t, version, comment};
        },
        deferred);
  }

  Response get_sheet_history(Ctx& ctx) {
    const long long id = path_id(ctx);
    readable_sheet(ctx, id);
    return json_response(http::status::ok, json::object{{"sheet_id", id}, {"events", backend.sheet_history(id)}}, ctx.req.version());
  }

  Response get_measure(Ctx& ctx) {
    const std::string& key = ctx.params.at(0);
    const auto* m = find_measure(key);
    json::array sheets;
    for (const auto& d : backend.measure_sheets(key)) {
      if (may_read(d.state, ctx.actor(), workflow)) sheets.push_back(sheet_document(plan, d, rules, &ctx.actor()));
    }
    json::object out{{"id", key}, {"title", m->title}, {"sheets", std::move(sheets)}};
    out["number"] = m->number ? json::value(*m->number) : json::value(nullptr);
    return json_response(http::status::ok, out, ctx.req.version());
  }

  const model::Measure* find_measure(const std::string& key) {
    for (const auto& m : plan.structure.measures) {
      if (m.id == key) return &m;
    }
    fail(http::status::not_found, "その施策はありません。", fmt::format("no measure {}", key));
  }

  Response get_measure_history(Ctx& ctx) {
    const std::string& key = ctx.params.at(0);
    find_measure(key);
    // Events of sheets the caller may not read yet are left out, like the sheets themselves.
    std::set<long long> readable;
    for (const auto& d : backend.measure_sheets(key)) {
      if (may_read(d.state, ctx.actor(), workflow)) readable.insert(*d.state.sheet.id);
    }
    json::array events;
    for (auto& e : backend.measure_history(key)) {
      const auto& id = e.as_object().at("entity_id").as_string();
      long long sid = 0;
      std::from_chars(id.data(), id.data() + id.size(), sid);
      if (readable.contains(sid)) events.push_back(std::move(e));
    }
    return json_response(http::status::ok, json::object{{"measure", key}, {"events", std::move(events)}}, ctx.req.version());
  }

  Response get_audit(Ctx& ctx) {
    require_audit_reader(ctx);
    AuditQuery q;
    q.actor = query_text(ctx, "actor");
    q.entity = query_text(ctx, "entity");
    q.since = query_time(ctx, "since");
    q.until = query_time(ctx, "until");
    q.after_id = query_int(ctx, "cursor", 0, std::numeric_limits<long long>::max());
    q.limit = static_cast<int>(query_int(ctx, "limit", 1, 5000).value_or(500));
    const std::string format = query_text(ctx, "format").value_or("json");
    if (format != "json" && format != "jsonl" && format != "csv") {
      fail(http::status::bad_request, "format は json, jsonl, csv のいずれかです。", "format must be json, jsonl or csv", "format");
    }
    AuditPage page = backend.audit(q);
    std::optional<std::string> next;
    if (page.more && page.last_id) next = std::to_string(*page.last_id);
    Response res;
    if (format == "json") {
      res = json_response(http::status::ok, json::object{{"items", page.events}, {"next_cursor", next ? json::value(*next) : json::value(nullptr)}},
                          ctx.req.version());
    } else if (format == "jsonl") {
      std::string out;
      for (const auto& e : page.events) out += json::serialize(e) + "\n";
      res = text_response("application/x-ndjson; charset=utf-8", std::move(out), ctx.req.version());
    } else {
      res = text_response("text/csv; charset=utf-8", audit_csv(page.events), ctx.req.version());
      res.set(http::field::content_disposition, "attachment; filename=\"audit.csv\"");
    }
    if (next) res.set("X-Next-Cursor", *next);
    return res;
  }

  // The CLI's `audit log --format csv` columns: BOM, header, CRLF, RFC 4180 quoting.
  static std::string audit_csv(const json::array& events) {
    static const char* cols[] = {"id", "entity_type", "entity_id", "chain_position", "occurred_at", "actor", "actor_grant",
                                 "action", "changes", "comment", "request_id", "hash"};
    std::string out = "\xEF\xBB\xBF";
    for (std::size_t i = 0; i < std::size(cols); ++i) out += std::string(i ? "," : "") + cols[i];
    out += "\r\n";
    for (const auto& ev : events) {
      const auto& o = ev.as_object();
      for (std::size_t i = 0; i < std::size(cols); ++i) {
        const json::value* v = o.if_contains(cols[i]);
        std::string text;
        if (v && v->is_string()) text = std::string(v->as_string());
        else if (v && !v->is_null()) text = json::serialize(*v);
        out += std::string(i ? "," : "") + model::csv_field(text);
      }
      out += "\r\n";
    }
    return out;
  }

  Response get_audit_verify(Ctx& ctx) {
    require_audit_reader(ctx);
    return json_response(http::status::ok, backend.verify_audit(), ctx.req.version());
  }

  std::vector<model::SheetRecord> readable_year(const Ctx& ctx, int year) {
    auto sheets = backend.year_sheets(year);
    std::erase_if(sheets, [&](const model::SheetRecord& r) {
      engine::SheetState s{r, false, true, {}};
      return !may_read(s, ctx.actor(), workflow);
    });
    return sheets;
  }

  Response get_progress(Ctx& ctx) {
    const int year = query_year(ctx, "year", true);
    const std::string f = query_text(ctx, "format").value_or("json");
    auto format = parse_report_format(f);
    if (!format) fail(http::status::bad_request, "format は json, csv, tsv, xlsx のいずれかです。", "format must be json, csv, tsv or xlsx", "format");
    auto views = model::make_views(plan, readable_year(ctx, year));
    Response res = text_response(content_type(*format), render_progress(*format, year, views), ctx.req.version());
    if (*format != ReportFormat::json) {
      res.set(http::field::content_disposition, fmt::format("attachment; filename=\"progress-{}.{}\"", year, f));
    }
    return res;
  }

  Response get_summary(Ctx& ctx) {
    const int year = query_year(ctx, "year", true);
    auto views = model::make_views(plan, readable_year(ctx, year));
    std::map<std::string, std::map<std::string, int>> by_strategy, by_department, state_department;
    for (const auto& v : views) {
      const std::string grade = v.sheet.grade.value_or("");
      by_strategy[v.strategy][grade]++;
      for (const auto& d : v.sheet.departments) {
        by_department[d][grade]++;
        state_department[d][v.sheet.state]++;
      }
    }
    auto table = [](const std::map<std::string, std::map<std::string, int>>& m, const char* row_key, const char* col_key) {
      json::array out;
      for (const auto& [row, cols] : m) {
        json::object counts;
        for (const auto& [col, n] : cols) counts[col.empty() ? "none" : col] = n;
        out.push_back(json::object{{row_key, row}, {col_key, std::move(counts)}});
      }
      return out;
    };
    json::object out{{"year", year},
                     {"label", model::FiscalYear(year).label()},
                     {"sheets", views.size()},
                     {"grade_by_strategy", table(by_strategy, "strategy", "grades")},
                     {"grade_by_department", table(by_department, "department", "grades")},
                     {"state_by_department", table(state_department, "department", "states")}};
    return json_response(http::status::ok, out, ctx.req.version());
  }

  // Per measure and executing departments, the grade in both years; "rose" is a move to a
  // grade earlier in the plan's scale (A is better than B).
  Response get_year_over_year(Ctx& ctx) {
    const int from = query_year(ctx, "from", true), to = query_year(ctx, "to", true);
    auto a = readable_year(ctx, from), b = readable_year(ctx, to);
    auto rank = [&](const std::optional<std::string>& g) -> std::optional<std::size_t> {
      if (!g) return std::nullopt;
      const auto& all = grades.grades();
      for (std::size_t i = 0; i < all.size(); ++i) {
        if (all[i].code == *g) return i;
      }
      return std::nullopt;
    };
    using Key = std::pair<std::string, std::vector<std::string>>;
    std::map<Key, std::pair<const model::SheetRecord*, const model::SheetRecord*>> pairs;
    for (const auto& r : a) pairs[{r.measure_key, r.departments}].first = &r;
    for (const auto& r : b) pairs[{r.measure_key, r.departments}].second = &r;
    json::array items;
    for (const auto& [key, p] : pairs) {
      const model::Measure* m = nullptr;
      for (const auto& x : plan.structure.measures) {
        if (x.id == key.first) m = &x;
      }
      auto side = [](const model::SheetRecord* r) -> json::value {
        if (!r) return nullptr;
        return json::object{{"sheet_no", r->sheet_no}, {"grade", r->grade ? json::value(*r->grade) : json::value(nullptr)}, {"state", r->state}};
      };
      std::string change;
      if (!p.first) change = "new";
      else if (!p.second) change = "dropped";
      else {
        auto ra = rank(p.first->grade), rb = rank(p.second->grade);
        if (!ra || !rb) change = "ungraded";
        else change = *rb < *ra ? "rose" : *rb > *ra ? "fell" : "stayed";
      }
      json::array deps;
      for (const auto& d : key.second) deps.emplace_back(d);
      json::object item{{"measure", key.first}, {"departments", std::move(deps)}, {"from", side(p.first)}, {"to", side(p.second)}, {"change", change}};
      item["title"] = m ? json::value(m->title) : json::value(nullptr);
      item["number"] = m && m->number ? json::value(*m->number) : json::value(nullptr);
      items.push_back(std::move(item));
    }
    return json_response(http::status::ok, json::object{{"from", from}, {"to", to}, {"items", std::move(items)}}, ctx.req.version());
  }

  // ---- reminders (issue 6)

  Response get_notifications(Ctx& ctx) {
    bool unread_only = false;
    if (auto u = query_text(ctx, "unread")) {
      if (*u != "true" && *u != "false") fail(http::status::bad_request, "unread は true か false です。", "unread must be true or false", "unread");
      unread_only = *u == "true";
    }
    const int limit = static_cast<int>(query_int(ctx, "limit", 1, settings.max_page).value_or(50));
    const long long before = query_int(ctx, "cursor", 1, std::numeric_limits<long long>::max()).value_or(0);
    auto page = backend.notifications(ctx.session->user.id, unread_only, before, limit + 1);
    std::optional<std::string> next;
    if (static_cast<int>(page.items.size()) > limit) {
      page.items.resize(static_cast<std::size_t>(limit));
      next = std::to_string(page.items.back().id);
    }
    json::array items;
    for (const auto& n : page.items) items.push_back(notification_json(n));
    return json_response(http::status::ok,
                         json::object{{"items", std::move(items)}, {"unread", page.unread}, {"total", page.total},
                                      {"next_cursor", next ? json::value(*next) : json::value(nullptr)}},
                         ctx.req.version());
  }

  static json::object notification_json(const Notification& n) {
    return {{"id", n.id},       {"sheet_id", n.sheet_id}, {"year", n.year},
            {"sheet_no", n.sheet_no}, {"title", n.title}, {"body", n.body},
            {"created_at", n.created_at}, {"read_at", n.read_at ? json::value(*n.read_at) : json::value(nullptr)}};
  }

  Response post_notification_read(Ctx& ctx) {
    const std::string& text = ctx.params.at(0);
    long long id = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), id);
    // Another user's notification is as unknown as one that does not exist: its id says nothing.
    auto not_found = [&] { fail(http::status::not_found, "お知らせが見つかりません。", fmt::format("no notification {}", text)); };
    if (r.ec != std::errc() || r.ptr != text.data() + text.size() || id <= 0) not_found();
    if (!backend.mark_notification_read(ctx.session->user.id, id, ctx.now)) not_found();
    const auto page = backend.notifications(ctx.session->user.id, true, 0, 0);
    return json_response(http::status::ok, json::object{{"id", id}, {"read", true}, {"unread", page.unread}}, ctx.req.version());
  }

  Response get_pending(Ctx& ctx) {
    if (!is_reader_of_audit(ctx.actor())) {
      fail(http::status::forbidden, "検討中の項目の一覧を閲覧できるのは調整担当・監査担当・管理者だけです。",
           "the pending items report is for coordinators, auditors and admins");
    }
    const int year = query_year(ctx, "year", false);
    const auto pending = backend.pending_items(year ? std::optional<int>(year) : std::nullopt, ctx.now);
    json::array items;
    for (const auto& p : pending) {
      json::array deps, roles, acting, gaps;
      for (const auto& d : p.departments) deps.emplace_back(d);
      for (const auto& r : p.roles) roles.emplace_back(r);
      for (const auto& a : p.must_act) {
        acting.push_back(json::object{{"login", a.login}, {"stands_in_for", a.stands_in_for ? json::value(*a.stands_in_for) : json::value(nullptr)}});
      }
      for (const auto& g : p.gaps) gaps.emplace_back(g);
      auto label = workflow.state_labels.find(p.state);
      items.push_back(json::object{{"sheet_id", p.sheet_id},
                                   {"year", p.year},
                                   {"sheet_no", p.sheet_no},
                                   {"state", p.state},
                                   {"state_label", label == workflow.state_labels.end() ? p.state : label->second},
                                   {"grade", p.grade ? json::value(*p.grade) : json::value(nullptr)},
                                   {"previous_grade", p.previous_grade ? json::value(*p.previous_grade) : json::value(nullptr)},
                                   {"departments", std::move(deps)},
                                   {"state_since", p.state_since},
                                   {"business_days_pending", p.business_days_pending},
                                   {"roles", std::move(roles)},
                                   {"must_act", std::move(acting)},
                                   {"gaps", std::move(gaps)}});
    }
    return json_response(http::status::ok,
                         json::object{{"year", year ? json::value(year) : json::value(nullptr)},
                                      {"as_of", format_rfc3339(ctx.now)},
                                      {"count", items.size()},
                                      {"items", std::move(items)}},
                         ctx.req.version());
  }

  Response get_openapi(Ctx& ctx) {
    return text_response("application/json; charset=utf-8", HttpApi::openapi_document(), ctx.req.version());
  }

  Response get_healthz(Ctx& ctx) { return json_response(http::status::ok, json::object{{"status", "up"}}, ctx.req.version()); }

  Response get_readyz(Ctx& ctx) {
    std::string why;
    try {
      why = backend.readiness();
    } catch (const std::exception& e) {
      why = e.what();
    }
    if (!why.empty()) {
      Response res = problem_response(http::status::service_unavailable, "準備ができていません。", why, std::nullopt, ctx.req.version());
      res.set(http::field::retry_after, "5");
      return res;
    }
    return json_response(http::status::ok, json::object{{"status", "ready"}}, ctx.req.version());
  }

  Response get_metrics(Ctx& ctx) {
    const PoolStats p = backend.pool_stats();
    std::string extra = fmt::format(
        "# HELP shinchoku_db_pool_connections Pooled database connections.\n# TYPE shinchoku_db_pool_connections gauge\n"
        "shinchoku_db_pool_connections {}\n"
        "# HELP shinchoku_db_pool_in_use Pooled connections leased now.\n# TYPE shinchoku_db_pool_in_use gauge\n"
        "shinchoku_db_pool_in_use {}\n"
        "# HELP shinchoku_db_pool_waiting Requests waiting for a pooled connection.\n# TYPE shinchoku_db_pool_waiting gauge\n"
        "shinchoku_db_pool_waiting {}\n",
        p.size, p.in_use, p.waiting);
    // Read from the database at scrape time; without it, the metrics of this process still answer.
    try {
      const OutboxCounts o = backend.outbox_counts();
      extra += fmt::format(
          "# HELP shinchoku_reminder_outbox Reminder outbox rows by state (pending: never tried; retrying: pending after a failure).\n"
          "# TYPE shinchoku_reminder_outbox gauge\n"
          "shinchoku_reminder_outbox{{state=\"pending\"}} {}\nshinchoku_reminder_outbox{{state=\"retrying\"}} {}\n"
          "shinchoku_reminder_outbox{{state=\"sending\"}} {}\nshinchoku_reminder_outbox{{state=\"sent\"}} {}\n"
          "shinchoku_reminder_outbox{{state=\"dead\"}} {}\n",
          o.pending, o.retrying, o.sending, o.sent, o.dead);
    } catch (const std::exception& e) {
      spdlog::warn("metrics: outbox counts unavailable: {}", e.what());
    }
    return text_response("text/plain; version=0.0.4; charset=utf-8", metrics.render(extra), ctx.req.version());
  }
};

const std::vector<HttpApi::Impl::Route>& HttpApi::Impl::route_table() {
  using V = http::verb;
  static const std::vector<Route> table{
      {V::post, "/api/v1/session", "/api/v1/session", Auth::none, &Impl::post_session, {}},
      {V::delete_, "/api/v1/session", "/api/v1/session", Auth::required, &Impl::delete_session, {}},
      {V::get, "/api/v1/me", "/api/v1/me", Auth::required, &Impl::get_me, {}},
      {V::get, "/api/v1/years", "/api/v1/years", Auth::required, &Impl::get_years, {}},
      {V::get, "/api/v1/workflow", "/api/v1/workflow", Auth::required, &Impl::get_workflow, {}},
      {V::post, "/api/v1/years/{}/close", "/api/v1/years/{year}/close", Auth::required, &Impl::post_year_close, {}},
      {V::get, "/api/v1/sheets", "/api/v1/sheets", Auth::required, &Impl::get_sheets,
       {"year", "department", "state", "grade", "sheet_no", "q", "limit", "cursor"}},
      {V::get, "/api/v1/sheets/{}", "/api/v1/sheets/{id}", Auth::required, &Impl::get_sheet, {"as_of"}},
      {V::patch, "/api/v1/sheets/{}", "/api/v1/sheets/{id}", Auth::required, &Impl::patch_sheet, {}},
      {V::post, "/api/v1/sheets/{}/transitions", "/api/v1/sheets/{id}/transitions", Auth::required, &Impl::post_transition, {}},
      {V::get, "/api/v1/sheets/{}/history", "/api/v1/sheets/{id}/history", Auth::required, &Impl::get_sheet_history, {}},
      {V::get, "/api/v1/measures/{}", "/api/v1/measures/{id}", Auth::required, &Impl::get_measure, {}},
      {V::get, "/api/v1/measures/{}/history", "/api/v1/measures/{id}/history", Auth::required, &Impl::get_measure_history, {}},
      {V::get, "/api/v1/audit", "/api/v1/audit", Auth::required, &Impl::get_audit,
       {"actor", "entity", "since", "until", "cursor", "limit", "format"}},
      {V::get, "/api/v1/audit/verify", "/api/v1/audit/verify", Auth::required, &Impl::get_audit_verify, {}},
      {V::get, "/api/v1/reports/progress", "/api/v1/reports/progress", Auth::required, &Impl::get_progress, {"year", "format"}},
      {V::get, "/api/v1/reports/summary", "/api/v1/reports/summary", Auth::required, &Impl::get_summary, {"year"}},
      {V::get, "/api/v1/reports/year-over-year", "/api/v1/reports/year-over-year", Auth::required, &Impl::get_year_over_year, {"from", "to"}},
      {V::get, "/api/v1/reports/pending", "/api/v1/reports/pending", Auth::required, &Impl::get_pending, {"year"}},
      {V::get, "/api/v1/notifications", "/api/v1/notifications", Auth::required, &Impl::get_notifications, {"unread", "limit", "cursor"}},
      {V::post, "/api/v1/notifications/{}/read", "/api/v1/notifications/{id}/read", Auth::required, &Impl::post_notification_read, {}},
      {V::get, "/api/v1/openapi.json", "/api/v1/openapi.json", Auth::none, &Impl::get_openapi, {}},
      {V::get, "/healthz", "/healthz", Auth::none, &Impl::get_healthz, {}},
      {V::get, "/readyz", "/readyz", Auth::none, &Impl::get_readyz, {}},
      {V::get, "/metrics", "/metrics", Auth::none, &Impl::get_metrics, {}},
  };
  return table;
}

HttpApi::HttpApi(Backend& backend, const model::PlanSeed& plan, const model::Workflow& workflow, const model::GradeScale& grades,
                 engine::Rules rules, ApiSettings settings)
    : impl_(std::make_unique<Impl>(backend, plan, workflow, grades, rules, std::move(settings))) {}
HttpApi::~HttpApi() = default;

Response HttpApi::handle(Request&& request, const ClientInfo& client) { return impl_->handle(std::move(request), client); }
Metrics& HttpApi::metrics() { return impl_->metrics; }

std::vector<RouteInfo> HttpApi::routes() {
  std::vector<RouteInfo> out;
  for (const auto& r : Impl::route_table()) out.push_back({std::string(http::to_string(r.method)), r.name});
  return out;
}

}  // namespace api
