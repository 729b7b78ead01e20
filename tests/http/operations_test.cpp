// The server under stress and in operation: slow and malformed clients, health and metrics,
// SIGTERM with requests in flight, the database going away and coming back, and two server
// processes on one database.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "http_city.hpp"

using namespace http_test;
using testing_support::RawSocket;
using testing_support::raw_status;

namespace {

using SteadyClock = std::chrono::steady_clock;

long long ms_since(SteadyClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - t).count();
}

}  // namespace

TEST(HttpOperations, SlowClientIsDisconnectedAfterReadTimeoutWhileOthersAreServed) {
  Settings s;
  s.read_timeout_ms = 500;
  City city(s);
  RawSocket slow(city.port());
  ASSERT_TRUE(slow.send("GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bea"));
  const auto started = SteadyClock::now();
  // Meanwhile another client is served at once.
  for (int i = 0; i < 3; ++i) {
    const auto t = SteadyClock::now();
    EXPECT_EQ(city.call("GET", "/healthz").status, 200);
    EXPECT_LT(ms_since(t), 400);
  }
  auto r = slow.read_until_close(std::chrono::seconds(5));
  EXPECT_TRUE(r.closed) << "the slow client still holds its connection";
  EXPECT_LT(ms_since(started), 2000);
  EXPECT_GE(ms_since(started), 400);
  EXPECT_EQ(city.call("GET", "/healthz").status, 200) << "the server is unharmed";
}

TEST(HttpOperations, SlowClientOnAKeepAliveConnectionIsDisconnectedToo) {
  Settings s;
  s.read_timeout_ms = 500;
  s.idle_timeout_ms = 10000;
  City city(s);
  RawSocket slow(city.port());
  ASSERT_TRUE(slow.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  // The first response comes and the connection stays open...
  auto first = slow.read_until_close(std::chrono::milliseconds(300));
  EXPECT_EQ(raw_status(first.data), 200) << first.data;
  ASSERT_FALSE(first.closed);
  // ...then the next request begins and stalls: it must arrive within read_timeout, not idle_timeout.
  ASSERT_TRUE(slow.send("GET /healthz HTTP/1.1\r\nHo"));
  const auto started = SteadyClock::now();
  auto r = slow.read_until_close(std::chrono::seconds(5));
  EXPECT_TRUE(r.closed) << "a slow second request holds the connection for idle_timeout";
  EXPECT_LT(ms_since(started), 2000);
}

// The connection cap: beyond max_connections a new connection is answered 503 with Retry-After
// and closed, those held are served on, and a freed place is taken again.
TEST(HttpOperations, ConnectionsBeyondTheCapGet503AndTheHeldOnesGoOn) {
  Settings s;
  s.max_connections = 4;
  City city(s);
  std::vector<std::unique_ptr<HttpConnection>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<HttpConnection>(city.port()));
    ASSERT_EQ(held.back()->request(testing_support::bhttp::verb::get, "/healthz").status, 200) << "connection " << i;
  }
  RawSocket over(city.port());
  ASSERT_TRUE(over.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  auto refused = over.read_until_close(std::chrono::seconds(5));
  EXPECT_EQ(raw_status(refused.data), 503) << refused.data;
  EXPECT_NE(refused.data.find("Retry-After: 1"), std::string::npos) << refused.data;
  EXPECT_TRUE(refused.closed);
  for (auto& c : held) EXPECT_EQ(c->request(testing_support::bhttp::verb::get, "/healthz").status, 200) << "a held connection was harmed";
  held.pop_back();  // closes one
  for (int attempt = 0;; ++attempt) {  // the server sees the close a moment later
    ASSERT_LT(attempt, 50) << "the freed place was not given again";
    HttpConnection again(city.port(), std::chrono::seconds(5));
    try {
      if (again.request(testing_support::bhttp::verb::get, "/healthz").status == 200) break;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

TEST(HttpOperations, MalformedHttpGets400AndOversizeHeaders431) {
  City city;  // header_limit_bytes = 8192
  for (const std::string& request : {std::string("THIS IS NOT HTTP\r\n\r\n"), std::string("GET / HTTP/9.9\r\nHost: x\r\n\r\n"),
                                    std::string("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"),
                                    std::string("GET /healthz HTTP/1.1\r\nHost x\r\n\r\n"),
                                    std::string("POST /api/v1/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n")}) {
    RawSocket raw(city.port());
    ASSERT_TRUE(raw.send(request));
    auto r = raw.read_until_close(std::chrono::seconds(3));
    EXPECT_EQ(raw_status(r.data), 400) << request << " → " << r.data.substr(0, 200);
    EXPECT_TRUE(r.closed) << request;
    EXPECT_NE(r.data.find("application/problem+json"), std::string::npos) << r.data.substr(0, 300);
  }
  RawSocket big(city.port());
  big.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(10000, 'a') + "\r\n\r\n");
  auto r = big.read_until_close(std::chrono::seconds(3));
  EXPECT_EQ(raw_status(r.data), 431) << r.data.substr(0, 200);
  EXPECT_EQ(city.call("GET", "/healthz").status, 200);
}

TEST(HttpOperations, HealthReadinessAndPrometheusMetrics) {
  City city;
  auto health = city.call("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.json().at("status").as_string(), "up");
  auto ready = city.call("GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  city.get("/api/v1/sheets?year=2019", "coord");
  city.get("/api/v1/sheets/999999", "coord");
  auto m = city.call("GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_TRUE(m.header("Content-Type").starts_with("text/plain")) << m.header("Content-Type");
  for (const char* needle : {"# TYPE shinchoku_http_requests_total counter", "shinchoku_http_requests_total{", "route=\"/api/v1/sheets\"",
                             "status=\"404\"", "shinchoku_db_pool_connections 4", "shinchoku_db_pool_in_use ", "shinchoku_db_pool_waiting ",
                             "_bucket{"}) {
    EXPECT_NE(m.body.find(needle), std::string::npos) << needle << " in\n" << m.body.substr(0, 3000);
  }
  EXPECT_EQ(m.body.find("route=\"/api/v1/sheets/999999\""), std::string::npos) << "routes by pattern, not by URL";
  EXPECT_EQ(city.call("GET", "/api/v1/openapi.json").status, 200);
}

TEST(HttpOperations, SigtermFinishesRequestsInFlightAndExitsZero) {
  Settings s;
  s.worker_threads = 2;
  s.pool_size = 2;
  s.pool_wait_ms = 20000;
  City city(s);
  const std::string token = city.token("kansa");
  constexpr int kRequests = 16;
  std::vector<std::unique_ptr<RawSocket>> sockets;
  const std::string request = "GET /api/v1/audit/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\n\r\n";
  for (int i = 0; i < kRequests; ++i) {
    sockets.push_back(std::make_unique<RawSocket>(city.port()));
    ASSERT_TRUE(sockets.back()->send(request));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // the server reads them all and sets to work
  const auto signalled = SteadyClock::now();
  city.server().signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // No new connections once stopping (the acceptor is closed).
  bool refused = false;
  try {
    RawSocket late(city.port());
    late.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    auto r = late.read_until_close(std::chrono::seconds(3));
    refused = raw_status(r.data) == 0;
  } catch (const testing_support::HttpError&) {
    refused = true;
  }
  EXPECT_TRUE(refused) << "a connection made after SIGTERM was served";
  int complete = 0;
  for (auto& sock : sockets) {
    auto r = sock->read_until_close(std::chrono::seconds(12));
    EXPECT_TRUE(r.closed) << "the connection is closed after its response";
    EXPECT_EQ(raw_status(r.data), 200) << r.data.substr(0, 300);
    auto head_end = r.data.find("\r\n\r\n");
    if (head_end == std::string::npos) continue;
    const std::string body = r.data.substr(head_end + 4);
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (!ec && v.is_object() && v.as_object().contains("ok")) ++complete;
  }
  EXPECT_EQ(complete, kRequests) << "every request in flight got its whole response";
  auto status = city.server().wait_exit(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value()) << "still running 10 s after SIGTERM";
  EXPECT_LT(ms_since(signalled), 10000);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "status " << *status << "\n" << city.log();
  const std::string log = city.log();
  const auto shutting = log.find("shutting down");
  ASSERT_NE(shutting, std::string::npos) << log;
  EXPECT_NE(log.find("/api/v1/audit/verify 200", shutting), std::string::npos)
      << "at least one request was still being handled after SIGTERM (else this test proves nothing):\n"
      << log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
}

namespace {

// Ends every connection of the server to the city's database, as a database restart does.
// The application role may end its own backends (the owner may not: it is no member of it).
void terminate_connections(City& city) {
  auto conn = persistence::connect_libpq(app_base() + " dbname=postgres");
  persistence::exec(conn.get(),
                    fmt::format("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid()",
                                city.db_name()),
                    "terminate the server's connections");
}

void allow_connections(City& city, bool allow) {
  auto admin = persistence::connect_libpq(owner_base() + " dbname=postgres");
  persistence::exec(admin.get(), fmt::format("ALTER DATABASE {} ALLOW_CONNECTIONS {}", city.db_name(), allow), "allow connections");
}

}  // namespace

TEST(HttpOperations, DatabaseRestartGives503ThenRecoversWithoutRestartingTheServer) {
  City city;
  const long long id = city.sheet_id(2020, 10);
  const std::string token = city.token("tanaka");
  const std::string city_auditor = city.token("kansa");
  // Use every pooled connection, so that all of them are cut.
  std::vector<std::thread> warm;
  for (int i = 0; i < 6; ++i) warm.emplace_back([&] { city.call("GET", fmt::format("/api/v1/sheets/{}", id), {}, City::bearer(token)); });
  for (auto& t : warm) t.join();
  terminate_connections(city);
  // Rounds of concurrent requests (so that every pooled connection is tried): each gets 200 or
  // 503 with Retry-After, never a 500 or a hang, and within a few rounds all get 200.
  std::vector<std::string> rounds;
  bool recovered = false;
  for (int round = 0; round < 8 && !recovered; ++round) {
    std::vector<HttpResponse> got(7);
    std::vector<std::thread> clients;
    for (int i = 0; i < 7; ++i) {
      clients.emplace_back([&, i] {
        const std::string target = i == 6 ? "/api/v1/audit/verify" : fmt::format("/api/v1/sheets/{}", id);
        got[i] = city.call("GET", target, {}, City::bearer(i == 6 ? city_auditor : token));
      });
    }
    for (auto& t : clients) t.join();
    recovered = true;
    std::string statuses;
    for (const auto& r : got) {
      statuses += std::to_string(r.status) + " ";
      if (r.status == 503) {
        EXPECT_TRUE(r.has_header("Retry-After"));
        problem(r);
        EXPECT_EQ(r.body.find("terminating connection"), std::string::npos) << "no database internals: " << r.body;
      } else {
        EXPECT_EQ(r.status, 200) << r.body;
      }
      recovered = recovered && r.status == 200;
    }
    rounds.push_back(statuses);
  }
  EXPECT_TRUE(recovered) << fmt::format("rounds: {}", fmt::join(rounds, "| ")) << "\n" << city.log();
  // Every request works again, a change too.
  auto edit = city.patch(id, {{"actions", "再接続後"}}, "tanaka", 1);
  EXPECT_EQ(edit.status, 200) << edit.body;
  for (int i = 0; i < 6; ++i) EXPECT_EQ(city.call("GET", "/readyz").status, 200);
}

TEST(HttpOperations, DatabaseDownGives503AndReadyzSaysSoUntilItComesBack) {
  Settings s;
  s.pool_wait_ms = 500;
  City city(s);
  const std::string token = city.token("tanaka");
  ASSERT_EQ(city.call("GET", "/api/v1/me", {}, City::bearer(token)).status, 200);
  allow_connections(city, false);
  terminate_connections(city);
  for (int i = 0; i < 5; ++i) {
    auto r = city.call("GET", "/api/v1/me", {}, City::bearer(token));
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(r.header("Retry-After"), "5");
  }
  auto login = city.login_response("kacho");
  EXPECT_EQ(login.status, 503) << "a login while the database is down is not a wrong password: " << login.body;
  auto ready = city.call("GET", "/readyz");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_TRUE(ready.has_header("Retry-After"));
  EXPECT_EQ(city.call("GET", "/healthz").status, 200) << "the process itself is up";
  allow_connections(city, true);
  int status = 0;
  for (int attempt = 0; attempt < 10 && status != 200; ++attempt) status = city.call("GET", "/api/v1/me", {}, City::bearer(token)).status;
  EXPECT_EQ(status, 200) << "the server recovers by itself\n" << city.log();
  EXPECT_EQ(city.call("GET", "/readyz").status, 200);
}

TEST(HttpOperations, TwoServersOnOneDatabaseShareSessionsAndHaveOneWinnerPerVersion) {
  City city;
  auto second = city.start_server();
  ASSERT_NE(second->port(), city.port());
  EXPECT_EQ(city.call("GET", "/healthz", {}, {}, second->port()).status, 200);
  // A session made on one is honoured by the other; a logout on the other ends it on both.
  auto login = city.login_response("tanaka", kPassword, second->port());
  ASSERT_EQ(login.status, 201) << login.body;
  const std::string token(login.json().at("token").as_string());
  EXPECT_EQ(city.call("GET", "/api/v1/me", {}, City::bearer(token)).status, 200);

  const long long id = city.sheet_id(2020, 10);
  constexpr int kClients = 8;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<int> status(kClients, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    const unsigned short port = i % 2 ? second->port() : city.port();
    threads.emplace_back([&, i, port] {
      try {
        HttpConnection c(port);
        ++ready;
        while (!go) std::this_thread::yield();
        status[i] = c.request(testing_support::bhttp::verb::patch, fmt::format("/api/v1/sheets/{}", id),
                              json::serialize(json::object{{"actions", fmt::format("server {} client {}", i % 2, i)}}),
                              {{"Authorization", "Bearer " + token}, {"If-Match", "\"1\""}})
                        .status;
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
  auto a = city.call("GET", fmt::format("/api/v1/sheets/{}", id), {}, City::bearer(token));
  auto b = city.call("GET", fmt::format("/api/v1/sheets/{}", id), {}, City::bearer(token), second->port());
  EXPECT_EQ(a.body, b.body) << "both servers show the same sheet";
  EXPECT_EQ(a.header("ETag"), "\"2\"");
  // Failed logins sent to different servers add up (login_max_failures = 3).
  for (int i = 0; i < 3; ++i) city.login_response("kacho", "wrong passphrase here", i % 2 ? second->port() : city.port());
  EXPECT_EQ(city.login_response("kacho", kPassword, second->port()).status, 429);
  EXPECT_EQ(city.call("DELETE", "/api/v1/session", {}, City::bearer(token)).status, 204);
  EXPECT_EQ(city.call("GET", "/api/v1/me", {}, City::bearer(token), second->port()).status, 401);
  auto verify = city.get("/api/v1/audit/verify", "kansa");
  EXPECT_TRUE(verify.json().at("ok").as_bool()) << verify.body;
}
