// The web UI's files from a real `shinchoku serve` (issue 7): the default [web] root is this
// source tree's web/static, served from memory with the UI's security headers; the API keeps
// its own answers, and no request target reaches a file outside the folder.
#include <gtest/gtest.h>

#include "http_city.hpp"

using namespace http_test;

namespace {

void expect_ui_headers(const HttpResponse& r) {
  EXPECT_EQ(r.header("Content-Security-Policy"),
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r.header("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(r.header("X-Frame-Options"), "DENY");
  EXPECT_EQ(r.header("Cache-Control"), "no-cache");
  EXPECT_FALSE(r.header("ETag").empty());
}

}  // namespace

TEST(HttpWebUi, TheIndexIsServedAtTheRootWithItsHeadersHeadAnd304) {
  City city;
  const std::string index = testing_support::slurp(kSource + "/web/static/index.html");
  auto r = city.call("GET", "/");
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(r.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(r.body, index);
  expect_ui_headers(r);

  auto head = city.call("HEAD", "/index.html");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.header("Content-Length"), std::to_string(index.size()));
  EXPECT_EQ(head.header("ETag"), r.header("ETag"));

  auto same = city.call("GET", "/", {}, {{"If-None-Match", r.header("ETag")}});
  EXPECT_EQ(same.status, 304);
  EXPECT_TRUE(same.body.empty());
  expect_ui_headers(same);

  // A hash-routed page loaded at a path of its own still gets the index.
  auto deep = city.call("GET", "/sheets/12");
  EXPECT_EQ(deep.status, 200);
  EXPECT_EQ(deep.body, index);
  // A missing file is a 404, not the index: a broken asset link must not load a page as script.
  auto missing = city.call("GET", "/missing.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body.find("<html"), std::string::npos);
  EXPECT_EQ(city.call("GET", "/styles/none.css").status, 404);

  // Keep-alive goes on after a HEAD and a 304 (their lengths are right).
  HttpConnection c(city.port());
  EXPECT_EQ(c.request(testing_support::bhttp::verb::head, "/").status, 200);
  EXPECT_EQ(c.request(testing_support::bhttp::verb::get, "/", {}, {{"If-None-Match", r.header("ETag")}}).status, 304);
  EXPECT_EQ(c.request(testing_support::bhttp::verb::get, "/healthz").status, 200);
}

TEST(HttpWebUi, TheApiKeepsItsJson404AndNoTargetLeavesTheFolder) {
  City city;
  auto api = city.call("GET", "/api/v1/nothing");
  EXPECT_EQ(api.status, 404);
  problem(api);
  EXPECT_TRUE(api.header("Content-Security-Policy").empty());
  const std::string index = testing_support::slurp(kSource + "/web/static/index.html");
  for (const char* target : {"/../CMakeLists.txt", "/%2e%2e/CMakeLists.txt", "/..%2fCMakeLists.txt", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                             "/../../../../etc/passwd", "/..%5cCMakeLists.txt", "//etc/passwd", "/web/static/index.html",
                             "/../config/shinchoku.toml", "/%2e%2e/api/openapi.json"}) {
    auto r = city.call("GET", target);
    if (r.status == 200) {
      EXPECT_EQ(r.body, index) << target;
    } else {
      EXPECT_TRUE(r.status == 400 || r.status == 404) << target << ": " << r.status;
    }
    EXPECT_EQ(r.body.find("cmake_minimum_required"), std::string::npos) << target;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << target;
    EXPECT_EQ(r.body.find("[database]"), std::string::npos) << target;
  }
}
