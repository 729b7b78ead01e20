// The audit trail's verification, checkpoints and history, on the project's real PostgreSQL.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <boost/json.hpp>

#include "engine/errors.hpp"
#include "persistence/audit_log.hpp"
#include "persistence/audit_verify.hpp"
#include "persistence/checkpoint.hpp"
#include "persistence/connection.hpp"
#include "persistence/database.hpp"
#include "persistence/migrator.hpp"
#include "persistence/seed.hpp"
#include "persistence/sha256.hpp"
#include "persistence/sheets.hpp"
#include "test_database.hpp"

namespace json = boost::json;
namespace fs = std::filesystem;
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
  } catch (const persistence::DatabaseError& e) {
    return e.what();
  }
  return "";
}

model::PlanSeed small_seed() {
  model::PlanSeed s;
  s.departments = {{"chiiki-fukushi", "地域福祉課", model::DepartmentKind::city, {}},
                   {"kaigo-hoken", "介護保険課", model::DepartmentKind::city, {}}};
  s.plan = {"honjo", "本庄市地域福祉計画", 2019, 2023,
            {{"A", "達成", true, false}, {"B", "未達成", true, false}, {"C", "検討中", false, true}, {"D", "中止", false, false}}};
  s.structure.strategies = {{"S1", "1 市民の生活を支える仕組みづくり"}};
  s.structure.policies = {{"S1-P1", "S1", "(1) 相談支援の仕組みづくり"}};
  s.structure.focuses = {{"S1-P1-F1", "S1-P1", "① 包括的な相談支援体制の構築"}};
  model::Measure m1;
  m1.id = "M01";
  m1.policy_id = "S1-P1";
  m1.focus_id = "S1-P1-F1";
  m1.number = 6;
  m1.title = "相談支援専門職の確保";
  m1.plan_page = 75;
  m1.related_departments = {"地域福祉課", "介護保険課"};
  m1.schedule = {"調査・研究", "", "検討", "", "実施"};
  m1.sheets = {6};
  model::Measure m2 = m1;
  m2.id = "M02";
  m2.number = 7;
  m2.title = "電話相談窓口の充実";
  m2.sheets = {7};
  s.structure.measures = {m1, m2};
  return s;
}

model::SheetRecord sheet(int no, const std::string& measure, std::optional<std::string> grade, std::vector<std::string> departments) {
  model::SheetRecord s;
  s.year = 2019;
  s.sheet_no = no;
  s.measure_key = measure;
  s.grade = std::move(grade);
  s.state = "accepted";
  s.departments = std::move(departments);
  s.actions = "電話相談については、\"市\"の各部署で行っています。\n改行も含む。";
  s.results = "初回相談の多くは…";
  s.next_steps = "";
  return s;
}

// A migrated database with a small plan and a 2019 imported through persistence::import_year:
// sheets 6 (grade A) and 7 (no grade), each with its creation event.
class AuditTrail : public ::testing::Test {
 protected:
  void SetUp() override {
    persistence::migrate(owner.get(), persistence::bundled_migrations(), db.app_role());
    persistence::open_session(sql, db.app_url());
    soci::session owner_sql;
    persistence::open_session(owner_sql, db.owner_url());
    persistence::apply_seed(owner_sql, small_seed(), "test", "t-seed");
    persistence::ImportRequest req;
    req.plan_code = "honjo";
    req.year = 2019;
    req.actor = "cli:tester";
    req.request_id = "t-import";
    req.file_name = "small.tsv";
    req.file_sha256 = persistence::sha256_hex("small");
    req.sheets = {sheet(6, "M01", "A", {"介護保険課", "地域福祉課"}), sheet(7, "M02", std::nullopt, {"地域福祉課"})};
    req.grade_counts = {{"A", 1}, {"B", 0}, {"C", 0}, {"D", 0}};
    persistence::import_year(owner_sql, req);
  }

  std::string sheet_id(int no) { return scalar(owner.get(), fmt::format("SELECT id FROM sheet WHERE fiscal_year = 2019 AND sheet_no = {}", no)); }

  // A later edit of a sheet the way the workflow will write it: the row and its event in one
  // transaction.
  void change_grade(int no, const std::string& from, const std::string& to) {
    persistence::exec(owner.get(), fmt::format(R"(
      BEGIN;
      UPDATE sheet SET grade = '{2}', version = version + 1 WHERE fiscal_year = 2019 AND sheet_no = {0};
      INSERT INTO audit_event (entity_type, entity_id, action, actor, actor_grant, changes, comment, request_id)
      SELECT 'sheet', CAST(id AS text), 'edit', 'tanaka', 'staff@地域福祉課',
             jsonb_build_object('grade', jsonb_build_object('before', '{1}', 'after', '{2}'),
                                'version', jsonb_build_object('before', version - 1, 'after', version)),
             'grade {1} to {2}', 'req-{0}-{2}'
        FROM sheet WHERE fiscal_year = 2019 AND sheet_no = {0};
      COMMIT;)", no, from, to), "change grade");
  }

  // Runs `statement` with the audit tables' triggers off, as their owner can.
  void tamper(const std::string& statement) {
    persistence::exec(owner.get(), "BEGIN; ALTER TABLE audit_event DISABLE TRIGGER USER; "
                                   "ALTER TABLE audit_chain_head DISABLE TRIGGER USER; " + statement +
                                   "; ALTER TABLE audit_event ENABLE TRIGGER USER; ALTER TABLE audit_chain_head ENABLE TRIGGER USER; COMMIT",
                      "tamper");
  }

  persistence::VerifyReport verify(const persistence::VerifyOptions& options = {}) { return persistence::verify_audit(sql, options); }

  ScratchDatabase db;
  persistence::PgConnection owner = persistence::connect_libpq(db.owner_url());
  soci::session sql;  // the application role: verify needs only its rights
};

std::string where_sheet(const std::string& id) { return fmt::format("entity_type = 'sheet' AND entity_id = '{}'", id); }

// A temporary folder for key files, removed afterwards.
struct TempDir {
  fs::path path = fs::temp_directory_path() / fmt::format("shinchoku-audit-{}-{}", ::getpid(), counter()++);
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

std::string to_binary(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

}  // namespace

// ---- the canonical form ------------------------------------------------------------------------

TEST_F(AuditTrail, CanonicalBytesRecomputedInCppEqualTheSqlFunctionAndTheStoredHash) {
  change_grade(6, "A", "B");
  // Every event, read fresh as raw columns: the C++ bytes equal audit_event_canonical's, and
  // their SHA-256 equals the stored hash.
  PGresult* r = PQexec(owner.get(), R"(
    SELECT id, entity_type, entity_id, chain_position,
           to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), actor, actor_grant, action,
           changes::text, comment, request_id, encode(prev_hash, 'hex'), encode(hash, 'hex'),
           encode(audit_event_canonical(e), 'hex')
      FROM audit_event e ORDER BY id)");
  ASSERT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << PQresultErrorMessage(r);
  ASSERT_GT(PQntuples(r), 5);
  auto opt = [r](int row, int col) -> std::optional<std::string> {
    if (PQgetisnull(r, row, col)) return std::nullopt;
    return std::string(PQgetvalue(r, row, col));
  };
  int with_prev = 0, with_grant = 0;
  for (int i = 0; i < PQntuples(r); ++i) {
    persistence::StoredEvent e;
    e.id = std::stoll(PQgetvalue(r, i, 0));
    e.entity_type = PQgetvalue(r, i, 1);
    e.entity_id = PQgetvalue(r, i, 2);
    e.chain_position = std::stoll(PQgetvalue(r, i, 3));
    e.occurred_at = PQgetvalue(r, i, 4);
    e.actor = PQgetvalue(r, i, 5);
    e.actor_grant = opt(i, 6);
    e.action = PQgetvalue(r, i, 7);
    e.changes = PQgetvalue(r, i, 8);
    e.comment = opt(i, 9);
    e.request_id = opt(i, 10);
    e.prev_hash = opt(i, 11);
    e.hash = PQgetvalue(r, i, 12);
    const std::string sql_bytes = to_binary(PQgetvalue(r, i, 13));
    EXPECT_EQ(persistence::canonical_event_bytes(e), sql_bytes) << "event " << e.id;
    EXPECT_EQ(persistence::event_hash_hex(e), e.hash) << "event " << e.id;
    with_prev += e.prev_hash.has_value();
    with_grant += e.actor_grant.has_value();
  }
  PQclear(r);
  EXPECT_EQ(with_prev, 1) << "the edit links to the creation event";
  EXPECT_EQ(with_grant, 1);
}

TEST(CanonicalForm, SpellsEveryFieldWithItsByteLengthAndNullsAsDash) {
  persistence::StoredEvent e;
  e.entity_type = "sheet";
  e.entity_id = "12";
  e.chain_position = 3;
  e.occurred_at = "2020-04-01T00:00:00.000001Z";
  e.actor = "田中";
  e.action = "edit";
  e.changes = R"({"grade": {"after": "B", "before": "A"}})";
  e.comment = "a\nb";
  e.prev_hash = std::string(64, 'a');
  EXPECT_EQ(persistence::canonical_event_bytes(e),
            "shinchoku-audit-v1\n"
            "entity_type:5:sheet\n"
            "entity_id:2:12\n"
            "chain_position:1:3\n"
            "occurred_at:27:2020-04-01T00:00:00.000001Z\n"
            "actor:6:田中\n"
            "actor_grant:-\n"
            "action:4:edit\n"
            "changes:40:{\"grade\": {\"after\": \"B\", \"before\": \"A\"}}\n"
            "comment:3:a\nb\n"
            "request_id:-\n"
            "prev_hash:64:" + std::string(64, 'a') + "\n");
  EXPECT_EQ(persistence::event_hash_hex(e), persistence::sha256_hex(persistence::canonical_event_bytes(e)));
}

// ---- verify ------------------------------------------------------------------------------------

TEST_F(AuditTrail, VerifyPassesOnACleanTrailAndCountsWhatItChecked) {
  change_grade(6, "A", "B");
  change_grade(6, "B", "C");
  auto report = verify();
  ASSERT_TRUE(report.ok()) << persistence::describe_failure(*report.failure);
  EXPECT_EQ(std::to_string(report.events), scalar(owner.get(), "SELECT count(*) FROM audit_event"));
  EXPECT_EQ(std::to_string(report.chains), scalar(owner.get(), "SELECT count(*) FROM audit_chain_head"));
  EXPECT_EQ(report.sheets, 2);
  auto j = persistence::verify_report_json(report);
  EXPECT_EQ(j.at("ok"), true);
  EXPECT_EQ(j.at("checked").as_int64(), report.events);
  EXPECT_TRUE(j.at("failure").is_null());
  EXPECT_TRUE(persistence::verify_report_text(report).starts_with("OK: "));
}

TEST_F(AuditTrail, VerifyStreamsManyEventsAcrossBatches) {
  // 6,000 events in 1,500 chains: several of the cursor's batches, chains crossing them.
  persistence::exec(owner.get(),
                    "INSERT INTO audit_event (entity_type, entity_id, action, actor, changes) "
                    "SELECT 'load', CAST(i % 1500 AS text), 'edit', 'loader', jsonb_build_object('n', jsonb_build_object('before', i - 1, 'after', i)) "
                    "FROM generate_series(1, 6000) AS i",
                    "load");
  auto report = verify();
  ASSERT_TRUE(report.ok()) << persistence::describe_failure(*report.failure);
  EXPECT_EQ(std::to_string(report.events), scalar(owner.get(), "SELECT count(*) FROM audit_event"));
  EXPECT_GE(report.chains, 1500);
}

TEST_F(AuditTrail, AChangedFieldIsContentChangedAtItsChainAndPosition) {
  change_grade(6, "A", "B");
  change_grade(6, "B", "C");
  const auto id = sheet_id(6);
  tamper(fmt::format("UPDATE audit_event SET comment = 'nothing to see' WHERE {} AND chain_position = 2", where_sheet(id)));
  auto report = verify();
  ASSERT_TRUE(report.failure);
  EXPECT_EQ(report.failure->reason, "content changed");
  EXPECT_EQ(report.failure->entity_type, "sheet");
  EXPECT_EQ(report.failure->entity_id, id);
  EXPECT_EQ(report.failure->position, 2);
  EXPECT_EQ(std::to_string(report.failure->event_id.value_or(0)),
            scalar(owner.get(), fmt::format("SELECT id FROM audit_event WHERE {} AND chain_position = 2", where_sheet(id))));
  EXPECT_EQ(persistence::verify_report_text(report).substr(0, 40), fmt::format("FAILED: sheet {} position 2: content changed", id).substr(0, 40));
}

TEST_F(AuditTrail, ADeletedEventIsEventMissing) {
  change_grade(6, "A", "B");
  change_grade(6, "B", "C");
  const auto id = sheet_id(6);
  tamper(fmt::format("DELETE FROM audit_event WHERE {} AND chain_position = 2", where_sheet(id)));
  auto report = verify();
  ASSERT_TRUE(report.failure);
  EXPECT_EQ(report.failure->reason, "event missing");
  EXPECT_EQ(report.failure->position, 2);
  EXPECT_NE(report.failure->detail.find("from position 1 to 3"), std::string::npos) << report.failure->detail;
}

TEST_F(AuditTrail, TheFirstEventDeletedIsEventMissingAtPositionOne) {
  change_grade(6, "A", "B");
  const auto id = sheet_id(6);
  tamper(fmt::format("DELETE FROM audit_event WHERE {} AND chain_position = 1", where_sheet(id)));
  auto report = verify();
  ASSERT_TRUE(report.failure);
  EXPECT_EQ(report.failure->reason, "event missing");
  EXPECT_EQ(report.failure->position, 1);
}

TEST_F(AuditTrail, TwoSwappedEventsAreOrderBroken) {
  change_grade(6, "A", "B");
  change_grade(6, "B", "C");
  change_grade(6, "C", "A");
  const auto id = sheet_id(6);
  const auto w = where_sheet(id);
  tamper(fmt::format("UPDATE audit_event SET chain_position = 99 WHERE {0} AND chain_position = 2; "
                     "UPDATE audit_event SET chain_position = 2 WHERE {0} AND chain_position = 3; "
                     "UPDATE audit_event SET chain_position = 3 WHERE {0} AND chain_position = 99", w));
  auto report = verify();
  ASSERT_TRUE(report.failure);
  EXPECT_EQ(report.failure->reason, "order broken");
  EXPECT_EQ(report.failure->position, 2);
  EXPECT_NE(report.failure->detail.find("belongs at position 3"), std::string::npos) << report.failure->detail;
}

TEST_F(AuditTrail, AnEventRewrittenWithItsHashRecomputedIsNamedByTheNextEventsLink) {
  change_grade(6, "A", "B");
  change_grade(6, "B", "C");
  const auto w = where_sheet(sheet_id(6));
  tamper(fmt::format("UPDATE audit_event SET actor = 'someone else' WHERE {0} AND chain_position = 2; "
                     "UPDATE audit_event e SET hash = sha256(audit_event_canonical(e)) WHERE {0} AND chain_position = 2", w));
  auto report = verify();
  ASSERT_TRUE(report.failure);
  EXPECT_EQ(report.failure->reason, "content changed");
  EXPECT_EQ(report.failure->position, 2);
  EXPECT_NE(report.failure->detail.find("position 3 records prev_hash"), std::string::npos) << report.failure->detail;
}

TEST_F(AuditTrail, TheNewestEventDroppedIsCaughtByTheHeadTable) {
  change_grade(6, "A", "B");
  const auto w = where_sheet(sheet_id(6));
  tamper(fmt::format("DELETE FROM audit_event WHERE {} AND chain_position = 2", w));
  auto report = verify();
  ASSERT_TRUE(report.failure);
  EXPECT_EQ(report.failure->reason, "event missing");
  EXPECT_EQ(report.failure->position, 2);
}

TEST_F(AuditTrail, AHeadThatDisagreesIsHeadDiffers) {
  const auto w = where_sheet(sheet_id(7));
  tamper(fmt::format("UPDATE audit_chain_head SET head_hash = sha256('x') WHERE {}", w));
  auto report = verify();
  ASSERT_TRUE(report.failure);
  EXPECT_EQ(report.failure->reason, "head differs");
  EXPECT_EQ(report.failure->position, 1);
}

TEST_F(AuditTrail, ASheetRowChangedWithoutAnEventDiffersFromItsHistory) {
  change_grade(6, "A", "B");
  persistence::exec(owner.get(), "UPDATE sheet SET grade = 'D' WHERE fiscal_year = 2019 AND sheet_no = 6", "silent change");
  auto report = verify();
  ASSERT_TRUE(report.failure);
  EXPECT_EQ(report.failure->reason, "row differs from its history");
  EXPECT_EQ(report.failure->entity_id, sheet_id(6));
  EXPECT_EQ(report.failure->position, 2);
  EXPECT_NE(report.failure->detail.find("field grade of the row is \"D\", the replay of its 2 events gives \"B\""), std::string::npos)
      << report.failure->detail;
}

TEST_F(AuditTrail, ASheetWithoutEventsAndAChainWithoutASheetFail) {
  {
    // A sheet whose chain is gone entirely, head included.
    const auto w = where_sheet(sheet_id(7));
    tamper(fmt::format("DELETE FROM audit_event WHERE {0}; DELETE FROM audit_chain_head WHERE {0}", w));
    auto report = verify();
    ASSERT_TRUE(report.failure);
    EXPECT_EQ(report.failure->reason, "event missing");
    EXPECT_EQ(report.failure->position, 1);
    EXPECT_NE(report.failure->detail.find("has no events"), std::string::npos) << report.failure->detail;
  }
  {
    // A sheet chain whose row is gone.
    persistence::exec(owner.get(), "DELETE FROM sheet WHERE fiscal_year = 2019 AND sheet_no = 7", "drop row");
    persistence::exec(owner.get(), "INSERT INTO audit_event (entity_type, entity_id, action, actor, changes) "
                                   "VALUES ('sheet', '999999', 'create', 'x', '{\"grade\": {\"before\": null, \"after\": \"A\"}}')",
                      "orphan event");
    auto report = verify();
    ASSERT_TRUE(report.failure);
    EXPECT_EQ(report.failure->reason, "row differs from its history");
    EXPECT_EQ(report.failure->entity_id, "999999");
  }
}

TEST_F(AuditTrail, AFlagAddedToTheSchemaLaterReplaysAsItsDefault) {
  // Migration 005 adds sheet.retired with default false; creation events predate it.
  if (scalar(owner.get(), "SELECT count(*) FROM information_schema.columns WHERE table_name = 'sheet' AND column_name = 'retired'") != "1") {
    GTEST_SKIP() << "no retired column in this schema";
  }
  EXPECT_TRUE(verify().ok());
  persistence::exec(owner.get(), "UPDATE sheet SET retired = true WHERE fiscal_year = 2019 AND sheet_no = 7", "retire silently");
  auto report = verify();
  ASSERT_TRUE(report.failure);
  EXPECT_NE(report.failure->detail.find("field retired"), std::string::npos) << report.failure->detail;
}

// ---- checkpoints ---------------------------------------------------------------------------------

class Checkpoints : public AuditTrail {
 protected:
  TempDir dir;
  fs::path key_file = dir.path / "keys" / "audit.key";
  std::string public_key = persistence::write_key_pair(key_file, false);
  persistence::SigningKey key = persistence::read_signing_key(key_file);

  persistence::CheckpointInput take() {
    auto c = persistence::create_checkpoint(sql, key);
    return {"cp.json", json::serialize(persistence::checkpoint_json(c))};
  }
  persistence::VerifyReport verify_against(const persistence::CheckpointInput& cp, std::optional<std::string> trusted = std::nullopt) {
    persistence::VerifyOptions o;
    o.checkpoints = {cp};
    o.trusted_public_key = std::move(trusted);
    return verify(o);
  }
};

TEST_F(Checkpoints, KeyFileIsPrivateAndIsNotOverwrittenWithoutForce) {
  struct stat st {};
  ASSERT_EQ(::stat(key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(key.public_key, public_key);
  std::ifstream pub(key_file.string() + ".pub");
  std::string line;
  std::getline(pub, line);
  EXPECT_EQ(line, public_key);
  EXPECT_THROW(persistence::write_key_pair(key_file, false), engine::DomainError);
  auto replaced = persistence::write_key_pair(key_file, true);
  EXPECT_NE(replaced, public_key);
  ::chmod(key_file.c_str(), 0644);
  EXPECT_THROW(persistence::read_signing_key(key_file), engine::DomainError) << "a key others may read is refused";
}

TEST_F(Checkpoints, ACheckpointSignsEveryChainAndVerifies) {
  change_grade(6, "A", "B");
  auto cp = take();
  auto parsed = persistence::parse_checkpoint(cp.text);
  EXPECT_EQ(std::to_string(parsed.chains.size()), scalar(owner.get(), "SELECT count(*) FROM audit_chain_head"));
  EXPECT_EQ(parsed.public_key, public_key);
  EXPECT_EQ(parsed.merkle_root, persistence::merkle_root(parsed.chains));
  EXPECT_FALSE(persistence::checkpoint_signature_problem(parsed, public_key));
  auto report = verify_against(cp, public_key);
  ASSERT_TRUE(report.ok()) << persistence::describe_failure(*report.failure);
  ASSERT_EQ(report.checkpoints.size(), 1u);
  EXPECT_TRUE(report.checkpoints[0].key_trusted);
  // Later events extend the history: the checkpoint still holds.
  change_grade(6, "B", "C");
  change_grade(7, "", "A");
  EXPECT_TRUE(verify_against(cp, public_key).ok());
}

TEST_F(Checkpoints, TheNewestEventDroppedWithItsHeadAdjustedIsCaughtOnlyByTheCheckpoint) {
  change_grade(6, "A", "B");
  change_grade(6, "B", "C");
  auto cp = take();
  const auto w = where_sheet(sheet_id(6));
  // The attacker also puts the row back as the shortened history says it was.
  tamper(fmt::format("DELETE FROM audit_event WHERE {0} AND chain_position = 3; "
                     "UPDATE audit_chain_head SET length = 2, head_hash = (SELECT hash FROM audit_event WHERE {0} AND chain_position = 2) "
                     "WHERE {0}; UPDATE sheet SET grade = 'B', version = 2 WHERE fiscal_year = 2019 AND sheet_no = 6", w));
  EXPECT_TRUE(verify().ok()) << "without a checkpoint the shortened chain is consistent";
  auto report = verify_against(cp);
  ASSERT_TRUE(report.failure);
  EXPECT_EQ(report.failure->reason, "history no longer extends the checkpoint");
  EXPECT_EQ(report.failure->entity_id, sheet_id(6));
  EXPECT_EQ(report.failure->position, 3);
  EXPECT_EQ(report.failure->checkpoint, "cp.json");
}

TEST_F(Checkpoints, AChainRewrittenWholeIsCaughtByTheCheckpoint) {
  change_grade(6, "A", "B");
  change_grade(6, "B", "C");
  auto cp = take();
  const auto w = where_sheet(sheet_id(6));
  // Every event's actor changed and every hash recomputed with the database's own function, in
  // chain order, and the head updated: the chain is consistent in itself.
  tamper(fmt::format(R"(DO $$ DECLARE p integer; BEGIN
      FOR p IN 1..3 LOOP
        UPDATE audit_event SET actor = 'forger', prev_hash = (SELECT hash FROM audit_event WHERE {0} AND chain_position = p - 1)
         WHERE {0} AND chain_position = p;
        UPDATE audit_event e SET hash = sha256(audit_event_canonical(e)) WHERE {0} AND chain_position = p;
      END LOOP;
      UPDATE audit_chain_head SET head_hash = (SELECT hash FROM audit_event WHERE {0} AND chain_position = 3) WHERE {0};
    END $$)", w));
  EXPECT_TRUE(verify().ok()) << "a chain rewritten whole is consistent in itself";
  auto report = verify_against(cp);
  ASSERT_TRUE(report.failure);
  EXPECT_EQ(report.failure->reason, "history no longer extends the checkpoint");
  EXPECT_EQ(report.failure->position, 3);
}

TEST_F(Checkpoints, AChainRemovedWholeIsCaughtByTheCheckpoint) {
  auto cp = take();
  tamper("DELETE FROM audit_event WHERE entity_type = 'plan'; DELETE FROM audit_chain_head WHERE entity_type = 'plan'");
  EXPECT_TRUE(verify().ok());
  auto report = verify_against(cp);
  ASSERT_TRUE(report.failure);
  EXPECT_EQ(report.failure->reason, "history no longer extends the checkpoint");
  EXPECT_EQ(report.failure->entity_type, "plan");
}

TEST_F(Checkpoints, OneChangedByteIsABadSignature) {
  auto cp = take();
  auto at = cp.text.find("\"head\":\"") + 8;
  cp.text[at] = cp.text[at] == '0' ? '1' : '0';
  auto report = verify_against(cp);
  ASSERT_TRUE(report.failure);
  EXPECT_EQ(report.failure->reason, "bad signature");
  EXPECT_FALSE(report.failure->entity_type);
  EXPECT_EQ(report.events, 0) << "a forged checkpoint stops verification before it reads the trail";

  auto garbled = take();
  garbled.text.back() = ']';
  EXPECT_EQ(verify_against(garbled).failure->reason, "bad signature");
}

TEST_F(Checkpoints, AnotherTrustedKeyIsRefused) {
  auto cp = take();
  TempDir other;
  const auto other_key = persistence::write_key_pair(other.path / "other.key", false);
  auto report = verify_against(cp, other_key);
  ASSERT_TRUE(report.failure);
  EXPECT_EQ(report.failure->reason, "bad signature");
  EXPECT_NE(report.failure->detail.find("--pubkey"), std::string::npos);
  // Without --pubkey the file's own key is used, and the report says so.
  auto own = verify_against(cp);
  ASSERT_TRUE(own.ok());
  EXPECT_FALSE(own.checkpoints.at(0).key_trusted);
  EXPECT_NE(persistence::verify_report_text(own).find("only against the key the file names"), std::string::npos);
}

TEST(MerkleRoot, PairsLeavesAndPromotesTheOddOne) {
  std::vector<persistence::ChainHead> chains = {{"a", "1", 1, std::string(64, '1')},
                                                {"a", "2", 2, std::string(64, '2')},
                                                {"b", "1", 3, std::string(64, '3')}};
  auto node = [](const std::string& l, const std::string& r) { return persistence::sha256_hex("node:" + to_binary(l) + to_binary(r)); };
  const auto l0 = persistence::merkle_leaf(chains[0]), l1 = persistence::merkle_leaf(chains[1]), l2 = persistence::merkle_leaf(chains[2]);
  EXPECT_EQ(l0, persistence::sha256_hex(std::string("leaf:a\0" "1\0" "1\0", 11) + std::string(64, '1')));
  EXPECT_EQ(persistence::merkle_root({chains[0]}), l0);
  EXPECT_EQ(persistence::merkle_root({chains[0], chains[1]}), node(l0, l1));
  EXPECT_EQ(persistence::merkle_root(chains), node(node(l0, l1), l2));
  EXPECT_EQ(persistence::merkle_root({}), persistence::sha256_hex("empty:"));
  auto shuffled = std::vector{chains[2], chains[0], chains[1]};
  persistence::sort_chains(shuffled);
  EXPECT_EQ(shuffled, chains);
}

// ---- history -----------------------------------------------------------------------------------

TEST_F(AuditTrail, SheetAsOfReplaysTheEventsUpToThatMoment) {
  change_grade(6, "A", "B");
  const long long id = std::stoll(sheet_id(6));
  const auto events = persistence::sheet_events(sql, id);
  ASSERT_EQ(events.size(), 2u);
  const auto created = persistence::parse_time_argument(events[0].occurred_at);
  const auto edited = persistence::parse_time_argument(events[1].occurred_at);
  ASSERT_LT(created, edited);
  auto before = persistence::sheet_as_of(sql, id, created + (edited - created) / 2);
  EXPECT_EQ(before.at("grade"), "A");
  EXPECT_EQ(before.at("version"), 1);
  EXPECT_EQ(before.at("departments"), json::parse(R"(["介護保険課", "地域福祉課"])"));
  EXPECT_EQ(before.at("measure"), "M01");
  auto after = persistence::sheet_as_of(sql, id, edited);
  EXPECT_EQ(after.at("grade"), "B");
  EXPECT_EQ(after.at("version"), 2);
  EXPECT_THROW(persistence::sheet_as_of(sql, id, created - std::chrono::microseconds(1)), engine::DomainError);
  EXPECT_THROW(persistence::sheet_as_of(sql, 987654, edited), engine::DomainError);
}

TEST_F(AuditTrail, LogsFilterBySheetMeasureActorAndTime) {
  change_grade(6, "A", "B");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  change_grade(6, "B", "C");
  const long long id = std::stoll(sheet_id(6));
  EXPECT_EQ(persistence::find_sheet_id(sql, 2019, 6), id);
  EXPECT_FALSE(persistence::find_sheet_id(sql, 2019, 99));
  auto all = persistence::sheet_events(sql, id);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].changes.at("grade").at("after"), "C");
  EXPECT_EQ(all[1].actor_grant, "staff@地域福祉課");
  const auto second = persistence::parse_time_argument(all[1].occurred_at);
  const auto third = persistence::parse_time_argument(all[2].occurred_at);
  EXPECT_EQ(persistence::sheet_events(sql, id, {second, std::nullopt}).size(), 2u);
  EXPECT_EQ(persistence::sheet_events(sql, id, {std::nullopt, third}).size(), 2u);
  EXPECT_EQ(persistence::sheet_events(sql, id, {second, third}).size(), 1u);
  EXPECT_EQ(persistence::measure_events(sql, "M01").size(), 3u);
  EXPECT_EQ(persistence::measure_events(sql, "M02").size(), 1u);
  EXPECT_THROW(persistence::measure_events(sql, "M99"), engine::DomainError);
  EXPECT_EQ(persistence::actor_events(sql, "tanaka").size(), 2u);
  EXPECT_EQ(persistence::actor_events(sql, "nobody").size(), 0u);
}

// model::parse_time reads the times (tests/model/time_test.cpp); the CLI's wrapper makes what it
// refuses a domain error, the CLI's exit 1.
TEST(AuditTime, TheCommandLinesTimesAreModelTimesAndRefusalsAreDomainErrors) {
  EXPECT_EQ(persistence::parse_time_argument("2020-04-01T09:00:00+09:00"), model::parse_time("2020-04-01T00:00:00Z"));
  for (const char* bad : {"2020-02-30", "2020-04-01T09:00:00", "yesterday"}) {
    EXPECT_THROW(persistence::parse_time_argument(bad), engine::DomainError) << bad;
  }
}

TEST(AuditLogOutput, CsvHasABomAHeaderAndQuotesAsRfc4180) {
  persistence::LoggedEvent e;
  e.id = 5;
  e.entity_type = "sheet";
  e.entity_id = "10";
  e.chain_position = 2;
  e.occurred_at = "2020-03-31T15:00:00.000000Z";
  e.actor = "tanaka";
  e.action = "edit";
  e.changes = json::parse(R"({"grade": {"before": "A", "after": "B"}})").as_object();
  e.comment = "he said \"no\", twice";
  e.hash = std::string(64, 'f');
  const auto csv = persistence::events_csv({e});
  EXPECT_TRUE(csv.starts_with("\xEF\xBB\xBFid,entity_type,entity_id,chain_position,occurred_at,actor,actor_grant,action,changes,comment,"
                              "request_id,hash\r\n"));
  EXPECT_NE(csv.find(R"(,"he said ""no"", twice",)"), std::string::npos) << csv;
  EXPECT_NE(csv.find(R"("{""grade"":{""before"":""A"",""after"":""B""}}")"), std::string::npos) << csv;
  EXPECT_EQ(persistence::events_text({e}), "2020-04-01 00:00:00 JST  tanaka  edit  sheet 10 #2  [grade]  he said \"no\", twice\n");
  auto line = json::parse(persistence::events_jsonl({e}));
  EXPECT_EQ(line.at("chain_position"), 2);
  EXPECT_TRUE(line.at("actor_grant").is_null());
}

// Migration 008: the import's fast form of a sheet's creation changes equals the definition
// (audit_created of sheet_audit_fields) for every sheet, and the import's events are exactly that.
TEST_F(AuditTrail, BulkCreationChangesEqualTheDefinitionForEverySheet) {
  change_grade(6, "A", "B");
  const std::string differing = scalar(owner.get(), R"(
    SELECT count(*) FROM sheet s JOIN measure m ON m.id = s.measure_id
     WHERE sheet_created_changes(s.fiscal_year, s.sheet_no, m.key,
                                 (SELECT jsonb_agg(d.name ORDER BY o.ord) FROM unnest(s.department_order) WITH ORDINALITY AS o(id, ord)
                                    JOIN department d ON d.id = o.id),
                                 s.grade, s.actions, s.results, s.next_steps, s.state, s.version)
           IS DISTINCT FROM audit_created(sheet_audit_fields(s.fiscal_year, s.sheet_no, s.measure_id, s.department_order, s.grade,
                                                             s.actions, s.results, s.next_steps, s.state, s.version)))");
  EXPECT_EQ(differing, "0");
  const std::string imported_differently = scalar(owner.get(), R"(
    SELECT count(*) FROM audit_event e JOIN sheet s ON CAST(s.id AS text) = e.entity_id
     WHERE e.entity_type = 'sheet' AND e.chain_position = 1
       AND e.changes IS DISTINCT FROM audit_created(sheet_audit_fields(s.fiscal_year, s.sheet_no, s.measure_id, s.department_order,
                                                    CAST(e.changes -> 'grade' ->> 'after' AS text), s.actions, s.results,
                                                    s.next_steps, s.state, 1)))");
  EXPECT_EQ(imported_differently, "0");
  EXPECT_EQ(scalar(owner.get(), "SELECT count(*) FROM audit_event WHERE entity_type = 'sheet' AND chain_position = 1"), "2");
}

// audit_append_events extends existing chains and starts new ones exactly as the trigger does
// (verify recomputes every hash), refuses two events for one entity, and the application role
// can call it but cannot write a hash itself.
TEST_F(AuditTrail, SetWiseAppendChainsLikeTheTrigger) {
  const auto id6 = sheet_id(6);
  persistence::exec(owner.get(), "INSERT INTO audit_event (entity_type, entity_id, action, actor, changes) "
                                 "VALUES ('load', 'a', 'edit', 'x', '{}'), ('load', 'a', 'edit', 'x', '{\"n\": 1}')",
                    "existing chain");
  auto app = persistence::connect_libpq(db.app_url());
  EXPECT_EQ(scalar(app.get(), "SELECT audit_append_events('load', 'bulk', 'cli:tester', 'staff@x', NULL, 'r-1', "
                              "ARRAY['a', 'b', 'c'], ARRAY['{\"k\": \"甲\"}', '{}', '{\"k\": null}']::jsonb[])"),
            "3");
  EXPECT_EQ(scalar(owner.get(), "SELECT string_agg(entity_id || ':' || chain_position, ',' ORDER BY id) FROM audit_event "
                                "WHERE entity_type = 'load' AND action = 'bulk'"),
            "a:3,b:1,c:1");
  EXPECT_EQ(scalar(owner.get(), "SELECT length FROM audit_chain_head WHERE entity_type = 'load' AND entity_id = 'a'"), "3");
  // A normal append after the bulk one continues the chain.
  persistence::exec(owner.get(), "INSERT INTO audit_event (entity_type, entity_id, action, actor, changes) VALUES ('load', 'b', 'edit', 'x', '{}')",
                    "after bulk");
  EXPECT_NE(refusal(app.get(), "SELECT audit_append_events('load', 'bulk', 'x', NULL, NULL, NULL, ARRAY['d', 'd'], "
                               "ARRAY['{}', '{}']::jsonb[])"),
            "");
  EXPECT_NE(refusal(app.get(), "INSERT INTO audit_event (entity_type, entity_id, action, actor, changes, chain_position, hash) "
                               "VALUES ('load', 'e', 'edit', 'x', '{}', 1, '\\x00')"),
            "");
  EXPECT_NE(refusal(app.get(), "INSERT INTO audit_event (entity_type, entity_id, action, actor, changes, prev_hash) "
                               "VALUES ('load', 'b', 'edit', 'x', '{}', '\\x00')"),
            "");
  EXPECT_EQ(refusal(app.get(), "INSERT INTO audit_event (entity_type, entity_id, action, actor, changes) "
                               "VALUES ('sheet', '" + id6 + "', 'note', 'x', '{}')"),
            "");
  auto report = verify();
  EXPECT_TRUE(report.ok()) << persistence::describe_failure(*report.failure);
}
