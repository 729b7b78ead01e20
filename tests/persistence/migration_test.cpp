// Migrations and the database's own rules, on the project's real PostgreSQL.
#include <gtest/gtest.h>

#include "persistence/connection.hpp"
#include "persistence/database.hpp"
#include "persistence/migrator.hpp"
#include "persistence/seed.hpp"
#include "small_plan.hpp"
#include "test_database.hpp"

using persistence::DatabaseError;
using persistence::MigrationError;
using testing_support::ScratchDatabase;

namespace {

std::string scalar(PGconn* conn, const std::string& sql) {
  PGresult* r = PQexec(conn, sql.c_str());
  std::string out = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "<error>";
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

class Migrations : public ::testing::Test {
 protected:
  ScratchDatabase db;
  persistence::PgConnection owner = persistence::connect_libpq(db.owner_url());

  persistence::MigrationResult migrate_all() {
    return persistence::migrate(owner.get(), persistence::bundled_migrations(), db.app_role());
  }
};

}  // namespace

TEST_F(Migrations, MigratesAnEmptyDatabaseToTheNewestVersion) {
  auto bundled = persistence::bundled_migrations();
  ASSERT_FALSE(bundled.empty());
  EXPECT_EQ(persistence::schema_version(owner.get()), 0);
  auto result = migrate_all();
  EXPECT_EQ(result.from_version, 0);
  EXPECT_EQ(result.to_version, bundled.back().version);
  EXPECT_EQ(result.applied.size(), bundled.size());
  EXPECT_TRUE(result.granted);
  EXPECT_EQ(persistence::schema_version(owner.get()), bundled.back().version);
  EXPECT_EQ(scalar(owner.get(), "SELECT count(*) FROM schema_migrations"), std::to_string(bundled.size()));
  EXPECT_EQ(scalar(owner.get(), "SELECT to_regclass('sheet') IS NOT NULL"), "t");
}

TEST_F(Migrations, SecondRunAppliesNothing) {
  migrate_all();
  auto before = scalar(owner.get(), "SELECT string_agg(version || ':' || checksum || ':' || applied_at, ',') FROM schema_migrations");
  auto again = migrate_all();
  EXPECT_TRUE(again.applied.empty());
  EXPECT_EQ(again.from_version, again.to_version);
  EXPECT_EQ(scalar(owner.get(), "SELECT string_agg(version || ':' || checksum || ':' || applied_at, ',') FROM schema_migrations"), before);
}

TEST_F(Migrations, RefusesAMigrationThatChangedAfterItWasApplied) {
  migrate_all();
  auto changed = persistence::bundled_migrations();
  changed.front() = persistence::make_migration(changed.front().name, changed.front().sql + "\n-- edited later\n");
  try {
    persistence::migrate(owner.get(), changed, db.app_role());
    FAIL() << "a changed migration was accepted";
  } catch (const MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find(changed.front().name), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("must not change"), std::string::npos) << e.what();
  }
}

TEST_F(Migrations, RefusesADatabaseNewerThanTheBinary) {
  migrate_all();
  persistence::exec(owner.get(), "INSERT INTO schema_migrations (version, name, checksum) VALUES (999, '999_future.sql', 'x')", "fake");
  try {
    migrate_all();
    FAIL() << "a newer database was accepted";
  } catch (const MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("newer than this binary"), std::string::npos) << e.what();
  }
}

TEST_F(Migrations, AFailingMigrationLeavesNothingBehind) {
  auto migrations = persistence::bundled_migrations();
  migrations.push_back(persistence::make_migration("900_broken.sql", "CREATE TABLE half_done (x int); SELECT no_such_function();"));
  EXPECT_THROW(persistence::migrate(owner.get(), migrations, db.app_role()), DatabaseError);
  EXPECT_EQ(scalar(owner.get(), "SELECT to_regclass('half_done') IS NULL"), "t");
  EXPECT_EQ(scalar(owner.get(), "SELECT count(*) FROM schema_migrations WHERE version = 900"), "0");
  // The migrations before it stay applied: each has its own transaction.
  EXPECT_EQ(persistence::schema_version(owner.get()), persistence::bundled_migrations().back().version);
}

TEST_F(Migrations, OneRoleSetupGrantsNothing) {
  auto result = persistence::migrate(owner.get(), persistence::bundled_migrations(), std::nullopt);
  EXPECT_FALSE(result.granted);
  auto app = persistence::connect_libpq(db.app_url());
  EXPECT_NE(refusal(app.get(), "SELECT count(*) FROM department"), "");
}

TEST_F(Migrations, ApplicationRoleCannotRunDdlButCanUseRows) {
  migrate_all();
  {
    soci::session sql;
    persistence::open_session(sql, db.owner_url());
    persistence::apply_seed(sql, testing_support::small_seed(), "test", "t-1");
  }
  auto app = persistence::connect_libpq(db.app_url());
  EXPECT_NE(refusal(app.get(), "CREATE TABLE intruder (x int)"), "");
  EXPECT_NE(refusal(app.get(), "DROP TABLE sheet"), "");
  EXPECT_NE(refusal(app.get(), "ALTER TABLE sheet ADD COLUMN x int"), "");
  EXPECT_NE(refusal(app.get(), "TRUNCATE department"), "");
  EXPECT_NE(refusal(app.get(), "DELETE FROM schema_migrations"), "");
  EXPECT_NE(refusal(app.get(), "DELETE FROM measure"), "");
  EXPECT_EQ(refusal(app.get(), "SELECT count(*) FROM measure"), "");
  EXPECT_EQ(refusal(app.get(), "INSERT INTO fiscal_year (year, plan_id, state) SELECT 2019, id, 'open' FROM plan"), "");
}

namespace {

// A migrated, seeded database with fiscal year 2019 open, for the rule tests below.
class DatabaseRules : public Migrations {
 protected:
  void SetUp() override {
    migrate_all();
    soci::session sql;
    persistence::open_session(sql, db.owner_url());
    persistence::apply_seed(sql, testing_support::small_seed(), "test", "t-1");
    persistence::exec(owner.get(), "INSERT INTO fiscal_year (year, plan_id, state) SELECT 2019, id, 'open' FROM plan", "year");
  }

  std::string insert_sheet(int sheet_no, const std::string& departments, const std::string& grade = "'A'",
                           const std::string& version = "1", const std::string& order = "") {
    const std::string dept_order = order.empty() ? departments : order;
    return refusal(owner.get(), fmt::format(
        "INSERT INTO sheet (plan_id, measure_id, fiscal_year, sheet_no, department_ids, department_order, grade, state, version) "
        "SELECT m.plan_id, m.id, 2019, {}, {}, {}, {}, 'draft', {} FROM measure m WHERE m.key = 'M01'",
        sheet_no, departments, dept_order, grade, version));
  }
  std::string dept(const char* code) { return scalar(owner.get(), fmt::format("SELECT id FROM department WHERE code = '{}'", code)); }
  std::string set_of(std::initializer_list<const char*> codes) {
    std::string out = "ARRAY[";
    bool first = true;
    for (auto c : codes) { out += (first ? "" : ",") + dept(c); first = false; }
    return out + "]";
  }
};

}  // namespace

TEST_F(DatabaseRules, AcceptsASoundSheet) {
  EXPECT_EQ(insert_sheet(6, set_of({"chiiki-fukushi"})), "");
  EXPECT_EQ(insert_sheet(7, set_of({"kaigo-hoken"}), "NULL"), "") << "an empty grade is allowed";
}

TEST_F(DatabaseRules, RefusesAGradeOutsideThePlansScale) {
  EXPECT_NE(insert_sheet(6, set_of({"chiiki-fukushi"}), "'E'").find("foreign key"), std::string::npos);
}

TEST_F(DatabaseRules, RefusesAVersionBelowOne) {
  EXPECT_NE(insert_sheet(6, set_of({"chiiki-fukushi"}), "'A'", "0").find("sheet_version_check"), std::string::npos);
}

TEST_F(DatabaseRules, RefusesASecondSheetForTheSameMeasureYearAndDepartments) {
  ASSERT_EQ(insert_sheet(6, set_of({"chiiki-fukushi", "kaigo-hoken"})), "");
  EXPECT_NE(insert_sheet(99, set_of({"chiiki-fukushi", "kaigo-hoken"})).find("unique"), std::string::npos);
  // Another department set for the same measure is a sheet of its own.
  EXPECT_EQ(insert_sheet(98, set_of({"kaigo-hoken"})), "");
}

TEST_F(DatabaseRules, RefusesADepartmentSetThatIsNotSortedOrRepeats) {
  auto a = dept("chiiki-fukushi"), b = dept("kaigo-hoken");
  auto [lo, hi] = std::stoi(a) < std::stoi(b) ? std::pair{a, b} : std::pair{b, a};
  EXPECT_NE(insert_sheet(6, fmt::format("ARRAY[{},{}]", hi, lo)).find("check"), std::string::npos);
  EXPECT_NE(insert_sheet(6, fmt::format("ARRAY[{},{}]", lo, lo)).find("check"), std::string::npos);
  EXPECT_NE(insert_sheet(6, "ARRAY[]::integer[]").find("check"), std::string::npos);
  // The display order may differ from the sorted set, as long as it names the same departments.
  EXPECT_EQ(insert_sheet(6, fmt::format("ARRAY[{},{}]", lo, hi), "'A'", "1", fmt::format("ARRAY[{},{}]", hi, lo)), "");
}

TEST_F(DatabaseRules, RefusesAnUnknownDepartment) {
  EXPECT_NE(insert_sheet(6, "ARRAY[99999]").find("department 99999 does not exist"), std::string::npos);
}

TEST_F(DatabaseRules, RefusesASecondSheetNumberInOneYear) {
  ASSERT_EQ(insert_sheet(6, set_of({"chiiki-fukushi"})), "");
  EXPECT_NE(insert_sheet(6, set_of({"kaigo-hoken"})).find("sheet_fiscal_year_sheet_no_key"), std::string::npos);
}

TEST_F(DatabaseRules, RefusesDeletingADepartmentThatSheetsName) {
  ASSERT_EQ(insert_sheet(6, set_of({"kaigo-hoken"})), "");
  EXPECT_NE(refusal(owner.get(), "DELETE FROM department WHERE code = 'kaigo-hoken'").find("executing department"), std::string::npos);
}

TEST_F(DatabaseRules, RefusesAnUnknownYearStateAndAFocusOfAnotherPolicy) {
  EXPECT_NE(refusal(owner.get(), "UPDATE fiscal_year SET state = 'paused'").find("check"), std::string::npos);
  EXPECT_NE(refusal(owner.get(), "UPDATE fiscal_year SET state = 'closed'").find("check"), std::string::npos)
      << "a closed year needs its closing time";
  persistence::exec(owner.get(), "INSERT INTO policy (plan_id, key, strategy_id, label, position) "
                                 "SELECT plan_id, 'S1-P2', id, '(2) 横断的なサービスづくり', 2 FROM strategy", "policy");
  EXPECT_NE(refusal(owner.get(), "UPDATE measure SET policy_id = (SELECT id FROM policy WHERE key = 'S1-P2') WHERE key = 'M01'")
                .find("foreign key"),
            std::string::npos);
}

TEST_F(DatabaseRules, RefusesAMeasureRelistedFromItself) {
  EXPECT_NE(refusal(owner.get(), "UPDATE measure SET relisted_from_id = id WHERE key = 'M01'").find("check"), std::string::npos);
}

// ---- seed -------------------------------------------------------------------------------

TEST_F(Migrations, SeedIsIdempotentAndReadsBackAsWritten) {
  migrate_all();
  soci::session sql;
  persistence::open_session(sql, db.owner_url());
  auto first = persistence::apply_seed(sql, testing_support::small_seed(), "test", "t-1");
  EXPECT_EQ(first.departments.added, 3);
  EXPECT_EQ(first.plan.added, 1);  // the plan with its grade scale
  EXPECT_TRUE(first.changed());
  auto events = scalar(owner.get(), "SELECT count(*) FROM audit_event");
  EXPECT_EQ(events, "9") << "3 departments, the plan, a strategy, a policy, a focus, 2 measures… and nothing else";
  auto second = persistence::apply_seed(sql, testing_support::small_seed(), "test", "t-1");
  EXPECT_EQ(scalar(owner.get(), "SELECT count(*) FROM audit_event"), events) << "an unchanged seed writes no event";
  EXPECT_FALSE(second.changed()) << "departments changed " << second.departments.changed << ", structure changed "
                                 << second.structure.changed;

  auto back = persistence::load_plan(sql, "honjo");
  auto want = testing_support::small_seed();
  ASSERT_EQ(back.departments.size(), want.departments.size());
  EXPECT_EQ(back.departments[2].aliases, want.departments[2].aliases);
  EXPECT_EQ(back.departments[2].kind, model::DepartmentKind::outside);
  ASSERT_EQ(back.plan.grades.size(), 4u);
  EXPECT_TRUE(back.plan.grades[2].under_study);
  EXPECT_TRUE(back.plan.grades[1].results_required);
  ASSERT_EQ(back.structure.measures.size(), 2u);
  const auto& m1 = back.structure.measures[0];
  EXPECT_EQ(m1.title, "相談支援専門職の確保");
  EXPECT_EQ(m1.number, 6);
  EXPECT_EQ(m1.plan_page, 75);
  EXPECT_EQ(m1.focus_id, "S1-P1-F1");
  EXPECT_EQ(m1.related_departments, want.structure.measures[0].related_departments);
  EXPECT_EQ(m1.schedule, want.structure.measures[0].schedule);
  const auto& m2 = back.structure.measures[1];
  EXPECT_EQ(m2.relisted_from, "M01");
  EXPECT_FALSE(m2.number.has_value());
  EXPECT_FALSE(m2.focus_id.has_value());
  EXPECT_EQ(m2.sheets, (std::vector<int>{17, 18}));
}

TEST_F(Migrations, SeedAppliesAnEditedFile) {
  migrate_all();
  soci::session sql;
  persistence::open_session(sql, db.owner_url());
  persistence::apply_seed(sql, testing_support::small_seed(), "test", "t-1");
  auto edited = testing_support::small_seed();
  edited.departments[1].aliases = {"介護保険"};
  edited.structure.measures[0].schedule[1] = "準備";
  edited.structure.measures[0].related_departments = {"地域福祉課"};
  auto report = persistence::apply_seed(sql, edited, "test", "t-2");
  EXPECT_EQ(report.departments.changed, 1);
  EXPECT_EQ(report.departments.added, 0);
  EXPECT_EQ(report.structure.changed, 1) << "one measure, two of its fields";
  // Audited: the change's event names the fields with their values before and after.
  EXPECT_EQ(scalar(owner.get(), "SELECT changes->'schedule'->'before'->>'FY2020' || '>' || (changes->'schedule'->'after'->>'FY2020') "
                                "|| ' ' || (changes->'related_departments'->'after')::text FROM audit_event "
                                "WHERE entity_type = 'measure' AND entity_id = 'honjo/M01' AND action = 'update'"),
            ">準備 [\"地域福祉課\"]");
  EXPECT_EQ(scalar(owner.get(), "SELECT string_agg(changes->'aliases'->>'after', ',') FROM audit_event WHERE entity_id = 'kaigo-hoken' AND action = 'update'"),
            "[\"介護保険\"]");
  auto back = persistence::load_plan(sql, "honjo");
  EXPECT_EQ(back.departments[1].aliases, std::vector<std::string>{"介護保険"});
  EXPECT_EQ(back.structure.measures[0].schedule[1], "準備");
  EXPECT_EQ(back.structure.measures[0].related_departments, std::vector<std::string>{"地域福祉課"});
}

TEST_F(Migrations, UnknownPlanIsAClearError) {
  migrate_all();
  soci::session sql;
  persistence::open_session(sql, db.owner_url());
  try {
    persistence::load_plan(sql, "nowhere");
    FAIL();
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("shinchoku migrate"), std::string::npos);
  }
}
