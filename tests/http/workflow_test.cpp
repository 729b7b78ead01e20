// The workflow over HTTP: the full cycle with a return, the sheet as it stood at a past time,
// clients racing on one version, and hostile strings stored and returned verbatim.
#include <gtest/gtest.h>

#include <atomic>
#include <ctime>
#include <thread>

#include "http_city.hpp"

using namespace http_test;

namespace {

std::string now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, micros);
}

}  // namespace

TEST(HttpWorkflow, FullCycleWithReturnAndHistoryOfEveryActor) {
  City city;
  const long long id = city.sheet_id(2020, 10);
  auto first = city.get(fmt::format("/api/v1/sheets/{}", id), "tanaka");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.header("ETag"), "\"1\"");
  auto doc = first.json().as_object();
  EXPECT_EQ(doc.at("state").as_string(), "draft");
  EXPECT_EQ(doc.at("previous").at("grade").as_string(), "A") << "last year's grade for reference";

  auto edit = city.patch(id, {{"grade", "B"}, {"actions", "取組一"}, {"results", "成果一"}, {"next_steps", "方針一"}}, "tanaka", 1);
  ASSERT_EQ(edit.status, 200) << edit.body;
  EXPECT_EQ(edit.header("ETag"), "\"2\"");
  EXPECT_EQ(edit.json().at("version").as_int64(), 2);
  EXPECT_EQ(edit.json().at("grade").as_string(), "B");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const std::string after_first_edit = now_rfc3339();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));

  auto submit = city.act(id, "submit", "tanaka", 2);
  ASSERT_EQ(submit.status, 200) << submit.body;
  EXPECT_EQ(submit.json().at("state").as_string(), "submitted");
  EXPECT_EQ(submit.header("ETag"), fmt::format("\"{}\"", submit.json().at("version").as_int64()));
  auto returned = city.act(id, "return", "kacho", 3, "成果を具体的に書いてください");
  ASSERT_EQ(returned.status, 200) << returned.body;
  EXPECT_EQ(returned.json().at("state").as_string(), "draft");
  auto no_comment = city.act(id, "submit", "tanaka", 4);
  ASSERT_EQ(no_comment.status, 200) << no_comment.body;
  auto again = city.act(id, "return", "kacho", 5);
  EXPECT_EQ(again.status, 422) << "return needs a comment: " << again.body;
  ASSERT_EQ(city.act(id, "return", "kacho", 5, "もう一度").status, 200);
  auto fix = city.patch(id, {{"results", "成果二：相談件数 120 件"}}, "tanaka", 6);
  ASSERT_EQ(fix.status, 200) << fix.body;
  ASSERT_EQ(city.act(id, "submit", "tanaka", 7).status, 200);
  ASSERT_EQ(city.act(id, "approve", "kacho", 8).status, 200);
  auto accept = city.act(id, "accept", "coord", 9);
  ASSERT_EQ(accept.status, 200) << accept.body;
  EXPECT_EQ(accept.json().at("state").as_string(), "accepted");
  EXPECT_EQ(accept.header("ETag"), "\"10\"");
  // Accepted: readable by everyone signed in, even another department's staff.
  auto other = city.get(fmt::format("/api/v1/sheets/{}", id), "kiki");
  ASSERT_EQ(other.status, 200);
  EXPECT_EQ(other.json().at("results").as_string(), "成果二：相談件数 120 件");

  auto history = city.get(fmt::format("/api/v1/sheets/{}/history", id), "tanaka");
  ASSERT_EQ(history.status, 200) << history.body;
  std::vector<std::string> steps;
  std::string comments;
  for (const auto& e : history.json().at("events").as_array()) {
    steps.push_back(fmt::format("{}:{}", std::string(e.at("action").as_string()), std::string(e.at("actor").as_string())));
    if (e.at("comment").is_string()) comments += std::string(e.at("comment").as_string()) + "|";
  }
  EXPECT_EQ(steps, (std::vector<std::string>{"create:coord", "edit:tanaka", "submit:tanaka", "return:kacho", "submit:tanaka", "return:kacho",
                                             "edit:tanaka", "submit:tanaka", "approve:kacho", "accept:coord"}))
      << history.body.substr(0, 2000);
  EXPECT_NE(comments.find("成果を具体的に書いてください"), std::string::npos) << comments;

  // As it stood after the first edit: draft, version 2, the first texts.
  auto then = city.get(fmt::format("/api/v1/sheets/{}?as_of={}", id, after_first_edit), "tanaka");
  ASSERT_EQ(then.status, 200) << then.body;
  EXPECT_EQ(then.json().at("state").as_string(), "draft");
  EXPECT_EQ(then.json().at("version").as_int64(), 2);
  EXPECT_EQ(then.json().at("results").as_string(), "成果一");
  auto before = city.get(fmt::format("/api/v1/sheets/{}?as_of=2000-01-01T00:00:00%2B09:00", id), "tanaka");
  EXPECT_EQ(before.status, 404) << "the sheet did not exist yet: " << before.body;

  auto verify = city.get("/api/v1/audit/verify", "kansa");
  ASSERT_EQ(verify.status, 200);
  EXPECT_TRUE(verify.json().at("ok").as_bool()) << verify.body;
}

TEST(HttpWorkflow, EightClientsRacingOnOneVersionHaveExactlyOneWinner) {
  City city;
  const long long id = city.sheet_id(2020, 10);
  const std::string token = city.token("tanaka");
  const int port = city.port();
  constexpr int kClients = 8;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<int> status(kClients, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      try {
        HttpConnection c(static_cast<unsigned short>(port));
        ++ready;
        while (!go) std::this_thread::yield();
        auto r = c.request(testing_support::bhttp::verb::patch, fmt::format("/api/v1/sheets/{}", id),
                           json::serialize(json::object{{"actions", fmt::format("client {}", i)}}),
                           {{"Authorization", "Bearer " + token}, {"If-Match", "\"1\""}});
        status[i] = r.status;
      } catch (const std::exception&) {
        status[i] = -1;
      }
    });
  }
  while (ready < kClients) std::this_thread::yield();
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::count(status.begin(), status.end(), 200), 1) << fmt::format("{}", fmt::join(status, " "));
  EXPECT_EQ(std::count(status.begin(), status.end(), 412), kClients - 1) << fmt::format("{}", fmt::join(status, " "));
  auto s = city.sheet(id);
  EXPECT_EQ(s.at("version").as_int64(), 2);
  EXPECT_TRUE(s.at("actions").as_string().starts_with("client ")) << s.at("actions");
  auto history = city.get(fmt::format("/api/v1/sheets/{}/history", id), "coord");
  EXPECT_EQ(history.json().at("events").as_array().size(), 2u) << "one creation, one edit";
  auto verify = city.get("/api/v1/audit/verify", "kansa");
  EXPECT_TRUE(verify.json().at("ok").as_bool()) << verify.body;
}

namespace {

const std::vector<std::string>& hostile() {
  static const std::vector<std::string> strings{
      "'; DROP TABLE sheet; --",
      "<script>alert(1)</script>",
      "100% の達成_率",
      "\\' OR '1'='1 \\\\ back\\slash",
      "\"quoted\" & <b>bold</b> {\"json\": [1]}",
      "日本語・絵文字🎌・結合文字が\u3099・改行\nと\tタブ",
      "$(touch /tmp/shinchoku-pwned) `id` ${HOME}",
  };
  return strings;
}

}  // namespace

TEST(HttpWorkflow, InjectionStringsAreStoredAndReturnedVerbatimAndNeverRun) {
  City city;
  const long long id = city.sheet_id(2020, 10);
  long long version = 1;
  for (const auto& s : hostile()) {
    auto r = city.patch(id, {{"actions", s}, {"results", s + " 成果"}, {"next_steps", "方針 " + s}}, "tanaka", version);
    ASSERT_EQ(r.status, 200) << s << ": " << r.body;
    version = r.json().at("version").as_int64();
    auto back = city.sheet(id, "tanaka");
    EXPECT_EQ(back.at("actions").as_string(), s);
    EXPECT_EQ(back.at("results").as_string(), s + " 成果");
    EXPECT_EQ(back.at("next_steps").as_string(), "方針 " + s);
    // As a filter: the sheet is found by its own text, literally.
    auto q = city.get("/api/v1/sheets?year=2020&q=" + boost::urls::encode(s, boost::urls::unreserved_chars), "tanaka");
    ASSERT_EQ(q.status, 200) << s << ": " << q.body;
    const auto& items = q.json().at("items").as_array();
    ASSERT_EQ(items.size(), 1u) << s;
    EXPECT_EQ(items[0].at("id").as_int64(), id);
    EXPECT_EQ(items[0].at("actions").as_string(), s);
  }
  // In every filter and in the transition comment.
  for (const auto& s : hostile()) {
    const std::string enc = boost::urls::encode(s, boost::urls::unreserved_chars);
    for (const std::string param : {"department", "q"}) {
      auto r = city.get(fmt::format("/api/v1/sheets?year=2019&{}={}", param, enc), "tanaka");
      EXPECT_EQ(r.status, 200) << param << "=" << s << ": " << r.body;
      EXPECT_TRUE(r.json().at("items").as_array().empty()) << param << "=" << s;
    }
    for (const std::string param : {"state", "grade", "sheet_no", "year", "cursor"}) {
      auto r = city.get(fmt::format("/api/v1/sheets?{}={}", param, enc), "tanaka");
      EXPECT_EQ(r.status, 400) << param << "=" << s << ": " << r.body;
    }
    auto audit = city.get(fmt::format("/api/v1/audit?actor={}&entity={}", enc, enc), "kansa");
    EXPECT_EQ(audit.status, 200) << s << ": " << audit.body;
    EXPECT_TRUE(audit.json().at("items").as_array().empty()) << s;
    auto login = city.login_response(s, s);
    EXPECT_EQ(login.status, 401) << s;
  }
  ASSERT_EQ(city.patch(id, {{"grade", "A"}}, "tanaka", version).status, 200);
  ASSERT_EQ(city.act(id, "submit", "tanaka", version + 1).status, 200);
  auto ret = city.act(id, "return", "kacho", version + 2, hostile()[0] + " " + hostile()[1]);
  ASSERT_EQ(ret.status, 200) << ret.body;
  auto history = city.get(fmt::format("/api/v1/sheets/{}/history", id), "tanaka").json();
  EXPECT_EQ(history.at("events").as_array().back().at("comment").as_string(), hostile()[0] + " " + hostile()[1]);
  // Nothing ran: the tables are all there, the 2019 sheets too, no file was made.
  EXPECT_EQ(city.all_sheets(2019).size(), 74u);
  EXPECT_FALSE(std::filesystem::exists("/tmp/shinchoku-pwned"));
  auto jsonl = city.get("/api/v1/audit?entity=sheet:" + std::to_string(id) + "&format=jsonl", "kansa");
  EXPECT_NE(jsonl.body.find("<script>alert(1)</script>"), std::string::npos) << "JSON escapes nothing it need not";
  EXPECT_EQ(jsonl.header("Content-Type").find("html"), std::string::npos);
  auto verify = city.get("/api/v1/audit/verify", "kansa");
  EXPECT_TRUE(verify.json().at("ok").as_bool()) << verify.body;
}
