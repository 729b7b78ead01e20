// Reminders survive crashes (issue 6, Tests): a real `shinchoku serve` delivering digests by
// email to a real SMTP server on loopback (aiosmtpd) is killed with SIGKILL at a random moment,
// again and again; then one clean run. Every due reminder is delivered in the end, nothing is
// dead, and a message that arrived more than once carries the same Message-ID each time: the
// only way to a duplicate is a kill after the SMTP server kept the message and before the outbox
// row was marked sent. Duplicates are counted and printed.
//
// Also: SIGTERM while an SMTP server hangs in the middle of a conversation ends the server
// within the 10 s shutdown, and the claimed rows are handed back.
//
// SHINCHOKU_CRASH_SEED=N repeats a run's kill moments (the seed is printed);
// SHINCHOKU_CRASH_KILLS (20) and SHINCHOKU_CRASH_MAX_DELAY_MS (700) change the loop.
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include <libpq-fe.h>

#include "http_city.hpp"
#include "persistence/audit_log.hpp"
#include "sink_process.hpp"

namespace http_test {
namespace {

// Monday 28 April 2025, 10:00 JST: five business days after Monday 21 April (the first reminder).
const std::string kWeekBefore = "2025-04-21T10:00:00+09:00";
const auto kMonday = persistence::parse_time_argument("2025-04-28T10:00:00+09:00");
// Simulated time between two starts: more than the lease (5 s) plus a run's real time, so that
// the rows a killed server held are claimable again by the next one at once.
constexpr auto kStep = std::chrono::seconds(60);

using Rows = std::vector<std::vector<std::string>>;

Rows query(const City& city, const std::string& sql) {
  auto conn = persistence::connect_libpq(city.owner_url());
  PGresult* r = PQexec(conn.get(), sql.c_str());
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    std::string e = PQresultErrorMessage(r);
    PQclear(r);
    throw std::runtime_error("test SQL failed: " + sql + ": " + e);
  }
  Rows out;
  for (int i = 0; i < PQntuples(r); ++i) {
    std::vector<std::string> row;
    for (int j = 0; j < PQnfields(r); ++j) row.emplace_back(PQgetisnull(r, i, j) ? "" : PQgetvalue(r, i, j));
    out.push_back(std::move(row));
  }
  PQclear(r);
  return out;
}

long long count(const City& city, const std::string& sql) { return std::stoll(query(city, sql).at(0).at(0)); }

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::stoi(v) : fallback;
}

std::string rfc3339(std::chrono::system_clock::time_point t) { return persistence::format_utc(t); }

struct TempDir {
  TempDir() {
    static std::atomic<int> n{0};
    path = std::filesystem::temp_directory_path() / fmt::format("shinchoku-crash-mail-{}-{}", ::getpid(), n++);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path path;
};

struct Mail {
  std::string message_id, to, subject, body;
};

// Every message the sink kept, in the order it kept them.
std::vector<Mail> received(const std::filesystem::path& dir) {
  std::vector<Mail> out;
  for (int n = 1;; ++n) {
    const auto eml = dir / fmt::format("{}.eml", n);
    if (!std::filesystem::exists(eml)) break;
    const std::string text = testing_support::slurp(eml);
    const std::string env = testing_support::slurp(dir / fmt::format("{}.env", n));
    Mail m;
    const auto split = text.find("\r\n\r\n");
    const std::string head = text.substr(0, split);
    m.body = split == std::string::npos ? "" : text.substr(split + 4);
    auto header = [&](const std::string& name) {
      auto at = head.find("\r\n" + name + ": ");
      if (at == std::string::npos) return std::string();
      at += name.size() + 4;
      auto end = head.find("\r\n", at);
      while (end != std::string::npos && end + 2 < head.size() && head[end + 2] == ' ') end = head.find("\r\n", end + 2);  // folded
      return head.substr(at, end == std::string::npos ? std::string::npos : end - at);
    };
    m.message_id = header("Message-ID");
    m.subject = header("Subject");
    m.to = env.substr(env.find('\n') + 1);
    while (!m.to.empty() && (m.to.back() == '\n' || m.to.back() == '\r')) m.to.pop_back();
    out.push_back(std::move(m));
  }
  return out;
}

// The city with email: every user has an address, `extra` more staff of 地域福祉課 (each a
// digest of their own), and the reminders' settings for a server that delivers by SMTP.
void prepare(City& city, int smtp_port, int extra) {
  city.owner_exec("UPDATE app_user SET email = login || '@city.honjo.example' WHERE email IS NULL");
  city.owner_exec(fmt::format(
      "INSERT INTO app_user (login, display_name, email, password_hash) "
      "SELECT 'crash' || g, '職員' || g, 'crash' || g || '@city.honjo.example', (SELECT password_hash FROM app_user WHERE login = 'tanaka') "
      "FROM generate_series(1, {}) g",
      extra));
  city.owner_exec("INSERT INTO user_grant (user_id, role, department_id) SELECT u.id, 'staff', d.id FROM app_user u, department d "
                  "WHERE u.login LIKE 'crash%' AND d.code = 'chiiki-fukushi'");
  city.owner_exec("UPDATE sheet SET state_since = '" + kWeekBefore + "' WHERE fiscal_year = 2020");
  Settings s;
  s.reminders_enabled = true;
  s.reminders_tick_seconds = 1;
  std::string text = config_text(s);
  const std::string inbox_only = "channels = \"inbox\"\n";
  text.replace(text.find(inbox_only), inbox_only.size(),
               "channels = \"email, inbox\"\nlease_seconds = 5\nmax_attempts = 8\nbackoff_seconds = 1\nbackoff_max_seconds = 2\n");
  text += fmt::format("[reminders.smtp]\nurl = \"smtp://127.0.0.1:{}\"\nfrom = \"shinchoku@city.honjo.example\"\n"
                      "starttls = \"none\"\ntimeout_seconds = 30\n",
                      smtp_port);
  std::ofstream(city.config()) << text;
}

std::unique_ptr<ServeProcess> start_at(const City& city, std::chrono::system_clock::time_point now) {
  return city.start_server(std::nullopt, {"--reminders-now", rfc3339(now)});
}

TEST(RemindersCrash, KilledDuringDispatchTwentyTimesEveryReminderIsDeliveredAndDuplicatesKeepTheirMessageId) {
  const int kills = env_int("SHINCHOKU_CRASH_KILLS", 20);
  const int max_delay_ms = env_int("SHINCHOKU_CRASH_MAX_DELAY_MS", 700);
  const char* seed_env = std::getenv("SHINCHOKU_CRASH_SEED");
  const std::uint64_t seed = seed_env != nullptr && *seed_env != '\0' ? std::stoull(seed_env) : std::random_device{}();
  std::cout << fmt::format("crash loop: seed {} (SHINCHOKU_CRASH_SEED={} repeats the kill moments), {} kills within 0–{} ms of a start\n",
                           seed, seed, kills, max_delay_ms);
  RecordProperty("crash_seed", std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> delay_ms(0, max_delay_ms);

  TempDir mail;
  // A slow SMTP server: 25 ms before it keeps a message, 25 ms more before it says so. A kill in
  // the first half loses the message (no copy); in the second, the server has it and the outbox
  // does not know yet (a duplicate at the next delivery, with the same Message-ID).
  testing_support::SinkProcess sink({kSource + "/tests/notifications/smtp_sink.py", mail.path.string(), "--delay-ms=25,25"});
  City city;
  prepare(city, sink.port(), 60);

  // What is owed: the dry run's due reminders, one outbox row per channel.
  auto dry = city.cli("remind run-once --dry-run --format json --now " + rfc3339(kMonday));
  ASSERT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  long long owed_rows = 0;
  std::set<std::string> owed_email_recipients;
  const auto owed = json::parse(dry.out);
  ASSERT_TRUE(owed.is_object()) << dry.out << dry.err;
  for (const auto& d : owed.at("due").as_array()) {
    for (const auto& ch : d.at("channels").as_array()) {
      ++owed_rows;
      if (ch.as_string() == "email") owed_email_recipients.insert(std::string(d.at("recipient").as_string()));
    }
  }
  ASSERT_GT(owed_email_recipients.size(), 60u) << dry.out;

  int mid_dispatch = 0;
  for (int i = 0; i < kills; ++i) {
    const int wait = delay_ms(rng);
    const auto mails_before = received(mail.path).size();
    const long long sent_before = count(city, "SELECT count(*) FROM reminder_outbox WHERE state = 'sent'");
    auto server = start_at(city, kMonday + i * kStep);
    std::this_thread::sleep_for(std::chrono::milliseconds(wait));
    server->signal(SIGKILL);
    ASSERT_TRUE(server->wait_exit(std::chrono::seconds(10)).has_value());
    const auto mails = received(mail.path).size();
    const auto rows = query(city, "SELECT count(*) FILTER (WHERE state = 'sent'), count(*) FILTER (WHERE state = 'sending'), "
                                  "count(*) FILTER (WHERE state = 'dead'), count(*) FROM reminder_outbox")
                          .at(0);
    // During dispatch: this server had claimed rows (its worker name ends in its pid), sent some, or the SMTP server got some.
    const bool during = count(city, fmt::format("SELECT count(*) FROM reminder_outbox WHERE claimed_by LIKE '%:{}'", server->pid())) > 0 ||
                        std::stoll(rows[0]) > sent_before || mails > mails_before;
    mid_dispatch += during ? 1 : 0;
    std::cout << fmt::format("kill {:2}: after {:3} ms; outbox {} rows, {} sent, {} claimed by the dead server; {} messages received{}\n",
                             i + 1, wait, rows[3], rows[0], rows[1], mails, during ? "" : "  (not dispatching yet)");
    EXPECT_EQ(rows[2], "0") << "a row died: " << server->log();
  }

  // The clean run: a server that is not killed delivers what is left, then stops on SIGTERM.
  auto last = start_at(city, kMonday + kills * kStep);
  const bool done = eventually(
      [&] {
        return count(city, "SELECT count(*) FROM reminder_outbox") == owed_rows &&
               count(city, "SELECT count(*) FROM reminder_outbox WHERE state <> 'sent'") == 0;
      },
      std::chrono::seconds(60));
  last->signal(SIGTERM);
  const auto status = last->wait_exit(std::chrono::seconds(10));
  ASSERT_TRUE(done) << query(city, "SELECT count(*) FROM reminder_outbox").at(0).at(0) << " rows of " << owed_rows << "\n" << last->log();
  ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << last->log();

  // Every due reminder is in the outbox once, sent; nothing dead; nothing more is due.
  EXPECT_EQ(count(city, "SELECT count(*) FROM reminder_outbox"), owed_rows);
  EXPECT_EQ(count(city, "SELECT count(*) FROM reminder_outbox WHERE state = 'dead'"), 0);
  auto after = city.cli("remind run-once --dry-run --format json --now " + rfc3339(kMonday + (kills + 1) * kStep));
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_TRUE(json::parse(after.out).at("due").as_array().empty()) << after.out;
  // The inbox: exactly one notification per inbox row.
  EXPECT_EQ(count(city, "SELECT count(*) FROM notification_inbox"),
            count(city, "SELECT count(*) FROM reminder_outbox WHERE channel = 'inbox'"));

  // Email: one digest per recipient, each Message-ID received at least once; every message
  // received is one of those digests, to its recipient.
  std::map<std::string, std::string> digest_to;  // Message-ID → the recipient's address
  for (const auto& r : query(city, "SELECT DISTINCT o.message_id, u.email FROM reminder_outbox o JOIN app_user u ON u.id = o.recipient_id "
                                   "WHERE o.channel = 'email'")) {
    digest_to[r[0]] = r[1];
  }
  EXPECT_EQ(digest_to.size(), owed_email_recipients.size());
  const auto mails = received(mail.path);
  std::map<std::string, std::vector<const Mail*>> by_id;
  for (const auto& m : mails) by_id[m.message_id].push_back(&m);
  int duplicates = 0, duplicated_digests = 0;
  for (const auto& [id, copies] : by_id) {
    ASSERT_TRUE(digest_to.contains(id)) << "a message that is no digest of the outbox: " << id;
    for (const Mail* m : copies) {
      EXPECT_EQ(m->to, digest_to[id]) << id;
      // A copy is the same message: same subject, same body (only its Date: may differ).
      EXPECT_EQ(m->subject, copies.front()->subject) << id;
      EXPECT_EQ(m->body, copies.front()->body) << id;
    }
    if (copies.size() > 1) {
      duplicates += static_cast<int>(copies.size()) - 1;
      ++duplicated_digests;
    }
  }
  for (const auto& [id, to] : digest_to) EXPECT_TRUE(by_id.contains(id)) << "never received: " << id << " to " << to;
  // One digest is in flight at a time: each kill can leave at most one message kept and unmarked.
  EXPECT_LE(duplicates, kills);
  EXPECT_GE(mid_dispatch, 1) << "no kill came during dispatch: make the SMTP server slower or the delays longer";
  std::cout << fmt::format(
      "crash loop result (seed {}): {} kills, {} of them during dispatch; {} outbox rows all sent ({} email digests, {} inbox "
      "notifications), none dead; {} messages received for {} digests: {} duplicate(s) of {} digest(s), each with the "
      "same Message-ID\n",
      seed, kills, mid_dispatch, owed_rows, digest_to.size(), count(city, "SELECT count(*) FROM notification_inbox"), mails.size(),
      by_id.size(), duplicates, duplicated_digests);
  RecordProperty("duplicates", duplicates);
}

TEST(RemindersCrash, SigtermWhileTheSmtpServerHangsEndsWithinTenSecondsAndHandsTheRowsBack) {
  TempDir mail;
  testing_support::SinkProcess sink({kSource + "/tests/notifications/smtp_sink.py", mail.path.string(), "--hang"});
  City city;
  prepare(city, sink.port(), 0);
  auto server = start_at(city, kMonday);
  // The first email digest is claimed and its DATA sent; the SMTP server never answers.
  ASSERT_TRUE(eventually([&] { return count(city, "SELECT count(*) FROM reminder_outbox WHERE state = 'sending' AND channel = 'email'") > 0; },
                         std::chrono::seconds(20)))
      << server->log();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto started = std::chrono::steady_clock::now();
  server->signal(SIGTERM);
  const auto status = server->wait_exit(std::chrono::seconds(15));
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(status.has_value()) << server->log();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << server->log();
  EXPECT_LT(took, std::chrono::seconds(10)) << server->log();
  std::cout << fmt::format("SIGTERM during a hanging SMTP send: the server ended after {} ms\n",
                           std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
  // Nothing is left claimed, nothing was counted as a failed attempt, nothing died.
  EXPECT_EQ(count(city, "SELECT count(*) FROM reminder_outbox WHERE state = 'sending'"), 0);
  EXPECT_EQ(count(city, "SELECT count(*) FROM reminder_outbox WHERE channel = 'email' AND (attempts > 0 OR state <> 'pending')"), 0);
}

}  // namespace
}  // namespace http_test
