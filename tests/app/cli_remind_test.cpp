// `shinchoku remind` through the real binary on Honjo's data (FY2019 imported, FY2020 opened:
// its ungraded drafts whose FY2019 grade was C 検討中 are pending), with a real SMTP server on
// loopback (aiosmtpd) and the clock given by --now.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include <boost/json.hpp>
#include <netinet/in.h>
#include <sys/socket.h>

#include "cli_runner.hpp"
#include "persistence/database.hpp"
#include "sink_process.hpp"
#include "test_database.hpp"

namespace json = boost::json;
using testing_support::CliResult;
using testing_support::run_shell;
using testing_support::shell_quote;

namespace {

const std::string kBinary = SHINCHOKU_BINARY;
const std::string kSource = SHINCHOKU_SOURCE_DIR;
// Monday 28 April 2025: five business days after Monday 21 April, the default first reminder.
const std::string kMonday = "2025-04-28T10:00:00+09:00";

int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

class RemindCli : public ::testing::Test {
 protected:
  void SetUp() override {
    mail_dir_ = std::filesystem::temp_directory_path() / fmt::format("shinchoku-remind-mail-{}-{}", ::getpid(), counter_);
    config_ = std::filesystem::temp_directory_path() / fmt::format("shinchoku-remind-{}-{}.toml", ::getpid(), counter_++);
    std::filesystem::create_directories(mail_dir_);
    write_config(fmt::format("smtp://127.0.0.1:{}", closed_port()), 2);
    ok(run("migrate"));
    ok(run("import " + kSource + "/data/honjo/honjo-welfare-plan-fy2019-progress.tsv --year 2019"));
    add_user("coord", "--role coordinator --email coord@city.honjo.example");
    add_user("tanaka", "--role staff --department 地域福祉課 --email tanaka@city.honjo.example");
    add_user("kacho", "--role approver --department kaigo-hoken");
    ok(run("year open 2020 --actor coord"));
    owner_sql("UPDATE sheet SET state_since = '2025-04-21T10:00:00+09:00' WHERE fiscal_year = 2020");
    // One more pending draft, of 介護保険課 alone, which has an approver but no staff.
    owner_sql("UPDATE sheet SET previous_grade = 'C' WHERE fiscal_year = 2020 AND sheet_no = (SELECT min(s.sheet_no) FROM sheet s "
              "JOIN department d ON s.department_ids = ARRAY[d.id] WHERE d.code = 'kaigo-hoken' AND s.fiscal_year = 2020)");
  }
  void TearDown() override {
    std::filesystem::remove(config_);
    std::filesystem::remove_all(mail_dir_);
  }

  void write_config(const std::string& smtp_url, int max_attempts) {
    std::ofstream(config_) << fmt::format(R"([database]
url = ""
[plan]
code = "honjo-chiiki-fukushi"
departments = "{0}/config/honjo/departments.toml"
plan = "{0}/config/honjo/plan.toml"
structure = "{0}/config/honjo/structure.toml"
[workflow]
definition = "{0}/config/workflows/default.toml"
[reminders]
holidays = "{0}/config/holidays/exceptions.tsv"
channels = "email, inbox"
max_attempts = {2}
[reminders.smtp]
url = "{1}"
from = "shinchoku@city.honjo.example"
starttls = "none"
timeout_seconds = 5
)",
                                          kSource, smtp_url, max_attempts);
  }

  CliResult run(const std::string& args) const {
    return run_shell(kBinary + " " + args, {{"SHINCHOKU_DATABASE_URL", db.app_url()},
                                            {"SHINCHOKU_DATABASE_OWNER_URL", db.owner_url()},
                                            {"SHINCHOKU_CONFIG", config_.string()}});
  }
  void add_user(const std::string& login, const std::string& grant) {
    auto pw = std::filesystem::temp_directory_path() / fmt::format("shinchoku-pw-{}", ::getpid());
    std::ofstream(pw) << "a long enough passphrase\n";
    auto r = run_shell("sh -c " + shell_quote(fmt::format("{} user add {} {} --password-stdin <{}", kBinary, login, grant, pw.string())),
                       {{"SHINCHOKU_DATABASE_URL", db.app_url()}, {"SHINCHOKU_CONFIG", config_.string()}});
    std::filesystem::remove(pw);
    ok(r);
  }
  static void ok(const CliResult& r) { ASSERT_EQ(r.exit_code, 0) << r.out << r.err; }

  void owner_sql(const std::string& q) const {
    soci::session sql;
    persistence::open_session(sql, db.owner_url());
    sql << q;
  }
  std::string scalar(const std::string& q) const {
    soci::session sql;
    persistence::open_session(sql, db.owner_url());
    std::string v;
    soci::indicator ind;
    sql << q, soci::into(v, ind);
    return ind == soci::i_ok ? v : "NULL";
  }
  // Sheet numbers of FY2020 pending for a department (by name), as the database says.
  std::set<int> pending_sheets_of(const std::string& department) const {
    soci::session sql;
    persistence::open_session(sql, db.owner_url());
    std::set<int> out;
    soci::rowset<int> rows = (sql.prepare << "SELECT s.sheet_no FROM sheet s JOIN department d ON d.id = ANY (s.department_ids) "
                                             "WHERE s.fiscal_year = 2020 AND s.grade IS NULL AND s.previous_grade = 'C' "
                                             "AND d.name = :n",
                              soci::use(department, "n"));
    for (int n : rows) out.insert(n);
    return out;
  }
  json::object status() const {
    auto r = run("remind status --format json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out).as_object();
  }
  std::size_t mails() const {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(mail_dir_)) n += e.path().extension() == ".eml";
    return n;
  }

  testing_support::ScratchDatabase db{testing_support::Schema::migrated};
  std::filesystem::path config_, mail_dir_;
  static inline int counter_ = 0;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST_F(RemindCli, DryRunListsEachDueReminderThenACountAndWritesNothing) {
  const auto r = run("remind run-once --dry-run --now " + kMonday);
  ok(r);
  std::set<int> tanaka_sheets;
  int listed = 0;
  for (const auto& line : lines_of(r.out)) {
    if (line.find("  sheet ") == std::string::npos) continue;
    ++listed;
    EXPECT_NE(line.find("draft  5 business days pending  first"), std::string::npos) << line;
    if (line.starts_with("tanaka (email,inbox)  sheet ")) tanaka_sheets.insert(std::stoi(line.substr(28)));
    if (line.starts_with("kacho")) ADD_FAILURE() << "approvers are not next on drafts: " << line;
  }
  const auto expected = pending_sheets_of("地域福祉課");
  ASSERT_FALSE(expected.empty()) << "Honjo's FY2019 has C sheets of 地域福祉課";
  EXPECT_EQ(tanaka_sheets, expected) << r.out;
  EXPECT_NE(r.out.find(fmt::format("\n{} reminders due\n", listed)), std::string::npos) << r.out;
  const int kaigo = *pending_sheets_of("介護保険課").begin();
  EXPECT_NE(r.out.find(fmt::format("coord (email,inbox)  sheet {} R2 (2020)  draft  5 business days pending  first "
                                   "(instead of staff@kaigo-hoken)\n", kaigo)),
            std::string::npos)
      << "a department without staff falls to the coordinator\n" << r.out;
  EXPECT_NE(r.out.find(fmt::format("gap: sheet {} (2020) has no active staff for kaigo-hoken: the coordinators are reminded instead\n",
                                   kaigo)),
            std::string::npos)
      << r.out;
  EXPECT_EQ(scalar("SELECT count(*) FROM reminder_outbox"), "0");
  EXPECT_EQ(mails(), 0u);
}

TEST_F(RemindCli, DryRunOnAHolidaySaysItIsNoBusinessDayAndListsNone) {
  const auto r = run("remind run-once --dry-run --now 2025-05-05T10:00:00+09:00");
  ok(r);
  EXPECT_EQ(r.out, "2025-05-05 is not a business day: no reminders\n0 reminders due\n");
  const auto j = run("remind run-once --dry-run --format json --now 2025-05-05T10:00:00+09:00");
  ok(j);
  const auto doc = json::parse(j.out).as_object();
  EXPECT_FALSE(doc.at("business_day").as_bool());
  EXPECT_TRUE(doc.at("due").as_array().empty());
}

TEST_F(RemindCli, RunOnceDeliversOneDigestPerRecipientAndASecondRunAddsNothing) {
  testing_support::SinkProcess sink({kSource + "/tests/notifications/smtp_sink.py", mail_dir_.string()});
  write_config(fmt::format("smtp://127.0.0.1:{}", sink.port()), 3);
  const auto dry = json::parse(run("remind run-once --dry-run --format json --now " + kMonday).out).as_object();
  std::set<std::string> with_email;
  std::size_t due = dry.at("due").as_array().size();
  for (const auto& d : dry.at("due").as_array()) {
    for (const auto& c : d.as_object().at("channels").as_array()) {
      if (c.as_string() == "email") with_email.insert(std::string(d.as_object().at("recipient").as_string()));
    }
  }
  ASSERT_EQ(with_email, (std::set<std::string>{"coord", "tanaka"}));

  const auto r = run("remind run-once --format json --now " + kMonday);
  ok(r);
  const auto doc = json::parse(r.out).as_object();
  EXPECT_EQ(doc.at("dispatch").as_object().at("failed").as_int64(), 0);
  EXPECT_EQ(mails(), 2u) << "one digest each for coord and tanaka";
  EXPECT_EQ(scalar("SELECT count(*) FROM notification_inbox"), std::to_string(due));
  auto s = status();
  EXPECT_EQ(s.at("pending").as_int64() + s.at("retrying").as_int64() + s.at("dead").as_int64(), 0);
  const auto sent = s.at("sent").as_int64();

  const auto again = run("remind run-once --now 2025-04-28T14:00:00+09:00");
  ok(again);
  EXPECT_NE(again.out.find(fmt::format("0 reminders due ({} more already recorded)", due)), std::string::npos) << again.out;
  EXPECT_EQ(mails(), 2u);
  EXPECT_EQ(status().at("sent").as_int64(), sent);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_event WHERE entity_type = 'reminder' AND action = 'sent'"), std::to_string(sent));
}

TEST_F(RemindCli, SmtpDownRetriesThenDeadAndRetryDeliversEverything) {
  ok(run("remind run-once --now " + kMonday));  // SMTP on a closed port
  auto s = status();
  const auto emails = std::stoll(scalar("SELECT count(*) FROM reminder_outbox WHERE channel = 'email'"));
  ASSERT_GT(emails, 0);
  EXPECT_EQ(s.at("retrying").as_int64(), emails);
  EXPECT_EQ(s.at("sent").as_int64(), std::stoll(scalar("SELECT count(*) FROM reminder_outbox WHERE channel = 'inbox'")));

  ok(run("remind run-once --now 2025-04-28T16:00:00+09:00"));  // after the backoff: the second and last attempt
  s = status();
  EXPECT_EQ(s.at("dead").as_int64(), emails);
  EXPECT_EQ(s.at("retrying").as_int64(), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_event WHERE entity_type = 'reminder' AND action = 'given_up'"), std::to_string(emails));

  testing_support::SinkProcess sink({kSource + "/tests/notifications/smtp_sink.py", mail_dir_.string()});
  write_config(fmt::format("smtp://127.0.0.1:{}", sink.port()), 2);
  ok(run("remind retry --dead --now 2025-04-30T09:00:00+09:00"));
  EXPECT_EQ(status().at("pending").as_int64(), emails);
  const auto r = run("remind run-once --now 2025-04-30T10:00:00+09:00");
  ok(r);
  s = status();
  EXPECT_EQ(s.at("dead").as_int64(), 0) << r.out << r.err;
  EXPECT_EQ(s.at("pending").as_int64(), 0);
  EXPECT_EQ(mails(), 2u);
}

TEST_F(RemindCli, RetryNeedsAnIdOrDead) {
  const auto r = run("remind retry");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("name one outbox row ID or --dead"), std::string::npos) << r.err;
}
