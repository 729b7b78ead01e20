// Users, grants and passwords, on the project's real PostgreSQL.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "engine/errors.hpp"
#include "persistence/connection.hpp"
#include "persistence/database.hpp"
#include "persistence/migrator.hpp"
#include "persistence/password.hpp"
#include "persistence/users.hpp"
#include "test_database.hpp"

namespace json = boost::json;
using persistence::DatabaseError;
using testing_support::ScratchDatabase;

namespace {

std::string scalar(PGconn* conn, const std::string& sql) {
  PGresult* r = PQexec(conn, sql.c_str());
  std::string out = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "<none>";
  PQclear(r);
  return out;
}

// The server's message when `sql` is refused, or "" when it succeeds.
std::string refusal(PGconn* conn, const std::string& sql) {
  try {
    persistence::exec(conn, sql, "statement");
  } catch (const DatabaseError& e) {
    return e.what();
  }
  return "";
}

// The message of the DomainError `f` throws, or "" when it throws none.
template <typename F>
std::string domain_error(F&& f) {
  try {
    f();
  } catch (const engine::DomainError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const std::string kPassword = "correct horse battery staple";

persistence::RoleRules rules() {
  return {{"staff", "approver", "coordinator", "auditor", "admin", "committee"}, {"staff", "approver"}};
}

// A migrated database with a few departments of each kind; the repository runs as the
// application role, as the CLI and the server do.
class Users : public ::testing::Test {
 protected:
  void SetUp() override {
    persistence::migrate(owner.get(), persistence::bundled_migrations(), db.app_role());
    persistence::exec(owner.get(),
                      "INSERT INTO department (code, name, kind, aliases) VALUES "
                      "('chiiki-fukushi', '地域福祉課', 'city', '{}'), "
                      "('kaigo-hoken', '介護保険課', 'city', '{介護課}'), "
                      "('kaku-shisetsu-shokan', '各施設所管課', 'pseudo', '{}'), "
                      "('shakai-fukushi-kyogikai', '社会福祉協議会', 'outside', '{※社会福祉協議会}')",
                      "departments");
    persistence::open_session(sql, db.app_url());
  }

  persistence::User add(const std::string& login, const std::string& role = "staff",
                        std::optional<std::string> department = std::string("地域福祉課")) {
    persistence::NewUser u{login, "", std::nullopt, hash, {role, std::move(department)}};
    return persistence::add_user(sql, u, rules(), change);
  }
  // Every audit event of a user as one JSON array of its changes, oldest first.
  json::array changes_of(const std::string& login) {
    auto text = scalar(owner.get(), "SELECT json_agg(changes ORDER BY chain_position) FROM audit_event "
                                    "WHERE entity_type = 'user' AND entity_id = '" + login + "'");
    return text == "<none>" ? json::array{} : json::parse(text).as_array();
  }
  std::string events() { return scalar(owner.get(), "SELECT count(*) FROM audit_event"); }
  std::string users() { return scalar(owner.get(), "SELECT count(*) FROM app_user"); }
  std::string grants() { return scalar(owner.get(), "SELECT count(*) FROM user_grant"); }
  // Every column of every event as text: what an auditor (or an attacker) can read.
  std::string all_event_text() {
    return scalar(owner.get(), "SELECT coalesce(string_agg(e::text, E'\\n' ORDER BY id), '') FROM audit_event e");
  }

  ScratchDatabase db{testing_support::Schema::migrated};
  persistence::PgConnection owner = persistence::connect_libpq(db.owner_url());
  soci::session sql;
  const std::string hash = persistence::hash_password(kPassword);
  const persistence::ChangeContext change{"cli:tester", "req-1"};
};

}  // namespace

TEST(Passwords, HashIsArgon2idAndVerifies) {
  const auto h = persistence::hash_password(kPassword);
  EXPECT_TRUE(h.starts_with("$argon2id$")) << h;
  EXPECT_TRUE(persistence::verify_password(h, kPassword));
  EXPECT_FALSE(persistence::verify_password(h, kPassword + "x"));
  EXPECT_FALSE(persistence::verify_password(h, ""));
  EXPECT_NE(persistence::hash_password(kPassword), h) << "a fresh salt each time";
  EXPECT_FALSE(persistence::verify_password("not a hash", kPassword));
  EXPECT_FALSE(persistence::verify_password("", kPassword));
  EXPECT_FALSE(contains(h, kPassword));
}

TEST(Passwords, NewPasswordsHaveAtLeastTwelveCharacters) {
  EXPECT_NE(domain_error([] { persistence::check_new_password("short"); }), "");
  EXPECT_TRUE(contains(domain_error([] { persistence::check_new_password("elevenchars"); }), "at least 12"));
  EXPECT_EQ(domain_error([] { persistence::check_new_password("twelve chars"); }), "");
  // Characters, not bytes: eleven kanji are 33 bytes and still too short.
  EXPECT_NE(domain_error([] { persistence::check_new_password("地域福祉計画進捗管理表"); }), "");
  EXPECT_EQ(domain_error([] { persistence::check_new_password("地域福祉計画進捗管理表式"); }), "");
  EXPECT_NE(domain_error([] { persistence::check_new_password(std::string("abcdefghijk\xff")); }), "") << "malformed UTF-8";
}

TEST_F(Users, AddIsAuditedWithoutThePasswordOrItsHash) {
  auto u = add("yamada.taro");
  EXPECT_EQ(u.login, "yamada.taro");
  EXPECT_EQ(u.display_name, "yamada.taro") << "the login stands in for a missing display name";
  EXPECT_TRUE(u.active);
  ASSERT_EQ(u.grants.size(), 1u);
  EXPECT_EQ(u.grants[0].role, "staff");
  EXPECT_EQ(u.grants[0].department_code, "chiiki-fukushi");
  EXPECT_EQ(u.grants[0].department_name, "地域福祉課");

  auto events = changes_of("yamada.taro");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], json::parse(R"j({"display_name": {"before": null, "after": "yamada.taro"},
    "email": {"before": null, "after": null}, "active": {"before": null, "after": true},
    "grants": {"before": null, "after": ["staff@chiiki-fukushi"]},
    "password": {"before": null, "after": "(set)"}})j"));
  EXPECT_EQ(scalar(owner.get(), "SELECT action || ' ' || actor || ' ' || request_id FROM audit_event WHERE entity_type = 'user'"),
            "create cli:tester req-1");
  const auto text = all_event_text();
  EXPECT_FALSE(contains(text, kPassword));
  EXPECT_FALSE(contains(text, hash));
  EXPECT_FALSE(contains(text, "$argon2"));
  EXPECT_EQ(scalar(owner.get(), "SELECT password_hash FROM app_user"), hash);
}

TEST_F(Users, AddTakesNameAndEmail) {
  persistence::NewUser n{"suzuki", "鈴木 花子", std::string("suzuki@city.honjo.example"), hash, {"approver", "kaigo-hoken"}};
  auto u = persistence::add_user(sql, n, rules(), change);
  EXPECT_EQ(u.display_name, "鈴木 花子");
  EXPECT_EQ(u.email, "suzuki@city.honjo.example");
  EXPECT_EQ(u.grants[0].label(), "approver@kaigo-hoken");
  EXPECT_EQ(changes_of("suzuki")[0].at("email").at("after"), "suzuki@city.honjo.example");
}

TEST_F(Users, DuplicateLoginIsRefused) {
  add("yamada");
  const auto before = events();
  EXPECT_EQ(domain_error([&] { add("yamada", "coordinator", std::nullopt); }), "user yamada already exists");
  EXPECT_EQ(events(), before);
  EXPECT_EQ(users(), "1");
  EXPECT_EQ(grants(), "1");
}

TEST_F(Users, GrantAndRevokeAreAuditedAsSortedGrantLists) {
  add("tanaka", "approver", "chiiki-fukushi");
  auto u = persistence::grant_role(sql, "tanaka", {"coordinator", std::nullopt}, rules(), change);
  ASSERT_EQ(u.grants.size(), 2u);
  EXPECT_EQ(u.grants[0].label(), "approver@chiiki-fukushi");
  EXPECT_EQ(u.grants[1].label(), "coordinator");
  u = persistence::revoke_role(sql, "tanaka", {"approver", "地域福祉課"}, change);
  ASSERT_EQ(u.grants.size(), 1u);
  EXPECT_EQ(u.grants[0].label(), "coordinator");

  auto events = changes_of("tanaka");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1], json::parse(R"j({"grants": {"before": ["approver@chiiki-fukushi"],
                                                   "after": ["approver@chiiki-fukushi", "coordinator"]}})j"));
  EXPECT_EQ(events[2], json::parse(R"j({"grants": {"before": ["approver@chiiki-fukushi", "coordinator"],
                                                   "after": ["coordinator"]}})j"));
  EXPECT_EQ(scalar(owner.get(), "SELECT string_agg(action, ',' ORDER BY chain_position) FROM audit_event WHERE entity_id = 'tanaka'"),
            "create,grant,revoke");
  EXPECT_FALSE(contains(all_event_text(), "$argon2"));
}

TEST_F(Users, ACoordinatorGrantIsHeldOnceAlthoughItsDepartmentIsNull) {
  add("sato", "coordinator", std::nullopt);
  const auto before = events();
  EXPECT_EQ(domain_error([&] { persistence::grant_role(sql, "sato", {"coordinator", std::nullopt}, rules(), change); }),
            "user sato already holds the grant coordinator");
  EXPECT_EQ(events(), before);
  // The database itself: UNIQUE NULLS NOT DISTINCT, whoever writes.
  EXPECT_TRUE(contains(refusal(owner.get(), "INSERT INTO user_grant (user_id, role) SELECT id, 'coordinator' FROM app_user"),
                       "duplicate key"));
  EXPECT_EQ(grants(), "1");
  // The same role for two departments is two grants.
  persistence::grant_role(sql, "sato", {"staff", "chiiki-fukushi"}, rules(), change);
  persistence::grant_role(sql, "sato", {"staff", "kaigo-hoken"}, rules(), change);
  EXPECT_EQ(grants(), "3");
  EXPECT_NE(domain_error([&] { persistence::grant_role(sql, "sato", {"staff", "介護課"}, rules(), change); }), "")
      << "the same department by its alias";
}

TEST_F(Users, DepartmentsResolveByCodeNameOrAlias) {
  EXPECT_EQ(add("a1", "staff", "kaigo-hoken").grants[0].department_code, "kaigo-hoken");
  EXPECT_EQ(add("a2", "staff", "介護保険課").grants[0].department_code, "kaigo-hoken");
  EXPECT_EQ(add("a3", "staff", "介護課").grants[0].department_code, "kaigo-hoken");
  EXPECT_EQ(add("a4", "staff", " 地域福祉課 ").grants[0].department_code, "chiiki-fukushi") << "trimmed";
}

TEST_F(Users, RefusalsWriteNothing) {
  add("yamada");
  const auto before = all_event_text() + users() + grants();
  auto refused = [&](auto f, const std::string& part) {
    const auto message = domain_error(f);
    EXPECT_TRUE(contains(message, part)) << "message: " << message;
  };
  refused([&] { add("b1", "staff", std::nullopt); }, "acts for a department");
  refused([&] { add("b1", "coordinator", "地域福祉課"); }, "acts for no department");
  refused([&] { add("b1", "auditor", "chiiki-fukushi"); }, "acts for no department");
  refused([&] { add("b1", "mayor", std::nullopt); }, "unknown role \"mayor\"");
  refused([&] { add("b1", "staff", "市長室"); }, "unknown department \"市長室\"");
  refused([&] { add("b1", "staff", "各施設所管課"); }, "pseudo-department");
  refused([&] { add("b1", "staff", "※社会福祉協議会"); }, "outside the city administration");
  refused([&] { add("Yamada"); }, "login \"Yamada\" is refused");
  refused([&] { add("-x"); }, "is refused");
  refused([&] { add("a b"); }, "is refused");
  refused([&] {
    persistence::NewUser n{"b1", "", std::string("not-an-address"), hash, {"admin", std::nullopt}};
    persistence::add_user(sql, n, rules(), change);
  }, "email \"not-an-address\" is refused");
  refused([&] { persistence::grant_role(sql, "nobody", {"admin", std::nullopt}, rules(), change); }, "user nobody does not exist");
  refused([&] { persistence::grant_role(sql, "yamada", {"approver", "各施設所管課"}, rules(), change); }, "pseudo-department");
  refused([&] { persistence::revoke_role(sql, "yamada", {"approver", "地域福祉課"}, change); },
          "does not hold the grant approver@chiiki-fukushi (grants: staff@chiiki-fukushi)");
  refused([&] { persistence::revoke_role(sql, "yamada", {"staff", "地域福祉課"}, change); }, "only grant");
  refused([&] { persistence::revoke_role(sql, "yamada", {"staff", "市長室"}, change); }, "unknown department");
  refused([&] { persistence::disable_user(sql, "nobody", change); }, "user nobody does not exist");
  refused([&] { persistence::set_password(sql, "nobody", hash, change); }, "user nobody does not exist");
  EXPECT_EQ(all_event_text() + users() + grants(), before);
}

TEST_F(Users, DisableIsAuditedOnceAndSecondTimeChangesNothing) {
  add("kato");
  EXPECT_TRUE(persistence::disable_user(sql, "kato", change));
  EXPECT_FALSE(persistence::find_user(sql, "kato")->active);
  const auto before = events();
  EXPECT_FALSE(persistence::disable_user(sql, "kato", change));
  EXPECT_EQ(events(), before);
  auto events = changes_of("kato");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1], json::parse(R"j({"active": {"before": true, "after": false}})j"));
}

TEST_F(Users, PasswordChangeIsAuditedAsChangedOnly) {
  add("ito");
  const std::string new_password = "another long passphrase";
  const auto new_hash = persistence::hash_password(new_password);
  persistence::set_password(sql, "ito", new_hash, change);
  const auto stored = scalar(owner.get(), "SELECT password_hash FROM app_user WHERE login = 'ito'");
  EXPECT_TRUE(persistence::verify_password(stored, new_password));
  EXPECT_FALSE(persistence::verify_password(stored, kPassword));
  auto events = changes_of("ito");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1], json::parse(R"j({"password": {"before": "(set)", "after": "(changed)"}})j"));
  EXPECT_EQ(scalar(owner.get(), "SELECT action FROM audit_event WHERE entity_id = 'ito' AND chain_position = 2"), "change_password");
  const auto text = all_event_text();
  for (const auto& secret : {kPassword, new_password, hash, new_hash, std::string("$argon2")}) {
    EXPECT_FALSE(contains(text, secret)) << secret;
  }
}

TEST_F(Users, ListAndFindReturnGrants) {
  add("b.user", "staff", "chiiki-fukushi");
  add("a.user", "coordinator", std::nullopt);
  persistence::grant_role(sql, "b.user", {"approver", "kaigo-hoken"}, rules(), change);
  auto all = persistence::list_users(sql);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].login, "a.user");
  EXPECT_EQ(all[1].login, "b.user");
  ASSERT_EQ(all[1].grants.size(), 2u);
  EXPECT_EQ(all[1].grants[0].label(), "approver@kaigo-hoken");
  EXPECT_EQ(all[1].grants[0].department_name, "介護保険課");
  EXPECT_EQ(all[0].grants[0].department_code, std::nullopt);
  EXPECT_FALSE(persistence::find_user(sql, "nobody"));
  EXPECT_EQ(persistence::find_user(sql, "b.user")->grants.size(), 2u);
}

TEST_F(Users, DatabaseKeepsItsOwnRules) {
  add("yamada");
  // No password in the clear, whoever writes.
  EXPECT_NE(refusal(owner.get(), "INSERT INTO app_user (login, display_name, password_hash) VALUES ('x', 'x', 'hunter2hunter2')"), "");
  EXPECT_NE(refusal(owner.get(), "UPDATE app_user SET password_hash = 'plain' WHERE login = 'yamada'"), "");
  EXPECT_NE(refusal(owner.get(), "UPDATE app_user SET login = 'Yamada'"), "");
  EXPECT_NE(refusal(owner.get(), "UPDATE app_user SET email = 'no address'"), "");
  EXPECT_NE(refusal(owner.get(), "INSERT INTO user_grant (user_id, role) SELECT id, 'Bad Role' FROM app_user"), "");
  EXPECT_TRUE(contains(refusal(owner.get(), "INSERT INTO user_grant (user_id, role, department_id) "
                                            "SELECT u.id, 'staff', d.id FROM app_user u, department d WHERE d.kind = 'pseudo'"),
                       "users cannot be granted it"));
}

TEST_F(Users, ApplicationRoleCannotDeleteUsersOrChangeTheSchema) {
  add("yamada");
  auto app = persistence::connect_libpq(db.app_url());
  EXPECT_TRUE(contains(refusal(app.get(), "DELETE FROM app_user"), "permission denied"));
  EXPECT_TRUE(contains(refusal(app.get(), "TRUNCATE app_user"), "permission denied"));
  EXPECT_TRUE(contains(refusal(app.get(), "TRUNCATE user_grant"), "permission denied"));
  EXPECT_TRUE(contains(refusal(app.get(), "UPDATE user_grant SET role = 'admin'"), "permission denied"));
  EXPECT_NE(refusal(app.get(), "DROP TABLE app_user"), "");
  EXPECT_NE(refusal(app.get(), "ALTER TABLE app_user ADD COLUMN x int"), "");
  EXPECT_NE(refusal(app.get(), "ALTER TABLE user_grant DROP CONSTRAINT user_grant_user_id_role_department_id_key"), "");
  EXPECT_NE(refusal(app.get(), "CREATE TABLE session (id int)"), "");
  EXPECT_EQ(users(), "1");
  // What it may do: read, and the writes the repository uses.
  EXPECT_EQ(refusal(app.get(), "SELECT login, password_hash FROM app_user"), "");
  EXPECT_EQ(refusal(app.get(), "UPDATE app_user SET updated_at = now()"), "");
}
