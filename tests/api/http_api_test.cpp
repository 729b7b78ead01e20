// The HTTP API as a plain function (no sockets, no database): routing, sessions, CSRF, the
// order of status codes, problem+json, and every response checked against api/openapi.json.
// The database-backed behaviour is tested over real sockets in tests/http/.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include <unistd.h>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "api/http_api.hpp"
#include "default_workflow.hpp"
#include "engine/errors.hpp"
#include "openapi_validator.hpp"
#include "small_plan.hpp"
#include "web/static_assets.hpp"

namespace json = boost::json;
namespace http = api::http;

namespace {

// Sheets in memory behind the real command service, so the engine's decisions are the real ones.
class MemoryStore : public engine::SheetStore {
 public:
  std::map<long long, api::SheetData> sheets;
  std::map<long long, json::array> events;

  class Work : public engine::SheetUnitOfWork {
   public:
    explicit Work(MemoryStore& s) : s_(s) {}
    std::optional<engine::SheetState> lock_sheet(const engine::SheetRef& ref) override {
      auto it = s_.sheets.find(ref.id.value_or(0));
      if (it == s_.sheets.end()) return std::nullopt;
      engine::SheetState locked = it->second.state;
      locked.previous_grade = it->second.previous_grade;
      locked.previous_next_steps = it->second.previous_next_steps;
      return locked;
    }
    void save_and_commit(const engine::SheetState& after, int expected_version, const engine::AuditEntry& entry) override {
      auto& row = s_.sheets.at(*after.sheet.id);
      if (row.state.sheet.version != expected_version) throw engine::CommandError(engine::Refusal::conflict, "changed meanwhile");
      row.state = after;
      auto& chain = s_.events[*after.sheet.id];
      chain.push_back(json::object{{"id", static_cast<long long>(chain.size() + 1)}, {"entity_type", "sheet"},
                                   {"entity_id", std::to_string(*after.sheet.id)}, {"chain_position", static_cast<long long>(chain.size() + 1)},
                                   {"occurred_at", "2020-06-01T00:00:00.000000Z"}, {"actor", entry.actor}, {"actor_grant", entry.grant},
                                   {"action", entry.action}, {"changes", json::object{}},
                                   {"comment", entry.comment ? json::value(*entry.comment) : json::value(nullptr)},
                                   {"request_id", entry.request_id}, {"hash", "00"}});
    }

   private:
    MemoryStore& s_;
  };
  std::unique_ptr<engine::SheetUnitOfWork> begin() override { return std::make_unique<Work>(*this); }
};

class FakeBackend : public api::Backend {
 public:
  FakeBackend(const model::Workflow& w, const model::GradeScale& g) : rules_{w, g, true} {}

  struct Account {
    api::UserInfo info;
    std::string password;
  };
  std::map<std::string, Account> users;
  std::map<std::string, std::pair<std::string, std::string>> sessions;  // token hash -> login, csrf
  MemoryStore store;
  bool database_down = false;
  std::string not_ready;

  void check_up() const {
    if (database_down) throw api::Unavailable("database down");
  }

  std::optional<api::UserInfo> check_password(const std::string& login, const std::string& password) override {
    check_up();
    auto it = users.find(login);
    if (it == users.end() || it->second.password != password || !it->second.info.active) return std::nullopt;
    return it->second.info;
  }
  std::optional<api::TimePoint> login_blocked_until(const std::string&, const std::string&, api::TimePoint) override {
    check_up();
    return std::nullopt;
  }
  void record_login_failure(const std::string&, const std::string&, api::TimePoint) override {}
  void clear_login_failures(const std::string&) override {}
  void create_session(const api::NewSession& s) override {
    for (const auto& [login, a] : users) {
      if (a.info.id == s.user_id) sessions[s.token_hash_hex] = {login, s.csrf_token};
    }
  }
  std::optional<api::LiveSession> touch_session(const std::string& hash, api::TimePoint) override {
    check_up();
    auto it = sessions.find(hash);
    if (it == sessions.end() || !users.at(it->second.first).info.active) return std::nullopt;
    return api::LiveSession{users.at(it->second.first).info, it->second.second, "2020-06-01T12:00:00Z", "2020-06-01T00:30:00Z"};
  }
  bool end_session(const std::string& hash, api::TimePoint) override { return sessions.erase(hash) > 0; }

  std::map<int, std::string> year_states{{2019, "closed"}, {2020, "open"}};
  std::vector<std::string> closed_by;  // "login as grant (request id)" of each close

  json::object year_json(int year) {
    json::object by_state, by_grade;
    long long n = 0;
    for (const auto& [id, d] : store.sheets) {
      const auto& s = d.state.sheet;
      if (s.year != year) continue;
      ++n;
      by_state[s.state] = (by_state.contains(s.state) ? by_state[s.state].as_int64() : 0) + 1;
      const std::string g = s.grade.value_or("none");
      by_grade[g] = (by_grade.contains(g) ? by_grade[g].as_int64() : 0) + 1;
    }
    return {{"year", year},       {"label", year == 2019 ? "令和元年度" : "令和2年度"}, {"state", year_states.at(year)}, {"sheets", n},
            {"retired", 0},       {"counts", json::object{{"by_state", std::move(by_state)}, {"by_grade", std::move(by_grade)}}}};
  }
  json::array years() override {
    check_up();
    json::array out;
    for (const auto& [year, state] : year_states) out.push_back(year_json(year));
    return out;
  }
  json::object close_year(int year, const std::string& final_state, const std::string& actor, const std::string& grant,
                          const std::string& request_id) override {
    check_up();
    if (!year_states.contains(year)) throw api::NotFound(fmt::format("no fiscal year {}", year));
    if (year_states[year] == "closed") throw api::YearNotClosable("closed already", "closed", {});
    std::vector<api::YearNotClosable::Sheet> pending;
    for (const auto& [id, d] : store.sheets) {
      if (d.state.sheet.year == year && d.state.sheet.state != final_state) pending.push_back({d.state.sheet.sheet_no, d.state.sheet.state});
    }
    if (!pending.empty()) throw api::YearNotClosable("not final", "open", std::move(pending));
    year_states[year] = "closed";
    closed_by.push_back(fmt::format("{} as {} ({})", actor, grant, request_id));
    return year_json(year);
  }
  std::vector<api::SheetData> list_sheets(const api::SheetQuery& q) override {
    check_up();
    std::vector<api::SheetData> out;
    for (const auto& [id, d] : store.sheets) {
      const auto& s = d.state.sheet;
      if (q.after && std::make_pair(s.year, s.sheet_no) <= *q.after) continue;
      const bool mine = std::any_of(s.departments.begin(), s.departments.end(), [&](const std::string& x) {
        return std::find(q.departments.begin(), q.departments.end(), x) != q.departments.end();
      });
      if (!q.all_access && s.state != q.final_state && !mine) continue;
      if (q.year && s.year != *q.year) continue;
      out.push_back(d);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return std::make_pair(a.state.sheet.year, a.state.sheet.sheet_no) < std::make_pair(b.state.sheet.year, b.state.sheet.sheet_no);
    });
    if (static_cast<int>(out.size()) > q.limit + 1) out.resize(q.limit + 1);
    return out;
  }
  std::optional<api::SheetData> sheet(long long id) override {
    check_up();
    auto it = store.sheets.find(id);
    if (it == store.sheets.end()) return std::nullopt;
    return it->second;
  }
  model::SheetRecord sheet_as_of(long long id, api::TimePoint) override { return store.sheets.at(id).state.sheet; }
  json::array sheet_history(long long id) override { return store.events[id]; }
  std::vector<api::SheetData> measure_sheets(const std::string& key) override {
    std::vector<api::SheetData> out;
    for (const auto& [id, d] : store.sheets) {
      if (d.state.sheet.measure_key == key) out.push_back(d);
    }
    return out;
  }
  json::array measure_history(const std::string&) override { return {}; }
  api::AuditPage audit(const api::AuditQuery&) override { return {}; }
  json::object verify_audit() override { return {{"ok", true}, {"checked", 0}, {"failure", nullptr}}; }
  std::vector<model::SheetRecord> year_sheets(int year) override {
    std::vector<model::SheetRecord> out;
    for (const auto& [id, d] : store.sheets) {
      if (d.state.sheet.year == year) out.push_back(d.state.sheet);
    }
    if (out.empty()) throw api::NotFound(fmt::format("no fiscal year {}", year));
    return out;
  }
  engine::Decision execute(const engine::SheetRef& ref, const engine::CommandService::Prepare& prepare, const model::Actor& a,
                           const std::string& rid) override {
    check_up();
    engine::CommandService service(store, rules_);
    return service.execute(ref, prepare, a, rid);
  }
  std::string readiness() override { return database_down ? "database down" : not_ready; }
  api::PoolStats pool_stats() override { return {4, 0, 0}; }

  // ---- reminders
  std::vector<std::pair<long long, api::Notification>> inbox;  // owner's user id, notification; oldest first
  std::vector<api::PendingItem> pending;
  api::OutboxCounts outbox{3, 1, 0, 7, 2};

  api::NotificationPage notifications(long long user_id, bool unread_only, long long before, int limit) override {
    check_up();
    api::NotificationPage page;
    for (auto it = inbox.rbegin(); it != inbox.rend(); ++it) {
      const auto& [owner, n] = *it;
      if (owner != user_id) continue;
      ++page.total;
      if (!n.read_at) ++page.unread;
      if ((unread_only && n.read_at) || (before != 0 && n.id >= before)) continue;
      if (static_cast<int>(page.items.size()) < limit) page.items.push_back(n);
    }
    return page;
  }
  bool mark_notification_read(long long user_id, long long id, api::TimePoint) override {
    check_up();
    for (auto& [owner, n] : inbox) {
      if (owner != user_id || n.id != id) continue;
      if (!n.read_at) n.read_at = "2020-06-02T01:00:00Z";
      return true;
    }
    return false;
  }
  std::vector<api::PendingItem> pending_items(std::optional<int> year, api::TimePoint) override {
    check_up();
    if (year && *year != 2019 && *year != 2020) throw api::NotFound(fmt::format("no fiscal year {}", *year));
    std::vector<api::PendingItem> out;
    for (const auto& p : pending) {
      if (!year || p.year == *year) out.push_back(p);
    }
    return out;
  }
  api::OutboxCounts outbox_counts() override {
    check_up();
    return outbox;
  }

 private:
  engine::Rules rules_;
};

model::SheetRecord record(long long id, int year, int no, const std::string& measure, std::string department, std::string state,
                          std::optional<std::string> grade = std::nullopt) {
  model::SheetRecord r;
  r.id = id;
  r.year = year;
  r.sheet_no = no;
  r.measure_key = measure;
  r.departments = {std::move(department)};
  r.state = std::move(state);
  r.grade = std::move(grade);
  return r;
}

class HttpApiTest : public ::testing::Test {
 protected:
  model::PlanSeed plan = testing_support::small_seed();
  model::Workflow workflow = testing_support::default_workflow();
  model::GradeScale grades{plan.plan.grades};
  FakeBackend backend{workflow, grades};
  api::HttpApi http_api{backend, plan, workflow, grades, engine::Rules{workflow, grades, true}, {}};
  testing_support::OpenApi openapi{api::HttpApi::openapi_document()};

  void SetUp() override {
    auto user = [&](long long id, const std::string& login, const std::string& role, std::optional<std::string> dept) {
      model::Actor a{login, {{role, dept, std::nullopt}}};
      backend.users[login] = {{id, login, login + " さん", true, a}, login + "-secret-pass"};
    };
    user(1, "tanaka", "staff", "地域福祉課");
    user(2, "kacho", "approver", "地域福祉課");
    user(3, "coord", "coordinator", std::nullopt);
    user(4, "audit", "auditor", std::nullopt);
    user(5, "kaigo", "staff", "介護保険課");
    backend.store.sheets[1] = {{record(1, 2019, 6, "M01", "地域福祉課", "accepted", "A"), false, false, {}}, std::nullopt, std::nullopt};
    backend.store.sheets[2] = {{record(2, 2020, 6, "M01", "地域福祉課", "draft"), false, true, {}}, "A", "続ける"};
    backend.store.sheets[3] = {{record(3, 2020, 17, "M02", "介護保険課", "draft"), false, true, {}}, std::nullopt, std::nullopt};
  }

  // Notifications 1–4 for tanaka (id 1), 5 for kacho (id 2); 2 already read.
  void fill_inbox() {
    auto n = [&](long long owner, long long id, std::optional<std::string> read_at) {
      backend.inbox.push_back({owner, {id, 2, 2020, 6, fmt::format("検討中の項目 {}", id), "本文", fmt::format("2020-06-0{}T00:00:00Z", id),
                                       std::move(read_at)}});
    };
    n(1, 1, std::nullopt);
    n(1, 2, "2020-06-03T00:00:00Z");
    n(1, 3, std::nullopt);
    n(1, 4, std::nullopt);
    n(2, 5, std::nullopt);
  }

  struct Reply {
    unsigned status;
    json::value body;  // null when not JSON
    api::Response raw;
  };

  // Sends a request and checks the response against the OpenAPI document.
  Reply send(http::verb method, const std::string& target, const std::string& body = "",
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    api::Request req{method, target, 11};
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() && req.find(http::field::content_type) == req.end()) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    api::Response res = http_api.handle(std::move(req), {"192.0.2.1"});
    const std::string ctype(res[http::field::content_type]);
    const auto problems = openapi.check(std::string(http::to_string(method)), target, res.result_int(), ctype, res.body());
    std::string joined;
    for (const auto& p : problems) joined += p + "\n";
    // An unknown path or method has no operation to check against.
    const bool described = openapi.path_template(target.substr(0, target.find('?'))).has_value() && res.result_int() != 405;
    if (described) {
      EXPECT_TRUE(problems.empty()) << http::to_string(method) << " " << target << " " << res.result_int() << ":\n" << joined << res.body();
    }
    boost::system::error_code ec;
    json::value v = json::parse(res.body(), ec);
    return {res.result_int(), ec ? json::value(nullptr) : v, std::move(res)};
  }

  std::string login(const std::string& who) {
    auto r = send(http::verb::post, "/api/v1/session", fmt::format(R"({{"login":"{}","password":"{}-secret-pass"}})", who, who));
    EXPECT_EQ(r.status, 201u) << r.raw.body();
    return std::string(r.body.at("token").as_string());
  }
  static std::pair<std::string, std::string> bearer(const std::string& token) { return {"Authorization", "Bearer " + token}; }
};

TEST_F(HttpApiTest, EveryRouteIsInTheOpenApiDocumentAndNothingElse) {
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& r : api::HttpApi::routes()) {
    EXPECT_TRUE(openapi.describes(r.method, r.path)) << r.method << " " << r.path << " is served but not described";
    served.insert({r.method, r.path});
  }
  for (const auto& [path, item] : openapi.doc().at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      std::string m(method);
      for (auto& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      EXPECT_TRUE(served.contains({m, std::string(path)})) << m << " " << path << " is described but not served";
    }
  }
}

TEST_F(HttpApiTest, WrongPasswordAndUnknownLoginGetTheSameAnswer) {
  auto wrong = send(http::verb::post, "/api/v1/session", R"({"login":"tanaka","password":"nope-nope-nope"})");
  auto unknown = send(http::verb::post, "/api/v1/session", R"({"login":"nobody","password":"nope-nope-nope"})");
  EXPECT_EQ(wrong.status, 401u);
  EXPECT_EQ(unknown.status, 401u);
  EXPECT_EQ(wrong.raw.body(), unknown.raw.body());
}

TEST_F(HttpApiTest, LoginGivesATokenACookieAndWhoIAm) {
  auto r = send(http::verb::post, "/api/v1/session", R"({"login":"tanaka","password":"tanaka-secret-pass"})");
  ASSERT_EQ(r.status, 201u);
  const std::string token(r.body.at("token").as_string());
  EXPECT_GE(token.size(), 32u);  // ≥ 128 bits in hex
  bool http_only = false;
  for (const auto& f : r.raw) {
    if (f.name() == http::field::set_cookie && f.value().find("shinchoku_session=") == 0) {
      http_only = f.value().find("HttpOnly") != std::string_view::npos && f.value().find("SameSite=Strict") != std::string_view::npos;
    }
  }
  EXPECT_TRUE(http_only);
  auto me = send(http::verb::get, "/api/v1/me", "", {bearer(token)});
  ASSERT_EQ(me.status, 200u);
  EXPECT_EQ(me.body.at("login"), "tanaka");
  EXPECT_EQ(me.body.at("departments").as_array().at(0), "地域福祉課");
}

TEST_F(HttpApiTest, NoSessionIs401BeforeAnythingElse) {
  EXPECT_EQ(send(http::verb::get, "/api/v1/sheets/999").status, 401u);
  EXPECT_EQ(send(http::verb::patch, "/api/v1/sheets/999", "{not json").status, 401u);
  EXPECT_EQ(send(http::verb::get, "/api/v1/me", "", {{"Authorization", "Bearer 00"}}).status, 401u);
}

TEST_F(HttpApiTest, StatusCodesComeInTheIssuesOrder) {
  const auto staff = bearer(login("tanaka"));
  const auto other = bearer(login("kaigo"));
  const auto auditor = bearer(login("audit"));
  const auto approver = bearer(login("kacho"));
  // 404 before 403: no such sheet, whoever asks.
  EXPECT_EQ(send(http::verb::patch, "/api/v1/sheets/999", "{not json", {other}).status, 404u);
  // 403: another department's draft is not readable; an auditor may never edit, even with a malformed body.
  EXPECT_EQ(send(http::verb::get, "/api/v1/sheets/2", "", {other}).status, 403u);
  EXPECT_EQ(send(http::verb::patch, "/api/v1/sheets/2", "{not json", {auditor, {"If-Match", "\"1\""}}).status, 403u);
  // 400 before 428.
  EXPECT_EQ(send(http::verb::patch, "/api/v1/sheets/2", "{not json", {staff}).status, 400u);
  auto no_match = send(http::verb::patch, "/api/v1/sheets/2", R"({"grade":"A"})", {staff});
  EXPECT_EQ(no_match.status, 428u);
  // 412 before 422: a stale version wins over an unknown field.
  EXPECT_EQ(send(http::verb::patch, "/api/v1/sheets/2", R"({"colour":"red"})", {staff, {"If-Match", "\"7\""}}).status, 412u);
  auto unknown = send(http::verb::patch, "/api/v1/sheets/2", R"({"colour":"red"})", {staff, {"If-Match", "\"1\""}});
  EXPECT_EQ(unknown.status, 422u);
  EXPECT_EQ(unknown.body.at("field"), "colour");
  auto bad_grade = send(http::verb::patch, "/api/v1/sheets/2", R"({"grade":"E"})", {staff, {"If-Match", "\"1\""}});
  EXPECT_EQ(bad_grade.status, 422u);
  EXPECT_EQ(bad_grade.body.at("field"), "grade");
  auto wrong_type = send(http::verb::patch, "/api/v1/sheets/2", R"({"actions":5})", {staff, {"If-Match", "\"1\""}});
  EXPECT_EQ(wrong_type.status, 422u);
  EXPECT_EQ(wrong_type.body.at("field"), "actions");
  // 409: an approver may approve, but not a draft.
  EXPECT_EQ(send(http::verb::post, "/api/v1/sheets/2/transitions", R"({"action":"approve"})", {approver, {"If-Match", "\"1\""}}).status, 409u);
  // Nothing of the refused commands was written.
  EXPECT_EQ(backend.store.sheets.at(2).state.sheet.version, 1);
  EXPECT_TRUE(backend.store.events[2].empty());
}

TEST_F(HttpApiTest, AnEditReturnsTheNewSheetWithItsETag) {
  const auto staff = bearer(login("tanaka"));
  auto r = send(http::verb::patch, "/api/v1/sheets/2", R"({"grade":"C","actions":"検討した","next_steps":"続ける"})", {staff, {"If-Match", "\"1\""}});
  ASSERT_EQ(r.status, 200u) << r.raw.body();
  EXPECT_EQ(r.raw[http::field::etag], "\"2\"");
  EXPECT_EQ(r.body.at("grade"), "C");
  EXPECT_EQ(r.body.at("previous").at("grade"), "A");
  EXPECT_EQ(backend.store.events[2].size(), 1u);
  // The ETag of GET is the version, and a weak one is accepted back.
  auto g = send(http::verb::get, "/api/v1/sheets/2", "", {staff});
  EXPECT_EQ(g.raw[http::field::etag], "\"2\"");
  auto submit = send(http::verb::post, "/api/v1/sheets/2/transitions", R"({"action":"submit"})", {staff, {"If-Match", "W/\"2\""}});
  EXPECT_EQ(submit.status, 200u) << submit.raw.body();
  EXPECT_EQ(submit.body.at("state"), "submitted");
}

TEST_F(HttpApiTest, ACookieSessionNeedsTheCsrfHeaderForChanges) {
  auto r = send(http::verb::post, "/api/v1/session", R"({"login":"tanaka","password":"tanaka-secret-pass"})");
  const std::string token(r.body.at("token").as_string()), csrf(r.body.at("csrf_token").as_string());
  const std::pair<std::string, std::string> cookie{"Cookie", "theme=dark; shinchoku_session=" + token};
  EXPECT_EQ(send(http::verb::get, "/api/v1/sheets/2", "", {cookie}).status, 200u);
  EXPECT_EQ(send(http::verb::patch, "/api/v1/sheets/2", R"({"grade":"C"})", {cookie, {"If-Match", "\"1\""}}).status, 403u);
  EXPECT_EQ(send(http::verb::patch, "/api/v1/sheets/2", R"({"grade":"C"})", {cookie, {"If-Match", "\"1\""}, {"X-CSRF-Token", "wrong"}}).status, 403u);
  EXPECT_EQ(send(http::verb::patch, "/api/v1/sheets/2", R"({"grade":"C"})", {cookie, {"If-Match", "\"1\""}, {"X-CSRF-Token", csrf}}).status, 200u);
}

TEST_F(HttpApiTest, LogoutEndsTheSession) {
  const auto token = login("tanaka");
  EXPECT_EQ(send(http::verb::delete_, "/api/v1/session", "", {bearer(token)}).status, 204u);
  EXPECT_EQ(send(http::verb::get, "/api/v1/me", "", {bearer(token)}).status, 401u);
}

TEST_F(HttpApiTest, ListsShowOnlyWhatTheCallerMayReadAPageAtATime) {
  auto ids = [&](const std::pair<std::string, std::string>& who, const std::string& query) {
    std::vector<long long> out;
    std::string cursor;
    for (int page = 0; page < 10; ++page) {
      auto r = send(http::verb::get, "/api/v1/sheets?limit=1" + query + (cursor.empty() ? "" : "&cursor=" + cursor), "", {who});
      EXPECT_EQ(r.status, 200u);
      for (const auto& i : r.body.at("items").as_array()) out.push_back(i.at("id").as_int64());
      if (r.body.at("next_cursor").is_null()) break;
      cursor = std::string(r.body.at("next_cursor").as_string());
    }
    return out;
  };
  EXPECT_EQ(ids(bearer(login("tanaka")), ""), (std::vector<long long>{1, 2}));
  EXPECT_EQ(ids(bearer(login("kaigo")), ""), (std::vector<long long>{1, 3}));
  EXPECT_EQ(ids(bearer(login("coord")), ""), (std::vector<long long>{1, 2, 3}));
  EXPECT_EQ(ids(bearer(login("coord")), "&year=2020"), (std::vector<long long>{2, 3}));
}

TEST_F(HttpApiTest, BadQueriesAreRefusedWithTheParameterNamed) {
  const auto staff = bearer(login("tanaka"));
  auto unknown = send(http::verb::get, "/api/v1/sheets?colour=red", "", {staff});
  EXPECT_EQ(unknown.status, 400u);
  EXPECT_EQ(unknown.body.at("field"), "colour");
  EXPECT_EQ(send(http::verb::get, "/api/v1/sheets?limit=0", "", {staff}).status, 400u);
  EXPECT_EQ(send(http::verb::get, "/api/v1/sheets?grade=E", "", {staff}).status, 400u);
  EXPECT_EQ(send(http::verb::get, "/api/v1/sheets/2?as_of=yesterday", "", {staff}).status, 400u);
  EXPECT_EQ(send(http::verb::get, "/api/v1/reports/summary", "", {staff}).status, 400u);
}

TEST_F(HttpApiTest, UnknownPathsAndMethodsSayWhat) {
  EXPECT_EQ(send(http::verb::get, "/api/v1/nothing").status, 404u);
  auto r = send(http::verb::put, "/api/v1/sheets/2");
  EXPECT_EQ(r.status, 405u);
  EXPECT_NE(r.raw[http::field::allow].find("PATCH"), std::string_view::npos);
}

TEST_F(HttpApiTest, TheRequestIdIsEchoedOrMade) {
  api::Request req{http::verb::get, "/healthz", 11};
  req.set("X-Request-Id", "abc-123");
  EXPECT_EQ(http_api.handle(std::move(req), {"192.0.2.1"})["X-Request-Id"], "abc-123");
  api::Request plain{http::verb::get, "/healthz", 11};
  EXPECT_EQ(http_api.handle(std::move(plain), {"192.0.2.1"})["X-Request-Id"].size(), 32u);
}

TEST_F(HttpApiTest, ADatabaseOutageIs503WithRetryAfterAndReadyzSaysSo) {
  const auto staff = bearer(login("tanaka"));
  backend.database_down = true;
  auto r = send(http::verb::get, "/api/v1/sheets/2", "", {staff});
  EXPECT_EQ(r.status, 503u);
  EXPECT_FALSE(r.raw[http::field::retry_after].empty());
  EXPECT_EQ(send(http::verb::get, "/readyz").status, 503u);
  EXPECT_EQ(send(http::verb::get, "/healthz").status, 200u);
  backend.database_down = false;
  EXPECT_EQ(send(http::verb::get, "/api/v1/sheets/2", "", {staff}).status, 200u);
}

TEST_F(HttpApiTest, AuditRoutesAreForAuditorsCoordinatorsAndAdmins) {
  EXPECT_EQ(send(http::verb::get, "/api/v1/audit", "", {bearer(login("tanaka"))}).status, 403u);
  EXPECT_EQ(send(http::verb::get, "/api/v1/audit/verify", "", {bearer(login("tanaka"))}).status, 403u);
  EXPECT_EQ(send(http::verb::get, "/api/v1/audit", "", {bearer(login("audit"))}).status, 200u);
  EXPECT_EQ(send(http::verb::get, "/api/v1/audit/verify", "", {bearer(login("coord"))}).status, 200u);
}

TEST_F(HttpApiTest, SummaryAndYearOverYearCountWhatTheCallerMayRead) {
  const auto coord = bearer(login("coord"));
  auto s = send(http::verb::get, "/api/v1/reports/summary?year=2020", "", {coord});
  ASSERT_EQ(s.status, 200u);
  EXPECT_EQ(s.body.at("sheets"), 2);
  auto y = send(http::verb::get, "/api/v1/reports/year-over-year?from=2019&to=2020", "", {coord});
  ASSERT_EQ(y.status, 200u);
  const auto& items = y.body.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items.at(0).at("change"), "ungraded");  // M01: A in 2019, not graded yet in 2020
  EXPECT_EQ(items.at(1).at("change"), "new");       // M02: no sheet in 2019
  EXPECT_EQ(send(http::verb::get, "/api/v1/reports/summary?year=2031", "", {coord}).status, 404u);
}

TEST_F(HttpApiTest, MetricsCountRequestsByRouteAndStatus) {
  send(http::verb::get, "/healthz");
  auto r = send(http::verb::get, "/metrics");
  EXPECT_NE(r.raw.body().find("shinchoku_http_requests_total{route=\"/healthz\",status=\"200\"} 1"), std::string::npos) << r.raw.body();
  EXPECT_NE(r.raw.body().find("shinchoku_db_pool_connections 4"), std::string::npos);
}

TEST_F(HttpApiTest, TheInboxListsOnlyTheCallersNotificationsNewestFirstWithTheUnreadCount) {
  fill_inbox();
  auto r = send(http::verb::get, "/api/v1/notifications", "", {bearer(login("tanaka"))});
  ASSERT_EQ(r.status, 200u) << r.raw.body();
  const auto& items = r.body.at("items").as_array();
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items.at(0).at("id"), 4);
  EXPECT_EQ(items.at(3).at("id"), 1);
  EXPECT_EQ(r.body.at("unread"), 3);
  EXPECT_EQ(r.body.at("total"), 4);
  EXPECT_TRUE(items.at(2).at("read_at").is_string());
  EXPECT_TRUE(r.body.at("next_cursor").is_null());
  auto other = send(http::verb::get, "/api/v1/notifications", "", {bearer(login("kacho"))});
  ASSERT_EQ(other.body.at("items").as_array().size(), 1u);
  EXPECT_EQ(other.body.at("items").at(0).at("id"), 5);
}

TEST_F(HttpApiTest, TheInboxGivesOnlyTheUnreadOnRequestAPageAtATime) {
  fill_inbox();
  const auto staff = bearer(login("tanaka"));
  auto first = send(http::verb::get, "/api/v1/notifications?unread=true&limit=2", "", {staff});
  ASSERT_EQ(first.status, 200u) << first.raw.body();
  ASSERT_EQ(first.body.at("items").as_array().size(), 2u);
  EXPECT_EQ(first.body.at("items").at(0).at("id"), 4);
  EXPECT_EQ(first.body.at("items").at(1).at("id"), 3);
  ASSERT_EQ(first.body.at("next_cursor"), "3");
  auto second = send(http::verb::get, "/api/v1/notifications?unread=true&limit=2&cursor=3", "", {staff});
  ASSERT_EQ(second.body.at("items").as_array().size(), 1u);
  EXPECT_EQ(second.body.at("items").at(0).at("id"), 1);  // 2 is read
  EXPECT_TRUE(second.body.at("next_cursor").is_null());
  EXPECT_EQ(send(http::verb::get, "/api/v1/notifications?unread=yes", "", {staff}).status, 400u);
  EXPECT_EQ(send(http::verb::get, "/api/v1/notifications?limit=0", "", {staff}).status, 400u);
  EXPECT_EQ(send(http::verb::get, "/api/v1/notifications").status, 401u);
}

TEST_F(HttpApiTest, MarkingANotificationReadLowersTheUnreadCountAndAnotherUsersIdIs404) {
  fill_inbox();
  const auto staff = bearer(login("tanaka"));
  auto r = send(http::verb::post, "/api/v1/notifications/3/read", "", {staff});
  ASSERT_EQ(r.status, 200u) << r.raw.body();
  EXPECT_EQ(r.body.at("unread"), 2);
  EXPECT_EQ(send(http::verb::get, "/api/v1/notifications", "", {staff}).body.at("unread"), 2);
  EXPECT_EQ(send(http::verb::post, "/api/v1/notifications/3/read", "", {staff}).status, 200u);  // again: no change
  EXPECT_EQ(send(http::verb::post, "/api/v1/notifications/5/read", "", {staff}).status, 404u);   // kacho's
  EXPECT_EQ(send(http::verb::post, "/api/v1/notifications/99/read", "", {staff}).status, 404u);
  EXPECT_EQ(send(http::verb::post, "/api/v1/notifications/x/read", "", {staff}).status, 404u);
  EXPECT_FALSE(backend.inbox.at(4).second.read_at.has_value());
  EXPECT_EQ(send(http::verb::post, "/api/v1/notifications/4/read").status, 401u);
}

TEST_F(HttpApiTest, ThePendingReportIsForCoordinatorsAuditorsAndAdmins) {
  EXPECT_EQ(send(http::verb::get, "/api/v1/reports/pending?year=2020", "", {bearer(login("tanaka"))}).status, 403u);
  EXPECT_EQ(send(http::verb::get, "/api/v1/reports/pending?year=2020", "", {bearer(login("kacho"))}).status, 403u);
  EXPECT_EQ(send(http::verb::get, "/api/v1/reports/pending?year=2020", "", {bearer(login("coord"))}).status, 200u);
  EXPECT_EQ(send(http::verb::get, "/api/v1/reports/pending", "", {bearer(login("audit"))}).status, 200u);
  EXPECT_EQ(send(http::verb::get, "/api/v1/reports/pending?year=2031", "", {bearer(login("coord"))}).status, 404u);
  EXPECT_EQ(send(http::verb::get, "/api/v1/reports/pending?year=twenty", "", {bearer(login("coord"))}).status, 400u);
}

TEST_F(HttpApiTest, ThePendingReportListsEachItemWithBusinessDaysStateDepartmentsAndWhoMustAct) {
  api::PendingItem p;
  p.sheet_id = 3;
  p.year = 2020;
  p.sheet_no = 17;
  p.state = "draft";
  p.previous_grade = "C";
  p.departments = {"介護保険課"};
  p.state_since = "2020-05-01T01:00:00.000000Z";
  p.business_days_pending = 7;
  p.roles = {"staff"};
  p.must_act = {{"coord", "staff@kaigo-hoken"}};
  p.gaps = {"staff@kaigo-hoken"};
  backend.pending.push_back(p);
  workflow.state_labels["draft"] = "作成中";  // the API reads the workflow it was given
  p.year = 2019;
  backend.pending.push_back(p);
  auto r = send(http::verb::get, "/api/v1/reports/pending?year=2020", "", {bearer(login("coord"))});
  ASSERT_EQ(r.status, 200u) << r.raw.body();
  EXPECT_EQ(r.body.at("year"), 2020);
  EXPECT_EQ(r.body.at("count"), 1);
  const auto& item = r.body.at("items").at(0);
  EXPECT_EQ(item.at("sheet_no"), 17);
  EXPECT_EQ(item.at("business_days_pending"), 7);
  EXPECT_EQ(item.at("state"), "draft");
  EXPECT_EQ(item.at("state_label"), "作成中");
  EXPECT_TRUE(item.at("grade").is_null());
  EXPECT_EQ(item.at("departments").at(0), "介護保険課");
  EXPECT_EQ(item.at("must_act").at(0).at("login"), "coord");
  EXPECT_EQ(item.at("must_act").at(0).at("stands_in_for"), "staff@kaigo-hoken");
  EXPECT_EQ(send(http::verb::get, "/api/v1/reports/pending", "", {bearer(login("coord"))}).body.at("count"), 2);
}

TEST_F(HttpApiTest, MetricsShowTheOutboxByStateAndTheRemindersOfThisProcess) {
  http_api.metrics().count_reminders(5, 2);
  auto r = send(http::verb::get, "/metrics");
  const auto& text = r.raw.body();
  EXPECT_NE(text.find("shinchoku_reminder_outbox{state=\"pending\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("shinchoku_reminder_outbox{state=\"retrying\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("shinchoku_reminder_outbox{state=\"sending\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("shinchoku_reminder_outbox{state=\"sent\"} 7\n"), std::string::npos);
  EXPECT_NE(text.find("shinchoku_reminder_outbox{state=\"dead\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("shinchoku_reminders_decided_total 5\n"), std::string::npos);
  EXPECT_NE(text.find("shinchoku_reminders_sent_total 2\n"), std::string::npos);
}

TEST_F(HttpApiTest, MetricsStillAnswerWithoutTheDatabaseLeavingTheOutboxOut) {
  backend.database_down = true;
  auto r = send(http::verb::get, "/metrics");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.raw.body().find("shinchoku_reminder_outbox{"), std::string::npos);
  EXPECT_NE(r.raw.body().find("shinchoku_reminders_sent_total 0"), std::string::npos);
}

TEST_F(HttpApiTest, YearsGiveTheDashboardLabelStateCountsAndWhetherTheYearCanClose) {
  auto r = send(http::verb::get, "/api/v1/years", "", {bearer(login("tanaka"))});
  ASSERT_EQ(r.status, 200u) << r.raw.body();
  const auto& items = r.body.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("label").as_string(), "令和元年度");
  EXPECT_EQ(items[0].at("short_label").as_string(), "R1");
  EXPECT_EQ(items[0].at("state").as_string(), "closed");
  EXPECT_EQ(items[0].at("not_final").as_int64(), 0);
  EXPECT_FALSE(items[0].at("closable").as_bool());
  EXPECT_EQ(items[1].at("short_label").as_string(), "R2");
  EXPECT_EQ(items[1].at("counts").at("by_state").at("draft").as_int64(), 2);
  EXPECT_EQ(items[1].at("not_final").as_int64(), 2);
  EXPECT_FALSE(items[1].at("closable").as_bool());
}

TEST_F(HttpApiTest, ClosingAYearIsForCoordinatorsAndAdminsWhenEverySheetIsFinal) {
  const auto coord = bearer(login("coord"));
  // 404 for an unknown year comes before 403.
  EXPECT_EQ(send(http::verb::post, "/api/v1/years/2031/close", "", {bearer(login("tanaka"))}).status, 404u);
  EXPECT_EQ(send(http::verb::post, "/api/v1/years/R2/close", "", {coord}).status, 404u);
  for (const char* who : {"tanaka", "kacho", "audit"}) {
    auto r = send(http::verb::post, "/api/v1/years/2020/close", "", {bearer(login(who))});
    EXPECT_EQ(r.status, 403u) << who;
  }
  EXPECT_EQ(send(http::verb::post, "/api/v1/years/2020/close?now=1", "", {coord}).status, 400u);
  auto busy = send(http::verb::post, "/api/v1/years/2020/close", "", {coord});
  ASSERT_EQ(busy.status, 409u) << busy.raw.body();
  EXPECT_EQ(busy.raw[http::field::content_type], "application/problem+json; charset=utf-8");
  EXPECT_EQ(busy.body.at("not_final").as_int64(), 2);
  EXPECT_EQ(busy.body.at("sheets").as_array().size(), 2u);
  EXPECT_EQ(busy.body.at("sheets").at(0).at("sheet_no").as_int64(), 6);
  EXPECT_NE(std::string(busy.body.at("detail_ja").as_string()).find("2件"), std::string::npos) << busy.raw.body();
  EXPECT_TRUE(backend.closed_by.empty());

  for (long long id : {2, 3}) backend.store.sheets[id].state.sheet.state = "accepted";
  auto done = send(http::verb::post, "/api/v1/years/2020/close", "", {coord, {"X-Request-Id", "close-2020"}});
  ASSERT_EQ(done.status, 200u) << done.raw.body();
  EXPECT_EQ(done.body.at("year").as_int64(), 2020);
  EXPECT_EQ(done.body.at("state").as_string(), "closed");
  EXPECT_EQ(done.body.at("label").as_string(), "令和2年度");
  EXPECT_FALSE(done.body.at("closable").as_bool());
  EXPECT_EQ(backend.closed_by, (std::vector<std::string>{"coord as coordinator (close-2020)"}));

  auto again = send(http::verb::post, "/api/v1/years/2020/close", "", {coord});
  EXPECT_EQ(again.status, 409u);
  EXPECT_EQ(again.body.at("year_state").as_string(), "closed");
}

TEST_F(HttpApiTest, ClosingAYearWithTheCookieNeedsTheCsrfHeader) {
  auto r = send(http::verb::post, "/api/v1/session", R"({"login":"coord","password":"coord-secret-pass"})");
  const std::string token(r.body.at("token").as_string());
  EXPECT_EQ(send(http::verb::post, "/api/v1/years/2020/close", "", {{"Cookie", "shinchoku_session=" + token}}).status, 403u);
  const std::string csrf(r.body.at("csrf_token").as_string());
  EXPECT_EQ(send(http::verb::post, "/api/v1/years/2020/close", "", {{"Cookie", "shinchoku_session=" + token}, {"X-CSRF-Token", csrf}}).status,
            409u);
}

// ---- the web UI's files (issue 7): served from memory with their security headers

namespace fs = std::filesystem;

class WebUiTest : public HttpApiTest {
 protected:
  fs::path dir = fs::temp_directory_path() / fmt::format("shinchoku-webui-{}-{}", ::getpid(),
                                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::path root = dir / "www";
  web::StaticAssets assets;
  std::unique_ptr<api::HttpApi> ui_api;

  static constexpr const char* kIndex = "<!doctype html><html lang=\"ja\"><title>進捗</title><script type=\"module\" src=\"/app.js\"></script></html>\n";

  void put(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
  }

  void SetUp() override {
    HttpApiTest::SetUp();
    fs::remove_all(dir);
    put(root / "index.html", kIndex);
    put(root / "app.js", "import './pages/list.mjs';\n");
    put(root / "pages" / "list.mjs", "export const x = 1;\n");
    put(root / "css" / "site.css", "body { color: #222; }\n");
    put(root / "img" / "logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    put(root / "icon.png", std::string("\x89PNG\r\n\x1a\n", 8));
    put(root / "favicon.ico", "ico");
    put(root / "fonts" / "ipa.woff2", "wOF2");
    put(root / "data.json", "{\"a\":1}");
    put(root / "notes.xyz", "?");
    put(root / ".env", "SECRET=hidden-dotfile");
    put(root / ".git" / "config", "hidden-folder");
    put(dir / "secret.txt", "OUTSIDE-THE-ROOT");
    fs::create_directory_symlink(dir, root / "up");  // a link to a folder is not followed
    assets = web::StaticAssets::load(root);
    api::ApiSettings s;
    s.static_files = [this](std::string_view path) -> std::optional<api::StaticFile> {
      const web::Asset* a = assets.find(path);
      if (a == nullptr) return std::nullopt;
      return api::StaticFile{a->body, a->content_type, a->etag};
    };
    ui_api = std::make_unique<api::HttpApi>(backend, plan, workflow, grades, engine::Rules{workflow, grades, true}, s);
  }
  void TearDown() override { fs::remove_all(dir); }

  api::Response ui(http::verb method, const std::string& target, std::vector<std::pair<std::string, std::string>> headers = {}) {
    api::Request req{method, target, 11};
    for (const auto& [k, v] : headers) req.set(k, v);
    return ui_api->handle(std::move(req), {"192.0.2.1"});
  }

  static void expect_ui_headers(const api::Response& r) {
    EXPECT_EQ(r["Content-Security-Policy"],
              "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; "
              "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    EXPECT_EQ(r["X-Content-Type-Options"], "nosniff");
    EXPECT_EQ(r["Referrer-Policy"], "no-referrer");
    EXPECT_EQ(r["X-Frame-Options"], "DENY");
    EXPECT_EQ(r[http::field::cache_control], "no-cache");
    EXPECT_FALSE(r[http::field::etag].empty());
  }
};

TEST_F(WebUiTest, TheFolderIsReadWithoutHiddenFilesOrLinkedFolders) {
  std::vector<std::string> keys;
  for (const auto& [k, a] : assets.files()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"/app.js", "/css/site.css", "/data.json", "/favicon.ico", "/fonts/ipa.woff2", "/icon.png",
                                            "/img/logo.svg", "/index.html", "/notes.xyz", "/pages/list.mjs"}));
  EXPECT_EQ(assets.find("/index.html")->body, kIndex);
  EXPECT_EQ(assets.find("/index.html")->etag, web::etag_for(kIndex));
  EXPECT_EQ(assets.find("index.html"), nullptr);
  EXPECT_EQ(assets.find("/./index.html"), nullptr);
  EXPECT_THROW(web::StaticAssets::load(dir / "nowhere"), web::AssetError);
}

TEST_F(WebUiTest, ContentTypesGoByExtensionWithUtf8ForText) {
  const std::map<std::string, std::string> expected{
      {"/index.html", "text/html; charset=utf-8"},      {"/app.js", "text/javascript; charset=utf-8"},
      {"/pages/list.mjs", "text/javascript; charset=utf-8"}, {"/css/site.css", "text/css; charset=utf-8"},
      {"/img/logo.svg", "image/svg+xml; charset=utf-8"}, {"/data.json", "application/json; charset=utf-8"},
      {"/icon.png", "image/png"},                        {"/favicon.ico", "image/x-icon"},
      {"/fonts/ipa.woff2", "font/woff2"},                {"/notes.xyz", "application/octet-stream"}};
  for (const auto& [path, type] : expected) {
    auto r = ui(http::verb::get, path);
    EXPECT_EQ(r.result_int(), 200u) << path;
    EXPECT_EQ(r[http::field::content_type], type) << path;
    EXPECT_EQ(r.body(), assets.find(path)->body) << path;
    expect_ui_headers(r);
  }
  EXPECT_EQ(web::content_type_for("A.HTML"), "text/html; charset=utf-8");
}

TEST_F(WebUiTest, TheRootAndEveryPathWithoutAFileGiveTheIndex) {
  for (const char* target : {"/", "/index.html", "/?from=mail", "/sheets/12", "/dashboard", "/healthz/x", "/apix", "/.well-known/x"}) {
    auto r = ui(http::verb::get, target);
    EXPECT_EQ(r.result_int(), 200u) << target;
    EXPECT_EQ(r[http::field::content_type], "text/html; charset=utf-8") << target;
    EXPECT_EQ(r.body(), kIndex) << target;
    EXPECT_EQ(r[http::field::etag], web::etag_for(kIndex)) << target;
    expect_ui_headers(r);
  }
}

// A name with an extension is a file: when there is none it is a 404, so that a broken asset
// link is never answered with the page (a script tag would run HTML as script).
TEST_F(WebUiTest, AMissingFileIsA404NotTheIndex) {
  for (const char* target : {"/missing.js", "/css/none.css", "/robots.txt", "/sheets/12.json"}) {
    auto r = ui(http::verb::get, target);
    EXPECT_EQ(r.result_int(), 404u) << target;
    EXPECT_EQ(r[http::field::content_type], "application/problem+json; charset=utf-8") << target;
    EXPECT_EQ(r.body().find("<html"), std::string::npos) << target;
  }
}

TEST_F(WebUiTest, TheApiKeepsItsOwnAnswers) {
  for (const char* target : {"/api/v1/nothing", "/api", "/api/", "/api/v1/sheets/2/nothing"}) {
    auto r = ui(http::verb::get, target);
    EXPECT_EQ(r.result_int(), 404u) << target;
    EXPECT_EQ(r[http::field::content_type], "application/problem+json; charset=utf-8") << target;
    EXPECT_TRUE(r["Content-Security-Policy"].empty()) << target;
  }
  EXPECT_EQ(ui(http::verb::get, "/api/v1/me").result_int(), 401u);
  EXPECT_EQ(ui(http::verb::put, "/api/v1/sheets/2").result_int(), 405u);
  auto health = ui(http::verb::get, "/healthz");
  EXPECT_EQ(health.result_int(), 200u);
  EXPECT_EQ(health[http::field::content_type], "application/json; charset=utf-8");
  EXPECT_EQ(ui(http::verb::get, "/api/v1/openapi.json").body(), api::HttpApi::openapi_document());
}

TEST_F(WebUiTest, AnUnchangedFileIs304AndAChangedOneIsSentAgain) {
  const std::string etag(assets.find("/app.js")->etag);
  for (const std::string& inm : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    auto r = ui(http::verb::get, "/app.js", {{"If-None-Match", inm}});
    EXPECT_EQ(r.result_int(), 304u) << inm;
    EXPECT_TRUE(r.body().empty()) << inm;
    EXPECT_EQ(r[http::field::etag], etag);
    expect_ui_headers(r);
  }
  auto r = ui(http::verb::get, "/app.js", {{"If-None-Match", "\"stale\""}});
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_EQ(r.body(), assets.find("/app.js")->body);
  // The index stands in for an unknown path, with the index's ETag.
  EXPECT_EQ(ui(http::verb::get, "/sheets/3", {{"If-None-Match", web::etag_for(kIndex)}}).result_int(), 304u);
}

TEST_F(WebUiTest, HeadGivesTheHeadersAndLengthOfTheGetWithoutTheBody) {
  auto r = ui(http::verb::head, "/css/site.css");
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_TRUE(r.body().empty());
  EXPECT_EQ(r[http::field::content_length], std::to_string(assets.find("/css/site.css")->body.size()));
  EXPECT_EQ(r[http::field::content_type], "text/css; charset=utf-8");
  expect_ui_headers(r);
  auto api = ui(http::verb::head, "/api/v1/nothing");
  EXPECT_EQ(api.result_int(), 404u);
  EXPECT_TRUE(api.body().empty());
}

TEST_F(WebUiTest, OtherMethodsOnAPageAre405) {
  auto r = ui(http::verb::post, "/", {});
  EXPECT_EQ(r.result_int(), 405u);
  EXPECT_EQ(r[http::field::allow], "GET, HEAD");
  EXPECT_EQ(ui(http::verb::delete_, "/app.js").result_int(), 405u);
}

TEST_F(WebUiTest, NoPathReachesAFileOutsideTheRootOrAHiddenOne) {
  for (const char* target : {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/..%2fsecret.txt", "/..%2Fsecret.txt",
                             "/%2e%2e%2fsecret.txt", "/css/../../secret.txt", "/css%2f..%2f..%2fsecret.txt", "//../secret.txt",
                             "/up/secret.txt", "/up/www/index.html", "/..\\secret.txt", "/%5c..%5csecret.txt", "/.env", "/.git/config",
                             "/%2eenv", "/index.html%00.txt", "/secret.txt"}) {
    auto r = ui(http::verb::get, target);
    // The index, no such file (404) or a refusal of the target: never another file's bytes.
    if (r.result_int() == 200u) {
      EXPECT_EQ(r.body(), kIndex) << target;
    } else {
      EXPECT_TRUE(r.result_int() == 400u || r.result_int() == 404u) << target << ": " << r.result_int();
    }
    EXPECT_EQ(r.body().find("OUTSIDE-THE-ROOT"), std::string::npos) << target;
    EXPECT_EQ(r.body().find("hidden"), std::string::npos) << target;
  }
}

TEST_F(HttpApiTest, WithoutAWebUiTheRootIsAnApi404) {
  auto r = send(http::verb::get, "/");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.raw[http::field::content_type], "application/problem+json; charset=utf-8");
}

TEST(WebDefaultRoot, TheSourceTreeFirstThenTheInstalledShareFolder) {
  const fs::path tmp = fs::temp_directory_path() / fmt::format("shinchoku-webroot-{}", ::getpid());
  fs::remove_all(tmp);
  fs::create_directories(tmp / "prefix" / "bin");
  fs::create_directories(tmp / "src" / "web" / "static");
  const fs::path exe = tmp / "prefix" / "bin" / "shinchoku";
  EXPECT_EQ(web::default_root(exe, tmp / "src" / "web" / "static"), tmp / "src" / "web" / "static");
  EXPECT_EQ(web::default_root(exe, tmp / "gone"), std::nullopt);
  fs::create_directories(tmp / "prefix" / "share" / "shinchoku" / "web");
  EXPECT_EQ(web::default_root(exe, tmp / "gone"), tmp / "prefix" / "share" / "shinchoku" / "web");
  EXPECT_EQ(web::source_tree_root().filename(), "static");
  fs::remove_all(tmp);
}

}  // namespace

// GET /api/v1/workflow serves what the server was built with, not a copy: the default workflow
// with Honjo's scale, and another city's stage, roles and scale give other answers.
TEST_F(HttpApiTest, TheWorkflowRouteServesTheConfiguredGradesStatesActionsRolesAndDepartments) {
  EXPECT_EQ(send(http::verb::get, "/api/v1/workflow").status, 401u);
  auto r = send(http::verb::get, "/api/v1/workflow", "", {bearer(login("tanaka"))});
  ASSERT_EQ(r.status, 200u) << r.raw.body();
  EXPECT_EQ(r.body.at("name").as_string(), "default");
  EXPECT_EQ(r.body.at("plan").at("name").as_string(), plan.plan.name) << "the footer's title comes from the plan";
  EXPECT_EQ(r.body.at("plan").at("first_year").as_int64(), plan.plan.first_year);
  EXPECT_EQ(r.body.at("final_state").as_string(), "accepted");
  const auto& g = r.body.at("grades").as_array();
  ASSERT_EQ(g.size(), 4u);
  EXPECT_EQ(g[0].at("code").as_string(), "A");
  EXPECT_EQ(g[0].at("label").as_string(), "達成");
  EXPECT_TRUE(g[0].at("results_required").as_bool());
  EXPECT_TRUE(g[2].at("under_study").as_bool());
  EXPECT_FALSE(g[2].at("results_required").as_bool());
  EXPECT_TRUE(g[3].at("discontinues").as_bool());
  const auto& states = r.body.at("states").as_array();
  ASSERT_EQ(states.size(), 4u);
  EXPECT_EQ(states[0].at("code").as_string(), "draft");
  EXPECT_TRUE(states[0].at("editable").as_bool());
  EXPECT_TRUE(states[0].at("initial").as_bool());
  EXPECT_TRUE(states[3].at("final").as_bool());
  EXPECT_FALSE(states[1].at("editable").as_bool());
  const auto& actions = r.body.at("actions").as_array();
  ASSERT_EQ(actions.size(), 6u);
  EXPECT_EQ(actions[0].at("code").as_string(), "submit");
  EXPECT_EQ(actions[0].at("label").as_string(), "提出");
  EXPECT_FALSE(actions[0].at("comment_required").as_bool());
  EXPECT_TRUE(actions[0].at("complete_sheet_required").as_bool());
  EXPECT_EQ(actions[3].at("code").as_string(), "return");
  EXPECT_TRUE(actions[3].at("comment_required").as_bool());
  EXPECT_EQ(actions[3].at("from"), json::value(json::array{"submitted"}));
  std::map<std::string, bool> departmental;
  for (const auto& role : r.body.at("roles").as_array()) departmental[std::string(role.at("code").as_string())] = role.at("departmental").as_bool();
  EXPECT_EQ(departmental, (std::map<std::string, bool>{{"admin", false}, {"approver", true}, {"auditor", false}, {"coordinator", false}, {"staff", true}}));
  const auto& departments = r.body.at("departments").as_array();
  ASSERT_EQ(departments.size(), 3u);
  EXPECT_EQ(departments[0].at("name").as_string(), "地域福祉課");
  EXPECT_EQ(departments[0].at("code").as_string(), "chiiki-fukushi");
  EXPECT_EQ(departments[2].at("kind").as_string(), "outside");

  // Another city: an external review stage, labelled roles, a three-grade scale, its own departments.
  model::Workflow other = workflow;
  other.name = "other-city";
  other.states.insert(other.states.end() - 1, "under_review");
  other.state_labels = {{"draft", "起案中"}, {"submitted", "提出済"}, {"approved", "承認済"}, {"under_review", "審議中"}, {"accepted", "確定"}};
  other.next_roles["under_review"] = {"committee"};
  for (auto& a : other.actions) {
    if (a.name == "accept") a.to = "under_review";
  }
  other.actions.push_back({"conclude", "審議完了", {"under_review"}, "accepted", {"committee"}, true, false});
  other.role_labels = {{"staff", "係員"}, {"committee", "審議会"}};
  ASSERT_TRUE(model::validate(other).empty());
  model::GradeScale other_grades{{{"S", "大きく前進", true, false}, {"T", "前進", true, false}, {"U", "検討中", false, true}}};
  model::PlanSeed other_plan = plan;
  other_plan.departments = {{"somu", "総務課", model::DepartmentKind::city, {}}};
  FakeBackend other_backend{other, other_grades};
  other_backend.users["tanaka"] = backend.users.at("tanaka");
  api::HttpApi other_api{other_backend, other_plan, other, other_grades, engine::Rules{other, other_grades, true}, {}};
  auto ask = [&](http::verb method, const std::string& target, const std::string& body, const std::string& token) {
    api::Request req{method, target, 11};
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    api::Response res = other_api.handle(std::move(req), {"192.0.2.1"});
    const auto problems = openapi.check(std::string(http::to_string(method)), target, res.result_int(),
                                        std::string(res[http::field::content_type]), res.body());
    EXPECT_TRUE(problems.empty()) << (problems.empty() ? "" : problems.front()) << "\n" << res.body();
    return res;
  };
  auto session = ask(http::verb::post, "/api/v1/session", R"({"login":"tanaka","password":"tanaka-secret-pass"})", "");
  ASSERT_EQ(session.result_int(), 201u) << session.body();
  const std::string token(json::parse(session.body()).at("token").as_string());
  auto res = ask(http::verb::get, "/api/v1/workflow", "", token);
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  const json::value o = json::parse(res.body());
  EXPECT_EQ(o.at("name").as_string(), "other-city");
  std::vector<std::string> grade_text, state_text, comment_actions, role_text;
  for (const auto& x : o.at("grades").as_array()) {
    grade_text.push_back(fmt::format("{} {}{}", x.at("code").as_string().c_str(), x.at("label").as_string().c_str(),
                                     x.at("results_required").as_bool() ? " 成果" : ""));
  }
  for (const auto& x : o.at("states").as_array()) state_text.push_back(std::string(x.at("label").as_string()));
  for (const auto& x : o.at("actions").as_array()) {
    if (x.at("comment_required").as_bool()) comment_actions.push_back(fmt::format("{} {}", x.at("code").as_string().c_str(), x.at("label").as_string().c_str()));
  }
  for (const auto& x : o.at("roles").as_array()) role_text.push_back(fmt::format("{} {}", x.at("code").as_string().c_str(), x.at("label").as_string().c_str()));
  EXPECT_EQ(grade_text, (std::vector<std::string>{"S 大きく前進 成果", "T 前進 成果", "U 検討中"}));
  EXPECT_EQ(state_text, (std::vector<std::string>{"起案中", "提出済", "承認済", "審議中", "確定"}));
  EXPECT_EQ(comment_actions, (std::vector<std::string>{"return 差戻し", "send_back 差戻し", "reopen 再開", "conclude 審議完了"}));
  // A role without a label in the file is shown by its name.
  EXPECT_EQ(role_text, (std::vector<std::string>{"admin admin", "approver approver", "auditor auditor", "committee 審議会", "coordinator coordinator",
                                                 "staff 係員"}));
  ASSERT_EQ(o.at("departments").as_array().size(), 1u);
  EXPECT_EQ(o.at("departments").at(0).at("name").as_string(), "総務課");
}
