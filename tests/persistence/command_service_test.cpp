// The command service on a real PostgreSQL: one transaction per command, one winner per
// version, and the audit trail that rebuilds every step.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "default_workflow.hpp"
#include "persistence/audit_log.hpp"
#include "persistence/audit_verify.hpp"
#include "persistence/database.hpp"
#include "persistence/migrator.hpp"
#include "persistence/seed.hpp"
#include "persistence/sheet_store.hpp"
#include "persistence/sheets.hpp"
#include "persistence/years.hpp"
#include "small_plan.hpp"
#include "test_database.hpp"

using engine::Command;
using engine::CommandError;
using engine::EditFields;
using engine::Refusal;
using engine::Transition;

namespace {

const model::Workflow kWorkflow = testing_support::default_workflow();
const model::GradeScale kGrades(testing_support::small_seed().plan.grades);

class CommandService : public ::testing::Test {
 protected:
  void SetUp() override {
    soci::session sql;
    persistence::open_session(sql, db.owner_url());
    persistence::apply_seed(sql, testing_support::small_seed(), "test", "t-seed");
    sql << "INSERT INTO fiscal_year (year, plan_id, state) SELECT 2020, id, 'open' FROM plan";
    sheet_id = persistence::add_sheet(sql, "honjo", 2020, "M01", {"地域福祉課", "介護保険課"}, 6, "draft", {"cli:test", "coordinator", "t-add"}).first;
  }

  engine::Decision run(const Command& c, const model::Actor& actor) {
    soci::session sql;
    persistence::open_session(sql, db.app_url());
    persistence::PgSheetStore store(sql);
    engine::CommandService service(store, {kWorkflow, kGrades, true});
    return service.execute({sheet_id, std::nullopt, std::nullopt}, c, actor, "t-cmd");
  }

  engine::SheetState current() {
    soci::session sql;
    persistence::open_session(sql, db.app_url());
    return persistence::find_sheet(sql, {sheet_id, std::nullopt, std::nullopt})->state;
  }

  persistence::VerifyReport verify() {
    soci::session sql;
    persistence::open_session(sql, db.owner_url());
    return persistence::verify_audit(sql, {});
  }

  testing_support::ScratchDatabase db{testing_support::Schema::migrated};
  long long sheet_id = 0;
  model::Actor staff{"tanaka", {{"staff", "地域福祉課"}}};
  model::Actor approver{"kacho", {{"approver", "介護保険課"}}};
  model::Actor coordinator{"coord", {{"coordinator", std::nullopt}}};
};

Command edit_all(int version, const std::string& grade, const std::string& text) {
  return {EditFields{grade, "取組:" + text, "成果:" + text, "方針:" + text}, version, std::nullopt};
}
Command act(const std::string& action, int version, std::optional<std::string> comment = std::nullopt) {
  return {Transition{action}, version, std::move(comment)};
}

}  // namespace

TEST_F(CommandService, FullCycleIsRebuiltFromTheEventsAtEveryStep) {
  struct Step {
    Command command;
    model::Actor* actor;
  };
  std::vector<Step> steps = {
      {edit_all(1, "B", "一回目"), &staff},
      {act("submit", 2), &staff},
      {act("return", 3, "成果をもっと具体的に"), &approver},
      {edit_all(4, "A", "二回目"), &staff},
      {act("submit", 5), &staff},
      {act("approve", 6), &approver},
      {act("accept", 7), &coordinator},
      {act("reopen", 8, "数字の誤りを直す"), &coordinator},
  };
  std::vector<std::pair<persistence::TimePoint, engine::SheetState>> snapshots;
  auto now = [&] {
    soci::session sql;
    persistence::open_session(sql, db.app_url());
    std::string t;
    sql << "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')", soci::into(t);
    return persistence::parse_time_argument(t);
  };
  snapshots.emplace_back(now(), current());
  for (const auto& step : steps) {
    run(step.command, *step.actor);
    snapshots.emplace_back(now(), current());
  }
  EXPECT_EQ(current().sheet.state, "draft");
  EXPECT_EQ(current().sheet.version, 9);
  EXPECT_EQ(current().sheet.grade, "A");

  soci::session sql;
  persistence::open_session(sql, db.app_url());
  for (std::size_t i = 0; i < snapshots.size(); ++i) {
    const auto& [t, want] = snapshots[i];
    auto got = persistence::sheet_as_of(sql, sheet_id, t);
    SCOPED_TRACE(fmt::format("after step {}", i));
    EXPECT_EQ(got.at("state").as_string(), want.sheet.state);
    EXPECT_EQ(got.at("version").as_int64(), want.sheet.version);
    EXPECT_EQ(got.at("actions").as_string(), want.sheet.actions);
    EXPECT_EQ(got.at("results").as_string(), want.sheet.results);
    EXPECT_EQ(got.at("next_steps").as_string(), want.sheet.next_steps);
    EXPECT_EQ(got.at("grade").is_null() ? std::optional<std::string>() : std::optional<std::string>(got.at("grade").as_string()),
              want.sheet.grade);
  }
  // The history says who did what with which grant, and keeps the return's comment.
  auto events = persistence::sheet_events(sql, sheet_id);
  ASSERT_EQ(events.size(), 9u);  // the creation and eight commands
  EXPECT_EQ(events[3].action, "return");
  EXPECT_EQ(events[3].actor, "kacho");
  EXPECT_EQ(events[3].actor_grant, "approver@介護保険課");
  EXPECT_EQ(events[3].comment, "成果をもっと具体的に");
  EXPECT_EQ(events[3].request_id, "t-cmd");
  auto report = verify();
  EXPECT_TRUE(report.ok()) << persistence::verify_report_text(report);
}

TEST_F(CommandService, RefusedCommandsWriteNothing) {
  const auto before = current();
  soci::session sql;
  persistence::open_session(sql, db.app_url());
  std::string events_before;
  sql << "SELECT CAST(count(*) AS text) FROM audit_event", soci::into(events_before);
  for (auto [command, actor, refusal] : {
           std::tuple{act("approve", 1), &approver, Refusal::invalid_state},          // a draft
           std::tuple{act("submit", 1), &staff, Refusal::invalid_value},              // incomplete
           std::tuple{edit_all(1, "A", "x"), &approver, Refusal::forbidden},           // approvers do not write
           std::tuple{edit_all(7, "A", "x"), &staff, Refusal::conflict},               // stale
           std::tuple{edit_all(1, "E", "x"), &staff, Refusal::invalid_value},          // not a grade
           std::tuple{act("accept", 1), &staff, Refusal::forbidden},
       }) {
    try {
      run(command, *actor);
      ADD_FAILURE() << "accepted";
    } catch (const CommandError& e) {
      EXPECT_EQ(e.refusal(), refusal) << e.what();
    }
  }
  std::string events_after;
  sql << "SELECT CAST(count(*) AS text) FROM audit_event", soci::into(events_after);
  EXPECT_EQ(events_after, events_before);
  EXPECT_TRUE(current().sheet.same_content(before.sheet));
  EXPECT_EQ(current().sheet.version, before.sheet.version);
}

TEST_F(CommandService, EightWritersOnOneVersionMakeOneWinner) {
  std::atomic<int> wins{0}, conflicts{0}, other{0};
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      soci::session sql;
      persistence::open_session(sql, db.app_url());
      persistence::PgSheetStore store(sql);
      engine::CommandService service(store, {kWorkflow, kGrades, true});
      while (!go) std::this_thread::yield();
      try {
        service.execute({sheet_id, std::nullopt, std::nullopt}, edit_all(1, "B", fmt::format("writer {}", i)), staff, fmt::format("t-{}", i));
        ++wins;
      } catch (const CommandError& e) {
        (e.refusal() == Refusal::conflict ? conflicts : other)++;
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins, 1);
  EXPECT_EQ(conflicts, 7);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(current().sheet.version, 2);
  auto report = verify();
  EXPECT_TRUE(report.ok()) << persistence::verify_report_text(report);
}

TEST_F(CommandService, YearDoesNotCloseWhileASheetIsNotFinal) {
  soci::session sql;
  persistence::open_session(sql, db.app_url());
  EXPECT_THROW(persistence::close_year(sql, 2020, "accepted", {"coord", std::string("coordinator"), "t-close"}), engine::DomainError)
      << "a draft is still open";
}

TEST_F(CommandService, RenamingADepartmentKeepsItsSheetsHistoriesTrue) {
  run(edit_all(1, "B", "改名前"), staff);
  auto renamed = testing_support::small_seed();
  renamed.departments[0].name = "福祉政策課";
  renamed.departments[0].aliases = {"地域福祉課"};
  renamed.structure.measures[0].related_departments[0] = "福祉政策課";
  renamed.structure.measures[1].related_departments[0] = "福祉政策課";
  soci::session sql;
  persistence::open_session(sql, db.owner_url());
  persistence::apply_seed(sql, renamed, "test", "t-rename");
  EXPECT_EQ(current().sheet.departments, (std::vector<std::string>{"福祉政策課", "介護保険課"}));
  auto report = verify();
  EXPECT_TRUE(report.ok()) << persistence::verify_report_text(report);
  auto events = persistence::sheet_events(sql, sheet_id);
  EXPECT_EQ(events.back().action, "rename_department");
}

// PgSheetStore keeps its statements prepared for the session's lifetime: many commands through
// one store, a second store on the same session, and a reconnect in between (the statements are
// prepared again on the new connection), all chain and replay.
TEST_F(CommandService, OneLongLivedStoreSurvivesManyCommandsASecondStoreAndAReconnect) {
  soci::session sql;
  persistence::open_session(sql, db.app_url());
  auto store = std::make_unique<persistence::PgSheetStore>(sql);
  engine::CommandService service(*store, {kWorkflow, kGrades, true});
  int version = current().sheet.version;
  for (int i = 0; i < 8; ++i) {
    version = service.execute({sheet_id, std::nullopt, std::nullopt}, edit_all(version, "A", std::to_string(i)), staff, "t-many")
                  .after.sheet.version;
  }
  {
    persistence::PgSheetStore second(sql);
    engine::CommandService other(second, {kWorkflow, kGrades, true});
    version = other.execute({std::nullopt, 2020, 6}, edit_all(version, "B", "second"), staff, "t-second").after.sheet.version;
  }
  // A stale version is refused as a conflict by the long-lived store's statements.
  try {
    service.execute({sheet_id, std::nullopt, std::nullopt}, edit_all(version - 1, "C", "stale"), staff, "t-stale");
    FAIL() << "a stale version was accepted";
  } catch (const CommandError& e) {
    EXPECT_EQ(e.refusal(), Refusal::conflict);
  }
  sql.reconnect();
  version = service.execute({std::nullopt, 2020, 6}, edit_all(version, "C", "after reconnect"), staff, "t-reconnect").after.sheet.version;
  // The server forgot every prepared statement (as after DISCARD ALL): a command fails on each lost statement once,
  // then the statements are prepared again.
  sql << "DEALLOCATE ALL";
  for (int attempt = 0;; ++attempt) {
    ASSERT_LT(attempt, 3) << "the store does not recover from lost statements";
    try {
      version = service.execute({sheet_id, std::nullopt, std::nullopt}, edit_all(version, "D", "lost"), staff, "t-lost").after.sheet.version;
      break;
    } catch (const soci::soci_error& e) {
      EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
    }
  }
  version = service.execute({sheet_id, std::nullopt, std::nullopt}, edit_all(version, "D", "again"), staff, "t-again").after.sheet.version;
  store.reset();
  EXPECT_EQ(current().sheet.actions, "取組:again");
  EXPECT_EQ(current().sheet.version, version);
  auto report = verify();
  EXPECT_TRUE(report.ok()) << persistence::verify_report_text(report);
}

// One registry of prepared statements per session, shared by the sheet store and the sheet read:
// the lock brings last year's values as the read does (a command's answer needs no second read),
// and a command whose `prepare` refuses on the locked sheet writes nothing.
TEST_F(CommandService, TheLockReadsWhatTheSheetReadGivesAndPrepareMayRefuse) {
  {
    soci::session owner;
    persistence::open_session(owner, db.owner_url());
    owner << "UPDATE sheet SET previous_grade = 'B', previous_next_steps = '前年度の方針' WHERE id = " << sheet_id;
  }
  soci::session sql;
  persistence::open_session(sql, db.app_url());
  persistence::PreparedStatements prepared(sql);
  persistence::PgSheetStore store(prepared);
  engine::CommandService service(store, {kWorkflow, kGrades, true});

  for (int i = 0; i < 7; ++i) {  // past PostgreSQL's switch to a generic plan
    auto by_id = persistence::find_sheet(prepared, sheet_id);
    ASSERT_TRUE(by_id);
    EXPECT_EQ(by_id->previous_grade, "B");
    EXPECT_EQ(by_id->previous_next_steps, "前年度の方針");
    EXPECT_EQ(by_id->state.previous_grade, "B");
    EXPECT_EQ(by_id->state.sheet.version, current().sheet.version);
  }
  EXPECT_FALSE(persistence::find_sheet(prepared, sheet_id + 1000));

  const int version = current().sheet.version;
  EXPECT_THROW(service.execute(
                   {sheet_id, std::nullopt, std::nullopt},
                   [&](const engine::SheetState& locked) -> Command {
                     EXPECT_EQ(locked.previous_next_steps, "前年度の方針");
                     throw std::runtime_error("refused before the decision");
                   },
                   staff, "t-refused"),
               std::runtime_error);
  EXPECT_EQ(current().sheet.version, version);

  auto d = service.execute(
      {sheet_id, std::nullopt, std::nullopt}, [&](const engine::SheetState& locked) { return edit_all(locked.sheet.version, "A", "prepared"); },
      staff, "t-prepared");
  EXPECT_EQ(d.after.previous_grade, "B");
  EXPECT_EQ(d.after.previous_next_steps, "前年度の方針");
  EXPECT_EQ(d.after.sheet.version, version + 1);
  EXPECT_EQ(persistence::find_sheet(prepared, sheet_id)->state.sheet.actions, "取組:prepared");
  sql.reconnect();  // a new connection: the shared statements are prepared again
  EXPECT_EQ(persistence::find_sheet(prepared, sheet_id)->state.sheet.version, version + 1);
  auto report = verify();
  EXPECT_TRUE(report.ok()) << persistence::verify_report_text(report);
}

// The transaction begins with the lock and commits with the writes, each pair in one round trip
// (libpq pipeline mode). A write the database refuses (here a grade the engine was told of but
// the plan's scale in the database lacks) must take the commit down with it: nothing written,
// no event, the connection out of its transaction and good for the next command.
TEST_F(CommandService, AWriteTheDatabaseRefusesRollsBackAndTheConnectionGoesOn) {
  std::vector<model::Grade> wider = testing_support::small_seed().plan.grades;
  wider.push_back({"Z", "未知", false, false, false});
  const model::GradeScale wider_scale(wider);
  soci::session sql;
  persistence::open_session(sql, db.app_url());
  persistence::PgSheetStore store(sql);
  engine::CommandService service(store, {kWorkflow, wider_scale, true});
  std::string events_before;
  sql << "SELECT CAST(count(*) AS text) FROM audit_event", soci::into(events_before);
  const auto before = current();

  for (int i = 0; i < 3; ++i) {  // unprepared, then prepared
    try {
      service.execute({sheet_id, std::nullopt, std::nullopt}, edit_all(before.sheet.version, "Z", "refused"), staff, "t-refused");
      FAIL() << "the database took a grade outside the plan's scale";
    } catch (const soci::soci_error& e) {
      EXPECT_NE(std::string(e.what()).find("foreign key"), std::string::npos) << e.what();
    }
    std::string status;
    sql << "SELECT CAST(count(*) AS text) FROM pg_stat_activity WHERE pid = pg_backend_pid() AND xact_start IS NOT NULL "
           "AND state = 'idle in transaction (aborted)'",
        soci::into(status);
    EXPECT_EQ(status, "0");
  }
  EXPECT_TRUE(current().sheet.same_content(before.sheet));
  EXPECT_EQ(current().sheet.version, before.sheet.version);
  std::string events_after;
  sql << "SELECT CAST(count(*) AS text) FROM audit_event", soci::into(events_after);
  EXPECT_EQ(events_after, events_before);

  // The same connection carries the next command through, and a missing sheet leaves it idle too.
  EXPECT_THROW(service.execute({sheet_id + 1000, std::nullopt, std::nullopt}, edit_all(1, "A", "none"), staff, "t-none"), CommandError);
  auto d = service.execute({sheet_id, std::nullopt, std::nullopt}, edit_all(before.sheet.version, "A", "after"), staff, "t-after");
  EXPECT_EQ(current().sheet.version, d.after.sheet.version);
  EXPECT_EQ(current().sheet.actions, "取組:after");
  int in_transaction = -1;
  sql << "SELECT CAST(now() <> statement_timestamp() AS integer)", soci::into(in_transaction);
  EXPECT_EQ(in_transaction, 0) << "a transaction was left open";
  auto report = verify();
  EXPECT_TRUE(report.ok()) << persistence::verify_report_text(report);
}

// The pool reopens a connection it cannot trust with the next piece of work: one left in a
// transaction or in pipeline mode (a failure in the middle of a pipelined command).
TEST_F(CommandService, AConnectionLeftInATransactionOrInPipelineModeIsNotUsable) {
  soci::session sql;
  persistence::open_session(sql, db.app_url());
  persistence::PreparedStatements prepared(sql);
  PGconn* c = prepared.connection();
  EXPECT_TRUE(persistence::usable_connection(c));
  sql << "BEGIN";
  EXPECT_FALSE(persistence::usable_connection(c));
  sql << "ROLLBACK";
  EXPECT_TRUE(persistence::usable_connection(c));
  ASSERT_EQ(PQenterPipelineMode(c), 1);
  EXPECT_FALSE(persistence::usable_connection(c));
  ASSERT_EQ(PQexitPipelineMode(c), 1);
  EXPECT_TRUE(persistence::usable_connection(c));
  EXPECT_FALSE(persistence::usable_connection(nullptr));
}
