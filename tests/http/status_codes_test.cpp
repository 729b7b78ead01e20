// The status codes of issue 5, in their order (first match wins), as a client sees them:
// 401 → 404 → 403 → 400 → 413 → 428 → 412 → 409 → 422, all as application/problem+json, and
// X-Request-Id on every response.
#include <gtest/gtest.h>

#include "http_city.hpp"

using namespace http_test;

namespace {

std::string sheet_url(long long id) { return fmt::format("/api/v1/sheets/{}", id); }

}  // namespace

TEST(HttpStatus, NoTokenIs401EvenForAnUnknownSheet) {
  City city;
  auto r = city.call("GET", "/api/v1/sheets/999999");
  EXPECT_EQ(r.status, 401) << r.body;
  problem(r);
  EXPECT_EQ(city.call("PATCH", "/api/v1/sheets/999999", "{not json").status, 401) << "401 before 404 and 400";
}

TEST(HttpStatus, UnknownSheetAndRouteAre404) {
  City city;
  auto r = city.get("/api/v1/sheets/999999", "coord");
  EXPECT_EQ(r.status, 404) << r.body;
  problem(r);
  EXPECT_EQ(city.get("/api/v1/sheets/abc", "coord").status, 404);
  EXPECT_EQ(city.get("/api/v1/nothing-here", "coord").status, 404);
  EXPECT_EQ(city.call("PATCH", "/api/v1/sheets/999999", "{not json", City::bearer(city.token("tanaka"))).status, 404)
      << "404 before 400";
  EXPECT_EQ(city.get("/api/v1/measures/no-such-measure", "coord").status, 404);
}

TEST(HttpStatus, StaffOfAnotherDepartmentCannotReadADraft403) {
  City city;
  const long long id = city.sheets_2020({"地域福祉課"}, {"危機管理課"}).at(0);
  auto r = city.get(sheet_url(id), "kiki");
  EXPECT_EQ(r.status, 403) << r.body;
  auto p = problem(r);
  EXPECT_NE(std::string(p.at("detail").as_string()).find("not yet accepted"), std::string::npos) << "the body says why: " << r.body;
  // A 2019 sheet (accepted) is readable by anyone signed in.
  EXPECT_EQ(city.get(sheet_url(city.sheet_id(2019, 10)), "kiki").status, 200);
  // 403 comes before 400 and 428 for a sheet the caller may not even read.
  EXPECT_EQ(city.call("PATCH", sheet_url(id), "{not json", City::bearer(city.token("kiki"))).status, 403);
}

TEST(HttpStatus, StaffApprovingOwnDepartmentSheetIs403NotA409) {
  City city;
  const long long id = city.sheet_id(2020, 10);  // 地域福祉課 among its departments; a draft
  auto r = city.act(id, "approve", "tanaka", city.version(id));
  EXPECT_EQ(r.status, 403) << "staff can never approve, whatever the state: " << r.body;
  problem(r);
  // An approver of the sheet's department approving the draft could, but not now: 409.
  auto draft = city.act(id, "approve", "kacho", city.version(id));
  EXPECT_EQ(draft.status, 409) << draft.body;
  problem(draft);
}

TEST(HttpStatus, MalformedJsonAndUnknownQueryParameterAre400) {
  City city;
  const long long id = city.sheet_id(2020, 10);
  const auto auth = City::bearer(city.token("tanaka"), {{"If-Match", "\"1\""}});
  auto bad = city.call("PATCH", sheet_url(id), R"({"actions": "unterminated)", auth);
  EXPECT_EQ(bad.status, 400) << bad.body;
  problem(bad);
  EXPECT_EQ(city.call("PATCH", sheet_url(id), "[1,2]", auth).status, 400) << "a body that is not an object";
  EXPECT_EQ(city.call("PATCH", sheet_url(id), "{}", {{"Authorization", auth.back().second}, {"If-Match", "\"1\""}, {"Content-Type", "text/plain"}})
                .status,
            400)
      << "a body that is not application/json";
  EXPECT_EQ(city.call("PATCH", sheet_url(id), "{\"actions\":\"\xff\xfe\"}", auth).status, 400) << "a body that is not UTF-8";
  auto q = city.get("/api/v1/sheets?year=2019&colour=red", "tanaka");
  EXPECT_EQ(q.status, 400) << q.body;
  EXPECT_EQ(field_of(q), "colour");
  EXPECT_EQ(city.get("/api/v1/sheets?year=twenty", "tanaka").status, 400);
  EXPECT_EQ(city.get("/api/v1/sheets?year=2019&year=2020", "tanaka").status, 400);
  EXPECT_EQ(city.get("/api/v1/sheets?state=lost", "tanaka").status, 400);
  EXPECT_EQ(city.get("/api/v1/sheets?grade=E", "tanaka").status, 400);
  EXPECT_EQ(city.get("/api/v1/sheets?limit=0", "tanaka").status, 400);
  EXPECT_EQ(city.get(sheet_url(id) + "?as_of=yesterday", "tanaka").status, 400);
  EXPECT_EQ(city.version(id), 1) << "nothing was written";
}

TEST(HttpStatus, OversizeBodyIs413AndTheServerCarriesOn) {
  City city;  // body_limit_bytes = 65536
  const long long id = city.sheet_id(2020, 10);
  const std::string big = json::serialize(json::object{{"actions", std::string(70000, 'x')}});
  HttpResponse r;
  try {
    r = city.call("PATCH", sheet_url(id), big, City::bearer(city.token("tanaka"), {{"If-Match", "\"1\""}}));
  } catch (const testing_support::HttpError& e) {
    FAIL() << "no response to an oversize body: " << e.what();
  }
  EXPECT_EQ(r.status, 413) << r.body;
  problem(r);
  EXPECT_EQ(city.version(id), 1);
  // Under the limit is fine (and the text, within the engine's 30000 bytes, is stored whole).
  const std::string fits(25000, 'y');
  auto ok = city.patch(id, {{"actions", fits}}, "tanaka", 1);
  EXPECT_EQ(ok.status, 200) << ok.body.substr(0, 300);
  EXPECT_EQ(city.sheet(id).at("actions").as_string().size(), fits.size());
}

TEST(HttpStatus, ChangeWithoutIfMatchIs428AndStaleIfMatchIs412) {
  City city;
  const long long id = city.sheet_id(2020, 10);
  auto none = city.call("PATCH", sheet_url(id), R"({"actions":"x"})", City::bearer(city.token("tanaka")));
  EXPECT_EQ(none.status, 428) << none.body;
  problem(none);
  auto none_t = city.call("POST", sheet_url(id) + "/transitions", R"({"action":"submit"})", City::bearer(city.token("tanaka")));
  EXPECT_EQ(none_t.status, 428) << none_t.body;
  ASSERT_EQ(city.patch(id, {{"actions", "一回目"}}, "tanaka", 1).status, 200);
  auto stale = city.patch(id, {{"actions", "古い版から"}}, "tanaka", 1);
  EXPECT_EQ(stale.status, 412) << stale.body;
  problem(stale);
  EXPECT_EQ(city.sheet(id).at("actions").as_string(), "一回目");
  EXPECT_EQ(city.call("PATCH", sheet_url(id), R"({"actions":"x"})", City::bearer(city.token("tanaka"), {{"If-Match", "\"abc\""}})).status,
            412);
  // Weak and bare forms of the current version are accepted.
  EXPECT_EQ(city.call("PATCH", sheet_url(id), R"({"actions":"弱いETag"})", City::bearer(city.token("tanaka"), {{"If-Match", "W/\"2\""}})).status,
            200);
  EXPECT_EQ(city.call("PATCH", sheet_url(id), R"({"actions":"裸の版"})", City::bearer(city.token("tanaka"), {{"If-Match", "3"}})).status, 200);
}

TEST(HttpStatus, ApprovingADraftIs409) {
  City city;
  const long long id = city.sheet_id(2020, 10);
  auto r = city.act(id, "approve", "kacho", 1);
  EXPECT_EQ(r.status, 409) << r.body;
  problem(r);
  // 412 (stale) before 409 (state).
  EXPECT_EQ(city.act(id, "approve", "kacho", 7).status, 412);
  // Submitting an incomplete draft is a 422 naming what is missing, not a 409.
  auto incomplete = city.act(id, "submit", "tanaka", 1);
  EXPECT_EQ(incomplete.status, 422) << incomplete.body;
}

TEST(HttpStatus, InvalidValuesAre422NamingTheField) {
  City city;
  const long long id = city.sheet_id(2020, 10);
  auto grade = city.patch(id, {{"grade", "E"}}, "tanaka", 1);
  EXPECT_EQ(grade.status, 422) << grade.body;
  problem(grade);
  EXPECT_EQ(field_of(grade), "grade");
  auto unknown = city.patch(id, {{"colour", "red"}}, "tanaka", 1);
  EXPECT_EQ(unknown.status, 422) << unknown.body;
  EXPECT_EQ(field_of(unknown), "colour");
  auto type = city.patch(id, {{"actions", 42}}, "tanaka", 1);
  EXPECT_EQ(type.status, 422) << type.body;
  EXPECT_EQ(field_of(type), "actions");
  auto null_text = city.patch(id, {{"results", nullptr}}, "tanaka", 1);
  EXPECT_EQ(null_text.status, 422) << null_text.body;
  EXPECT_EQ(field_of(null_text), "results");
  auto action = city.act(id, "fly", "tanaka", 1);
  EXPECT_EQ(action.status, 422);
  EXPECT_EQ(field_of(action), "action");
  auto comment = city.call("POST", sheet_url(id) + "/transitions", R"({"action":"submit","comment":7})",
                           City::bearer(city.token("tanaka"), {{"If-Match", "\"1\""}}));
  EXPECT_EQ(comment.status, 422);
  EXPECT_EQ(field_of(comment), "comment");
  // A field the caller may not set at all comes after 412: a stale version wins.
  EXPECT_EQ(city.patch(id, {{"colour", "red"}}, "tanaka", 9).status, 412);
  EXPECT_EQ(city.version(id), 1) << "nothing was written";
  // null clears the grade.
  EXPECT_EQ(city.patch(id, {{"grade", nullptr}}, "tanaka", 1).status, 200);
}

TEST(HttpStatus, ErrorsAreProblemJsonInJapaneseAndEnglishWithoutInternals) {
  City city;
  for (const auto& r : {city.get("/api/v1/sheets/999999", "coord"), city.call("GET", "/api/v1/me"),
                        city.get("/api/v1/sheets?bogus=1", "coord"), city.patch(city.sheet_id(2020, 10), {{"grade", "E"}}, "tanaka", 1)}) {
    auto p = problem(r);
    const std::string detail(p.at("detail").as_string());
    EXPECT_TRUE(std::any_of(detail.begin(), detail.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
        << "Japanese in " << detail;
    EXPECT_TRUE(std::any_of(detail.begin(), detail.end(), [](char c) { return c >= 'a' && c <= 'z'; })) << "English in " << detail;
    for (const char* leak : {"SELECT", "soci", "postgres", "std::", ".cpp"}) EXPECT_EQ(r.body.find(leak), std::string::npos) << r.body;
  }
  auto method = city.call("PUT", "/api/v1/sheets/1", "{}", City::bearer(city.token("coord")));
  EXPECT_EQ(method.status, 405);
  EXPECT_NE(method.header("Allow").find("PATCH"), std::string::npos) << method.header("Allow");
}

TEST(HttpStatus, RequestIdIsEchoedWhenSentAndGeneratedWhenNot) {
  City city;
  auto sent = city.call("GET", "/api/v1/me", {}, City::bearer(city.token("tanaka"), {{"X-Request-Id", "trace-abc.123"}}));
  EXPECT_EQ(sent.header("X-Request-Id"), "trace-abc.123");
  auto error = city.call("GET", "/api/v1/sheets/999999", {}, City::bearer(city.token("tanaka"), {{"X-Request-Id", "trace-404"}}));
  EXPECT_EQ(error.status, 404);
  EXPECT_EQ(error.header("X-Request-Id"), "trace-404") << "errors carry it too";
  auto a = city.call("GET", "/healthz");
  auto b = city.call("GET", "/healthz");
  EXPECT_GE(a.header("X-Request-Id").size(), 16u);
  EXPECT_NE(a.header("X-Request-Id"), b.header("X-Request-Id"));
  auto odd = city.call("GET", "/healthz", {}, {{"X-Request-Id", "has spaces and \"quotes\""}});
  EXPECT_NE(odd.header("X-Request-Id"), "has spaces and \"quotes\"") << "an unsafe id is replaced";
  EXPECT_FALSE(odd.header("X-Request-Id").empty());
  // A change made through the API is audited with its request id.
  const long long id = city.sheet_id(2020, 10);
  auto edit = city.call("PATCH", sheet_url(id), R"({"actions":"追跡"})",
                        City::bearer(city.token("tanaka"), {{"If-Match", "\"1\""}, {"X-Request-Id", "edit-req-42"}}));
  ASSERT_EQ(edit.status, 200) << edit.body;
  auto history = city.get(sheet_url(id) + "/history", "tanaka").json();
  const auto& events = history.at("events").as_array();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().at("request_id").as_string(), "edit-req-42") << json::serialize(events.back());
}
