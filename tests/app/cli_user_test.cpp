// shinchoku user …: users and grants through the real binary on a real PostgreSQL.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <sstream>

#include "cli_runner.hpp"
#include "persistence/password.hpp"
#include "test_database.hpp"

namespace json = boost::json;
using testing_support::CliResult;
using testing_support::ScratchDatabase;
using testing_support::run_shell;
using testing_support::shell_quote;

namespace {

const std::string kBinary = SHINCHOKU_BINARY;
const std::string kSource = SHINCHOKU_SOURCE_DIR;
const std::string kPassword = "yamada-no-himitsu-2019";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A migrated and seeded scratch database (Honjo's departments), and the binary pointed at it.
class Shinchoku {
 public:
  Shinchoku() {
    auto r = run("migrate");
    if (r.exit_code != 0) throw std::runtime_error("migrate failed: " + r.err);
  }
  std::map<std::string, std::string> env() const {
    return {{"SHINCHOKU_DATABASE_URL", db.app_url()},
            {"SHINCHOKU_DATABASE_OWNER_URL", db.owner_url()},
            {"SHINCHOKU_CONFIG", kSource + "/config/shinchoku.toml"}};
  }
  CliResult run(const std::string& args) const { return run_shell(kBinary + " " + args, env()); }
  // With `input` on standard input (run_shell gives the command /dev/null, so an inner shell
  // reads the file).
  CliResult run_with_input(const std::string& args, const std::string& input) const {
    static int counter = 0;
    auto file = std::filesystem::temp_directory_path() / fmt::format("shinchoku-user-{}-{}.in", ::getpid(), counter++);
    std::ofstream(file, std::ios::binary) << input;
    auto r = run_shell("sh -c " + shell_quote(kBinary + " " + args + " <" + shell_quote(file.string())), env());
    std::filesystem::remove(file);
    return r;
  }
  std::string query(const std::string& sql) const {
    auto conn = persistence::connect_libpq(db.owner_url());
    PGresult* r = PQexec(conn.get(), sql.c_str());
    std::string v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : PQresultErrorMessage(r);
    PQclear(r);
    return v;
  }
  // Every row of the data, as pg_dump prints it: compared before and after refusals.
  std::string dump() const {
    auto r = run_shell("pg_dump --data-only --no-owner " + shell_quote(db.owner_url()));
    if (r.exit_code != 0) throw std::runtime_error("pg_dump failed: " + r.err);
    std::string out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      if (!line.starts_with("\\restrict") && !line.starts_with("\\unrestrict")) out += line + "\n";
    }
    return out;
  }
  ScratchDatabase db{testing_support::Schema::migrated};
};

json::object user_of(const json::value& list, const std::string& login) {
  for (const auto& u : list.as_array()) {
    if (u.at("login").as_string() == login) return u.as_object();
  }
  throw std::runtime_error("user " + login + " not in the list");
}

}  // namespace

TEST(CliUser, AddGrantRevokeDisableAndPasswd) {
  Shinchoku app;
  auto r = app.run_with_input(
      "user add yamada --role staff --department 地域福祉課 --name '山田 太郎' --email yamada@city.honjo.example "
      "--password-stdin --actor admin.sato",
      kPassword + "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "added user yamada")) << r.out;
  EXPECT_TRUE(contains(r.out, "staff@chiiki-fukushi (地域福祉課)")) << r.out;
  r = app.run_with_input("user add suzuki --role approver --department kaigo-hoken --password-stdin", "another-long-password\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;

  r = app.run("user list --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto list = json::parse(r.out);
  ASSERT_EQ(list.as_array().size(), 2u);
  EXPECT_EQ(list.as_array()[0].at("login"), "suzuki") << "by login";
  EXPECT_EQ(user_of(list, "yamada"), json::parse(R"j({"login": "yamada", "display_name": "山田 太郎",
      "email": "yamada@city.honjo.example", "active": true,
      "grants": [{"role": "staff", "department_code": "chiiki-fukushi", "department_name": "地域福祉課"}]})j"));
  EXPECT_EQ(user_of(list, "suzuki"), json::parse(R"j({"login": "suzuki", "display_name": "suzuki", "email": null,
      "active": true, "grants": [{"role": "approver", "department_code": "kaigo-hoken", "department_name": "介護保険課"}]})j"));

  r = app.run("user grant yamada --role coordinator");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "coordinator, staff@chiiki-fukushi")) << r.out;
  auto grants = user_of(json::parse(app.run("user list --format json").out), "yamada").at("grants");
  EXPECT_EQ(grants, json::parse(R"j([{"role": "coordinator", "department_code": null, "department_name": null},
      {"role": "staff", "department_code": "chiiki-fukushi", "department_name": "地域福祉課"}])j"));

  r = app.run("user revoke yamada --role coordinator");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(user_of(json::parse(app.run("user list --format json").out), "yamada").at("grants").as_array().size(), 1u);

  r = app.run("user disable suzuki");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "disabled user suzuki")) << r.out;
  const auto events_before = app.query("SELECT count(*) FROM audit_event");
  r = app.run("user disable suzuki");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "already disabled")) << r.out;
  EXPECT_EQ(app.query("SELECT count(*) FROM audit_event"), events_before) << "no change, no event";
  EXPECT_EQ(user_of(json::parse(app.run("user list --format json").out), "suzuki").at("active"), false);

  const std::string new_password = "a-new-password-for-yamada";
  r = app.run_with_input("user passwd yamada --password-stdin", new_password + "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto hash = app.query("SELECT password_hash FROM app_user WHERE login = 'yamada'");
  EXPECT_TRUE(hash.starts_with("$argon2id$")) << hash;
  EXPECT_TRUE(persistence::verify_password(hash, new_password));
  EXPECT_FALSE(persistence::verify_password(hash, kPassword));

  r = app.run("user list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "yamada")) << r.out;
  EXPECT_TRUE(contains(r.out, "disabled")) << r.out;
  EXPECT_TRUE(contains(r.out, "2 users")) << r.out;

  // The audit trail: one event per change, the actor as given, never a password or hash.
  EXPECT_EQ(app.query("SELECT string_agg(action, ',' ORDER BY chain_position) FROM audit_event WHERE entity_type = 'user' "
                      "AND entity_id = 'yamada'"),
            "create,grant,revoke,change_password");
  EXPECT_EQ(app.query("SELECT string_agg(action, ',' ORDER BY chain_position) FROM audit_event WHERE entity_type = 'user' "
                      "AND entity_id = 'suzuki'"),
            "create,disable");
  EXPECT_EQ(app.query("SELECT actor FROM audit_event WHERE entity_id = 'yamada' AND chain_position = 1"), "admin.sato");
  EXPECT_TRUE(app.query("SELECT actor FROM audit_event WHERE entity_id = 'yamada' AND chain_position = 2").starts_with("cli:"));
  EXPECT_EQ(app.query("SELECT count(DISTINCT request_id) FROM audit_event WHERE entity_type = 'user'"), "6");
  EXPECT_EQ(app.query("SELECT changes::text FROM audit_event WHERE entity_id = 'yamada' AND chain_position = 4"),
            R"j({"password": {"after": "(changed)", "before": "(set)"}})j");
  const auto events = app.query("SELECT string_agg(e::text, E'\\n') FROM audit_event e");
  for (const auto& secret : {kPassword, new_password, hash, std::string("$argon2")}) {
    EXPECT_FALSE(contains(events, secret)) << secret;
  }
}

TEST(CliUser, RefusalsExitOneWithTheReasonAndChangeNothing) {
  Shinchoku app;
  ASSERT_EQ(app.run_with_input("user add yamada --role staff --department chiiki-fukushi --password-stdin", kPassword + "\n").exit_code, 0);
  const auto before = app.dump();
  struct Case {
    std::string args;
    std::string input;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"user add tanaka --role staff --password-stdin", kPassword, "role staff acts for a department"},
      {"user add tanaka --role approver --password-stdin", kPassword, "role approver acts for a department"},
      {"user add tanaka --role coordinator --department 地域福祉課 --password-stdin", kPassword, "role coordinator acts for no department"},
      {"user add tanaka --role staff --department 市長室 --password-stdin", kPassword, "unknown department \"市長室\""},
      {"user add tanaka --role staff --department 各施設所管課 --password-stdin", kPassword, "pseudo-department"},
      {"user add tanaka --role staff --department kaku-jigyo-shokan --password-stdin", kPassword, "pseudo-department"},
      {"user add tanaka --role staff --department 社会福祉協議会 --password-stdin", kPassword, "outside the city administration"},
      {"user add tanaka --role staff --department 地域福祉課 --password-stdin", "short-pw", "the password is too short: 8 characters, at least 12"},
      {"user add tanaka --role staff --department 地域福祉課 --password-stdin", "", "no password on standard input"},
      {"user add tanaka --role staff --department 地域福祉課 --password-stdin", kPassword + "\nsecond line", "more than one line"},
      {"user add tanaka --role mayor --password-stdin", kPassword, "unknown role \"mayor\""},
      {"user add Tanaka --role admin --password-stdin", kPassword, "login \"Tanaka\" is refused"},
      {"user add tanaka --role admin --email not-an-address --password-stdin", kPassword, "email \"not-an-address\" is refused"},
      {"user add yamada --role admin --password-stdin", kPassword, "user yamada already exists"},
      {"user grant nobody --role coordinator", "", "user nobody does not exist"},
      {"user grant yamada --role mayor", "", "unknown role \"mayor\""},
      {"user grant yamada --role approver", "", "role approver acts for a department"},
      {"user grant yamada --role admin --department 地域福祉課", "", "role admin acts for no department"},
      {"user grant yamada --role staff --department 地域福祉課", "", "already holds the grant staff@chiiki-fukushi"},
      {"user grant yamada --role approver --department ※社会福祉協議会", "", "outside the city administration"},
      {"user revoke yamada --role coordinator", "", "does not hold the grant coordinator (grants: staff@chiiki-fukushi)"},
      {"user revoke yamada --role staff --department chiiki-fukushi", "", "only grant"},
      {"user revoke nobody --role coordinator", "", "user nobody does not exist"},
      {"user disable nobody", "", "user nobody does not exist"},
      {"user passwd nobody --password-stdin", kPassword, "user nobody does not exist"},
      {"user passwd yamada --password-stdin", "too-short", "the password is too short"},
  };
  for (const auto& c : cases) {
    auto r = app.run_with_input(c.args, c.input.empty() ? "" : c.input + "\n");
    EXPECT_EQ(r.exit_code, 1) << c.args << "\n" << r.out << r.err;
    EXPECT_TRUE(contains(r.err, c.reason)) << c.args << "\nexpected: " << c.reason << "\nstderr: " << r.err;
  }
  EXPECT_EQ(app.dump(), before) << "a refusal writes nothing";
}

TEST(CliUser, UsageErrorsExitTwoAndHelpExitsZero) {
  Shinchoku app;
  for (const char* args : {"user add tanaka --role staff --department chiiki-fukushi", "user add tanaka --password-stdin",
                           "user grant yamada", "user", "user list --format xml"}) {
    auto r = app.run(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
  }
  auto r = app.run("user add --help");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* option : {"--role", "--department", "--email", "--name", "--password-stdin", "--actor"}) {
    EXPECT_TRUE(contains(r.out, option)) << option << "\n" << r.out;
  }
  for (const char* sub : {"add", "grant", "revoke", "list", "disable", "passwd"}) {
    auto h = app.run(std::string("user ") + sub + " --help");
    EXPECT_EQ(h.exit_code, 0) << sub << "\n" << h.err;
    EXPECT_FALSE(h.out.empty()) << sub;
  }
  r = app.run("user --help");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* sub : {"add", "grant", "revoke", "list", "disable", "passwd"}) EXPECT_TRUE(contains(r.out, sub)) << sub;
}

TEST(CliUser, OnceAnAdminExistsOnlyAnAdminManagesUsers) {
  Shinchoku app;
  const std::string pw = "a long enough passphrase\n";
  // A new installation: anyone with the database URL creates the first admin.
  ASSERT_EQ(app.run_with_input("user add root --role admin --password-stdin", pw).exit_code, 0);
  auto anonymous = app.run_with_input("user add tanaka --role staff --department 地域福祉課 --password-stdin", pw);
  EXPECT_EQ(anonymous.exit_code, 1);
  EXPECT_NE(anonymous.err.find("users are managed by an admin"), std::string::npos) << anonymous.err;
  ASSERT_EQ(app.run_with_input("user add tanaka --role staff --department 地域福祉課 --password-stdin --actor root", pw).exit_code, 0);
  auto staff = app.run("user grant tanaka --role coordinator --actor tanaka");
  EXPECT_EQ(staff.exit_code, 1);
  EXPECT_NE(staff.err.find("tanaka may not manage users"), std::string::npos) << staff.err;
  EXPECT_EQ(app.query("SELECT count(*) FROM user_grant WHERE role = 'coordinator'"), "0");
  EXPECT_EQ(app.run("user grant tanaka --role coordinator --actor root").exit_code, 0);
}
