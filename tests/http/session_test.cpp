// Sessions over HTTP: login, logout, idle expiry, disabled users, the login throttle, and the
// web UI's cookie session with its CSRF check.
#include <gtest/gtest.h>

#include "http_city.hpp"

using namespace http_test;

TEST(HttpSession, LoginGives201WithTokenExpiryAndUser) {
  City city;
  auto r = city.login_response("tanaka");
  ASSERT_EQ(r.status, 201) << r.body;
  auto body = r.json().as_object();
  const std::string token(body.at("token").as_string());
  EXPECT_GE(token.size(), 32u) << "at least 128 random bits";
  EXPECT_TRUE(body.at("expires_at").as_string().ends_with("Z")) << body.at("expires_at");
  const auto& user = body.at("user").as_object();
  EXPECT_EQ(user.at("login").as_string(), "tanaka");
  ASSERT_EQ(user.at("grants").as_array().size(), 1u);
  EXPECT_EQ(user.at("grants").as_array()[0].at("role").as_string(), "staff");
  EXPECT_EQ(user.at("grants").as_array()[0].at("department").as_string(), "地域福祉課");
  auto me = city.call("GET", "/api/v1/me", {}, City::bearer(token));
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json().at("login").as_string(), "tanaka");
  // Two logins are two sessions with different tokens.
  auto again = city.login_response("tanaka");
  ASSERT_EQ(again.status, 201);
  EXPECT_NE(again.json().at("token").as_string(), token);
}

TEST(HttpSession, WrongPasswordAndUnknownLoginGetTheSame401) {
  City city;
  auto wrong = city.login_response("tanaka", "not the passphrase at all");
  auto unknown = city.login_response("nobody_here", "not the passphrase at all");
  ASSERT_EQ(wrong.status, 401) << wrong.body;
  ASSERT_EQ(unknown.status, 401) << unknown.body;
  problem(wrong);
  EXPECT_EQ(wrong.body, unknown.body) << "the body must not tell whether the login exists";
  EXPECT_EQ(wrong.header("Content-Type"), unknown.header("Content-Type"));
  EXPECT_FALSE(wrong.has_header("Set-Cookie"));
}

TEST(HttpSession, RepeatedFailuresAreThrottledWith429AndRetryAfter) {
  City city;  // login_max_failures = 3
  for (int i = 0; i < 3; ++i) EXPECT_EQ(city.login_response("tanaka", "wrong passphrase number").status, 401) << i;
  auto blocked = city.login_response("tanaka", "wrong passphrase number");
  ASSERT_EQ(blocked.status, 429) << blocked.body;
  problem(blocked);
  ASSERT_TRUE(blocked.has_header("Retry-After"));
  const int retry = std::stoi(blocked.header("Retry-After"));
  EXPECT_GT(retry, 0);
  EXPECT_LE(retry, 601);
  // Even the right password is refused while the block lasts; another login is not blocked.
  EXPECT_EQ(city.login_response("tanaka").status, 429);
  EXPECT_EQ(city.login_response("kacho").status, 201);
}

TEST(HttpSession, LogoutEndsTheTokenAtOnce) {
  City city;
  const std::string token = city.token("tanaka");
  ASSERT_EQ(city.call("GET", "/api/v1/me", {}, City::bearer(token)).status, 200);
  auto out = city.call("DELETE", "/api/v1/session", {}, City::bearer(token));
  EXPECT_EQ(out.status, 204) << out.body;
  auto after = city.call("GET", "/api/v1/me", {}, City::bearer(token));
  EXPECT_EQ(after.status, 401) << after.body;
  problem(after);
  EXPECT_TRUE(after.has_header("WWW-Authenticate"));
  EXPECT_EQ(city.call("DELETE", "/api/v1/session", {}, City::bearer(token)).status, 401) << "a second logout has no session";
}

TEST(HttpSession, SessionEndsAfterTheIdleLimit) {
  Settings s;
  s.session_idle_seconds = 4;  // wide margins: the ASan build under a loaded CI is slow
  City city(s);
  const std::string token = city.token("tanaka");
  // Use within the limit keeps it alive...
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  ASSERT_EQ(city.call("GET", "/api/v1/me", {}, City::bearer(token)).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  ASSERT_EQ(city.call("GET", "/api/v1/me", {}, City::bearer(token)).status, 200) << "5 s after login but used 2.5 s ago";
  // ...and more than the limit unused ends it.
  std::this_thread::sleep_for(std::chrono::milliseconds(5000));
  auto r = city.call("GET", "/api/v1/me", {}, City::bearer(token));
  EXPECT_EQ(r.status, 401) << r.body;
}

// However busy, a session ends at its absolute lifetime (12 h by default; ASVS §3.3.2).
TEST(HttpSession, SessionEndsAtItsLifetimeEvenInUse) {
  Settings s;
  s.session_lifetime_seconds = 4;
  City city(s);
  const std::string token = city.token("tanaka");
  const auto ends = std::chrono::steady_clock::now() + std::chrono::seconds(4);
  int served = 0;
  while (std::chrono::steady_clock::now() + std::chrono::milliseconds(700) < ends) {
    ASSERT_EQ(city.call("GET", "/api/v1/me", {}, City::bearer(token)).status, 200) << "used before its lifetime ran out";
    ++served;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_GE(served, 2);
  std::this_thread::sleep_until(ends + std::chrono::milliseconds(1200));
  auto r = city.call("GET", "/api/v1/me", {}, City::bearer(token));
  EXPECT_EQ(r.status, 401) << "used all along, yet past its lifetime: " << r.body;
}

TEST(HttpSession, DisabledUserIsRefusedAtOnce) {
  City city;
  const std::string token = city.token("tanaka");
  ASSERT_EQ(city.call("GET", "/api/v1/me", {}, City::bearer(token)).status, 200);
  auto r = city.cli("user disable tanaka --actor kanri");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(city.call("GET", "/api/v1/me", {}, City::bearer(token)).status, 401) << "the open session ends with the user";
  EXPECT_EQ(city.login_response("tanaka").status, 401) << "and no new one begins";
}

TEST(HttpSession, GarbageAndMissingTokensGet401) {
  City city;
  EXPECT_EQ(city.call("GET", "/api/v1/me").status, 401);
  EXPECT_EQ(city.call("GET", "/api/v1/me", {}, City::bearer("0123456789abcdef")).status, 401);
  EXPECT_EQ(city.call("GET", "/api/v1/me", {}, {{"Authorization", "Basic dGFuYWthOng="}}).status, 401);
  EXPECT_EQ(city.call("GET", "/api/v1/me", {}, City::bearer(std::string(5000, 'a'))).status, 401);
}

namespace {

// The value of cookie `name` among Set-Cookie headers, and the whole header.
std::pair<std::string, std::string> set_cookie(const HttpResponse& r, const std::string& name) {
  for (const auto& c : r.all("Set-Cookie")) {
    if (c.starts_with(name + "=")) return {c.substr(name.size() + 1, c.find(';') - name.size() - 1), c};
  }
  return {};
}

}  // namespace

TEST(HttpSession, CookieSessionReadsButChangesOnlyWithCsrfToken) {
  City city;
  auto login = city.login_response("tanaka");
  ASSERT_EQ(login.status, 201);
  auto [session, session_header] = set_cookie(login, "shinchoku_session");
  auto [csrf, csrf_header] = set_cookie(login, "shinchoku_csrf");
  ASSERT_FALSE(session.empty()) << login.header("Set-Cookie");
  ASSERT_FALSE(csrf.empty());
  EXPECT_NE(session_header.find("HttpOnly"), std::string::npos) << session_header;
  EXPECT_NE(session_header.find("SameSite=Strict"), std::string::npos) << session_header;
  EXPECT_EQ(session_header.find("Secure"), std::string::npos) << "secure_cookies is off in the test configuration";
  EXPECT_EQ(csrf_header.find("HttpOnly"), std::string::npos) << "the page must be able to read the CSRF cookie";
  EXPECT_EQ(csrf, std::string(login.json().at("csrf_token").as_string()));

  const Headers cookie{{"Cookie", "other=1; shinchoku_session=" + session + "; shinchoku_csrf=" + csrf}};
  EXPECT_EQ(city.call("GET", "/api/v1/me", {}, cookie).status, 200);

  const long long id = city.sheet_id(2020, 10);
  auto patch = [&](Headers h, const std::string& text) {
    h.emplace_back("If-Match", fmt::format("\"{}\"", city.version(id)));
    return city.call("PATCH", fmt::format("/api/v1/sheets/{}", id), json::serialize(json::object{{"actions", text}}), h);
  };
  auto no_csrf = patch(cookie, "クッキーだけ");
  EXPECT_EQ(no_csrf.status, 403) << no_csrf.body;
  problem(no_csrf);
  Headers wrong = cookie;
  wrong.emplace_back("X-CSRF-Token", "0000");
  EXPECT_EQ(patch(wrong, "違うトークン").status, 403);
  EXPECT_EQ(city.sheet(id).at("actions").as_string(), "") << "nothing was written";
  Headers right = cookie;
  right.emplace_back("X-CSRF-Token", csrf);
  auto ok = patch(right, "CSRFトークンつき");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(city.sheet(id).at("actions").as_string(), "CSRFトークンつき");
  // Logout through the cookie also needs the token, and clears both cookies.
  EXPECT_EQ(city.call("DELETE", "/api/v1/session", {}, cookie).status, 403);
  auto out = city.call("DELETE", "/api/v1/session", {}, right);
  EXPECT_EQ(out.status, 204);
  EXPECT_NE(set_cookie(out, "shinchoku_session").second.find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(city.call("GET", "/api/v1/me", {}, cookie).status, 401);
}

TEST(HttpSession, LoginBodyIsCheckedField422AndJson400) {
  City city;
  auto extra = city.call("POST", "/api/v1/session", R"({"login":"tanaka","password":"a long enough passphrase","admin":true})");
  EXPECT_EQ(extra.status, 422) << extra.body;
  EXPECT_EQ(field_of(extra), "admin");
  auto number = city.call("POST", "/api/v1/session", R"({"login":42,"password":"x"})");
  EXPECT_EQ(number.status, 422);
  EXPECT_EQ(field_of(number), "login");
  EXPECT_EQ(city.call("POST", "/api/v1/session", R"({"login":"tanaka",)").status, 400);
}
