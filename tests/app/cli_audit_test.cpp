// `shinchoku audit …` through the real binary on a real PostgreSQL holding the real FY2019 table.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <filesystem>
#include <sstream>
#include <thread>

#include "cli_runner.hpp"
#include "persistence/connection.hpp"
#include "test_database.hpp"

namespace json = boost::json;
namespace fs = std::filesystem;
using testing_support::CliResult;
using testing_support::ScratchDatabase;
using testing_support::run_shell;
using testing_support::shell_quote;
using testing_support::slurp;

namespace {

const std::string kBinary = SHINCHOKU_BINARY;
const std::string kSource = SHINCHOKU_SOURCE_DIR;
const std::string kRealTable = kSource + "/data/honjo/honjo-welfare-plan-fy2019-progress.tsv";

std::string scalar(PGconn* conn, const std::string& sql) {
  PGresult* r = PQexec(conn, sql.c_str());
  std::string out = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "<error>";
  PQclear(r);
  return out;
}

std::string owner_base() { return persistence::to_keyvalue_conninfo(testing_support::required_env("SHINCHOKU_DATABASE_OWNER_URL")); }
std::string app_base() { return persistence::to_keyvalue_conninfo(testing_support::required_env("SHINCHOKU_DATABASE_URL")); }

CliResult run_on(const std::string& db, const std::string& args, std::map<std::string, std::string> env = {}) {
  env["SHINCHOKU_DATABASE_URL"] = app_base() + " dbname=" + db;
  env["SHINCHOKU_DATABASE_OWNER_URL"] = owner_base() + " dbname=" + db;
  env["SHINCHOKU_CONFIG"] = kSource + "/config/shinchoku.toml";
  return run_shell(kBinary + " " + args, env);
}

// A copy of the suite's database (CREATE DATABASE … TEMPLATE), for a test that tampers with it.
class DatabaseCopy {
 public:
  explicit DatabaseCopy(const std::string& from) {
    static int counter = 0;
    name_ = fmt::format("shinchoku_t_{}_audit_{}", ::getpid(), counter++);
    auto admin = persistence::connect_libpq(owner_base() + " dbname=postgres");
    persistence::exec(admin.get(), fmt::format("DROP DATABASE IF EXISTS {}", name_), "drop copy");
    persistence::exec(admin.get(), fmt::format("CREATE DATABASE {} TEMPLATE {}", name_, from), "copy database");
    owner = persistence::connect_libpq(owner_base() + " dbname=" + name_);
  }
  ~DatabaseCopy() {
    owner.reset();
    try {
      auto admin = persistence::connect_libpq(owner_base() + " dbname=postgres");
      persistence::exec(admin.get(), fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", name_), "drop copy");
    } catch (...) {
      // A leftover copy is harmless.
    }
  }
  DatabaseCopy(const DatabaseCopy&) = delete;
  DatabaseCopy& operator=(const DatabaseCopy&) = delete;

  const std::string& name() const { return name_; }
  CliResult run(const std::string& args) const { return run_on(name_, args); }
  // Runs `statement` with the audit tables' triggers off, as their owner (or a superuser) can.
  void tamper(const std::string& statement) const {
    persistence::exec(owner.get(), "BEGIN; ALTER TABLE audit_event DISABLE TRIGGER USER; "
                                   "ALTER TABLE audit_chain_head DISABLE TRIGGER USER; " + statement +
                                   "; ALTER TABLE audit_event ENABLE TRIGGER USER; ALTER TABLE audit_chain_head ENABLE TRIGGER USER; COMMIT",
                      "tamper");
  }

  persistence::PgConnection owner;

 private:
  std::string name_;
};

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() / fmt::format("shinchoku-cli-audit-{}-{}", ::getpid(), counter++);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

// The real FY2019 table imported, then sheet 10 edited twice the way the workflow will write it
// (the row and its event in one transaction): grade A→B (version 2), then B→C (version 3).
class Audit : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    base = new ScratchDatabase();
    auto migrated = run_on(base->name(), "migrate");
    if (migrated.exit_code != 0) throw std::runtime_error("migrate failed: " + migrated.err);
    auto imported = run_on(base->name(), "import " + shell_quote(kRealTable) + " --year 2019");
    if (imported.exit_code != 0) throw std::runtime_error("import failed: " + imported.err);
    auto owner = persistence::connect_libpq(base->owner_url());
    sheet10 = new std::string(scalar(owner.get(), "SELECT id FROM sheet WHERE fiscal_year = 2019 AND sheet_no = 10"));
    edit(owner.get(), 10, "A", "B");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    edit(owner.get(), 10, "B", "C");
  }
  static void TearDownTestSuite() {
    delete sheet10;
    delete base;
  }
  static void edit(PGconn* owner, int sheet_no, const std::string& from, const std::string& to) {
    persistence::exec(owner, fmt::format(R"(
      BEGIN;
      UPDATE sheet SET grade = '{2}', version = version + 1 WHERE fiscal_year = 2019 AND sheet_no = {0};
      INSERT INTO audit_event (entity_type, entity_id, action, actor, actor_grant, changes, comment, request_id)
      SELECT 'sheet', CAST(id AS text), 'edit', 'tanaka', 'staff@地域福祉課',
             jsonb_build_object('grade', jsonb_build_object('before', '{1}', 'after', '{2}'),
                                'version', jsonb_build_object('before', version - 1, 'after', version)),
             '評価を{1}から{2}へ', 'req-{0}-{2}'
        FROM sheet WHERE fiscal_year = 2019 AND sheet_no = {0};
      COMMIT;)", sheet_no, from, to), "edit sheet");
  }

  CliResult run(const std::string& args, const std::map<std::string, std::string>& env = {}) const {
    return run_on(base->name(), args, env);
  }
  static std::string where10() { return fmt::format("entity_type = 'sheet' AND entity_id = '{}'", *sheet10); }

  // A key pair in a temporary folder and a checkpoint of the base database signed with it.
  struct Signed {
    TempDir dir;
    std::string key_file = (dir.path / "audit.key").string();
    std::string checkpoint = (dir.path / "checkpoint.json").string();
  };
  void sign(const Signed& s, const std::string& db) const {
    auto k = run_on(db, "audit keygen --key-file " + shell_quote(s.key_file));
    ASSERT_EQ(k.exit_code, 0) << k.err;
    auto c = run_on(db, "audit checkpoint --key-file " + shell_quote(s.key_file) + " -o " + shell_quote(s.checkpoint));
    ASSERT_EQ(c.exit_code, 0) << c.err;
  }

  static json::object failure_of(const CliResult& r) {
    auto j = json::parse(r.out);
    EXPECT_EQ(j.at("ok"), false) << r.out;
    return j.at("failure").as_object();
  }

  static ScratchDatabase* base;
  static std::string* sheet10;
};
ScratchDatabase* Audit::base = nullptr;
std::string* Audit::sheet10 = nullptr;

}  // namespace

// ---- verify --------------------------------------------------------------------------------------

TEST_F(Audit, VerifyPassesOnTheImportedYearAndCountsTheEvents) {
  auto owner = persistence::connect_libpq(base->owner_url());
  const auto events = scalar(owner.get(), "SELECT count(*) FROM audit_event");
  const auto chains = scalar(owner.get(), "SELECT count(*) FROM audit_chain_head");
  owner.reset();
  auto r = run("audit verify --format json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto j = json::parse(r.out);
  EXPECT_EQ(j.at("ok"), true);
  EXPECT_EQ(std::to_string(j.at("checked").as_int64()), events);
  EXPECT_EQ(std::to_string(j.at("chains").as_int64()), chains);
  EXPECT_EQ(j.at("sheets").as_int64(), 74) << "every sheet of the table equals the replay of its chain";
  EXPECT_TRUE(j.at("failure").is_null());
  EXPECT_GT(std::stoi(chains), 74 + 1) << "74 sheets, the fiscal year and the seed's chains";

  auto text = run("audit verify");
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_TRUE(text.out.starts_with(fmt::format("OK: {} events in {} chains verified; 74 sheets", events, chains))) << text.out;
}

TEST_F(Audit, AnEventWithAFieldChangedFailsNamingItsChainAndPosition) {
  DatabaseCopy db(base->name());
  db.tamper(fmt::format("UPDATE audit_event SET changes = jsonb_set(changes, '{{grade,after}}', '\"A\"') WHERE {} AND chain_position = 2",
                        where10()));
  auto r = db.run("audit verify");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.starts_with(fmt::format("FAILED: sheet {} position 2: content changed (", *sheet10))) << r.out;
  auto j = db.run("audit verify --format json");
  EXPECT_EQ(j.exit_code, 1);
  auto f = failure_of(j);
  EXPECT_EQ(f.at("entity_type"), "sheet");
  EXPECT_EQ(f.at("entity_id"), json::value(*sheet10));
  EXPECT_EQ(f.at("position"), 2);
  EXPECT_EQ(f.at("reason"), "content changed");
}

TEST_F(Audit, ADeletedEventIsEventMissing) {
  DatabaseCopy db(base->name());
  db.tamper(fmt::format("DELETE FROM audit_event WHERE {} AND chain_position = 2", where10()));
  auto r = db.run("audit verify --format json");
  EXPECT_EQ(r.exit_code, 1);
  auto f = failure_of(r);
  EXPECT_EQ(f.at("reason"), "event missing");
  EXPECT_EQ(f.at("position"), 2);
  EXPECT_EQ(f.at("entity_id"), json::value(*sheet10));
}

TEST_F(Audit, TwoSwappedEventsAreOrderBroken) {
  DatabaseCopy db(base->name());
  db.tamper(fmt::format("UPDATE audit_event SET chain_position = 99 WHERE {0} AND chain_position = 2; "
                        "UPDATE audit_event SET chain_position = 2 WHERE {0} AND chain_position = 3; "
                        "UPDATE audit_event SET chain_position = 3 WHERE {0} AND chain_position = 99", where10()));
  auto r = db.run("audit verify --format json");
  EXPECT_EQ(r.exit_code, 1);
  auto f = failure_of(r);
  EXPECT_EQ(f.at("reason"), "order broken");
  EXPECT_EQ(f.at("position"), 2);
}

TEST_F(Audit, ASheetRowChangedWithoutAnEventDiffersFromItsHistory) {
  DatabaseCopy db(base->name());
  persistence::exec(db.owner.get(), "UPDATE sheet SET results = results || '（追記）' WHERE fiscal_year = 2019 AND sheet_no = 12", "edit");
  auto r = db.run("audit verify");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("row differs from its history"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("field results"), std::string::npos) << r.out;
}

TEST_F(Audit, TheNewestEventDroppedWithItsHeadAdjustedIsCaughtAgainstAnEarlierCheckpoint) {
  DatabaseCopy db(base->name());
  Signed s;
  sign(s, db.name());
  // The newest event of sheet 10 removed, its head set back, and the row put back as the
  // shortened history says it was: consistent in itself.
  db.tamper(fmt::format("DELETE FROM audit_event WHERE {0} AND chain_position = 3; "
                        "UPDATE audit_chain_head SET length = 2, head_hash = (SELECT hash FROM audit_event WHERE {0} AND chain_position = 2) "
                        "WHERE {0}; UPDATE sheet SET grade = 'B', version = 2 WHERE fiscal_year = 2019 AND sheet_no = 10", where10()));
  EXPECT_EQ(db.run("audit verify").exit_code, 0) << "only a checkpoint can see this";
  auto r = db.run("audit verify --format json --checkpoint " + shell_quote(s.checkpoint) + " --pubkey " + shell_quote(s.key_file + ".pub"));
  EXPECT_EQ(r.exit_code, 1);
  auto f = failure_of(r);
  EXPECT_EQ(f.at("reason"), "history no longer extends the checkpoint");
  EXPECT_EQ(f.at("entity_id"), json::value(*sheet10));
  EXPECT_EQ(f.at("position"), 3);
}

TEST_F(Audit, AChainRewrittenWholeWithItsHashesRecomputedIsCaughtAgainstTheCheckpoint) {
  DatabaseCopy db(base->name());
  Signed s;
  sign(s, db.name());
  db.tamper(fmt::format(R"(DO $$ DECLARE p integer; BEGIN
      FOR p IN 1..3 LOOP
        UPDATE audit_event SET actor = 'forger', prev_hash = (SELECT hash FROM audit_event WHERE {0} AND chain_position = p - 1)
         WHERE {0} AND chain_position = p;
        UPDATE audit_event e SET hash = sha256(audit_event_canonical(e)) WHERE {0} AND chain_position = p;
      END LOOP;
      UPDATE audit_chain_head SET head_hash = (SELECT hash FROM audit_event WHERE {0} AND chain_position = 3) WHERE {0};
    END $$)", where10()));
  EXPECT_EQ(db.run("audit verify").exit_code, 0) << "rewritten whole, the chain is consistent in itself";
  auto r = db.run("audit verify --checkpoint " + shell_quote(s.checkpoint) + " --pubkey " + shell_quote(s.key_file + ".pub"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.starts_with(fmt::format("FAILED: sheet {} position 3: history no longer extends the checkpoint (", *sheet10))) << r.out;
}

TEST_F(Audit, ACheckpointExtendedByLaterEventsStillVerifies) {
  DatabaseCopy db(base->name());
  Signed s;
  sign(s, db.name());
  edit(db.owner.get(), 10, "C", "A");
  edit(db.owner.get(), 11, "A", "B");
  auto r = db.run("audit verify --checkpoint " + shell_quote(s.checkpoint) + " --pubkey " + shell_quote(s.key_file + ".pub"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("the history extends it; signature checked against --pubkey"), std::string::npos) << r.out;
  auto unpinned = db.run("audit verify --checkpoint " + shell_quote(s.checkpoint));
  EXPECT_EQ(unpinned.exit_code, 0);
  EXPECT_NE(unpinned.out.find("signature checked only against the key the file names"), std::string::npos) << unpinned.out;
}

TEST_F(Audit, ACheckpointWithOneByteChangedHasABadSignature) {
  Signed s;
  sign(s, base->name());
  std::string text = slurp(s.checkpoint);
  auto found = text.find("\"length\":");
  ASSERT_NE(found, std::string::npos);
  auto at = found + 9;
  text[at] = text[at] == '1' ? '2' : '1';
  std::ofstream(s.checkpoint, std::ios::binary | std::ios::trunc) << text;
  auto r = run("audit verify --format json --checkpoint " + shell_quote(s.checkpoint) + " --pubkey " + shell_quote(s.key_file + ".pub"));
  EXPECT_EQ(r.exit_code, 1);
  auto f = failure_of(r);
  EXPECT_EQ(f.at("reason"), "bad signature");
  EXPECT_EQ(f.at("checkpoint"), json::value(s.checkpoint));
}

TEST_F(Audit, ACheckpointVerifiedWithAnotherPublicKeyIsRefused) {
  Signed s, other;
  sign(s, base->name());
  ASSERT_EQ(run("audit keygen --key-file " + shell_quote(other.key_file)).exit_code, 0);
  auto r = run("audit verify --checkpoint " + shell_quote(s.checkpoint) + " --pubkey " + shell_quote(other.key_file + ".pub"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("bad signature"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not the key given with --pubkey"), std::string::npos) << r.out;
  auto usage = run("audit verify --pubkey " + shell_quote(other.key_file + ".pub"));
  EXPECT_EQ(usage.exit_code, 2) << "--pubkey without --checkpoint checks nothing";
}

TEST_F(Audit, CheckpointRefusesToSignAHistoryThatDoesNotVerify) {
  DatabaseCopy db(base->name());
  Signed s;
  ASSERT_EQ(db.run("audit keygen --key-file " + shell_quote(s.key_file)).exit_code, 0);
  db.tamper(fmt::format("UPDATE audit_event SET comment = 'x' WHERE {} AND chain_position = 1", where10()));
  auto r = db.run("audit checkpoint --key-file " + shell_quote(s.key_file) + " -o " + shell_quote(s.checkpoint));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("content changed"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(s.checkpoint));
}

// ---- keygen --------------------------------------------------------------------------------------

TEST_F(Audit, KeygenWritesAPrivateKeyOnlyItsOwnerReadsAndPrintsThePublicKey) {
  TempDir home;
  auto r = run("audit keygen --format json", {{"HOME", home.path.string()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = json::parse(r.out);
  const fs::path key = home.path / ".config" / "shinchoku" / "audit-ed25519.key";
  EXPECT_EQ(j.at("key_file"), json::value(key.string()));
  struct stat st {};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string public_key(j.at("public_key").as_string());
  EXPECT_EQ(public_key.size(), 64u);
  EXPECT_EQ(slurp(key.string() + ".pub"), public_key + "\n");
  EXPECT_EQ(slurp(key).find(public_key), std::string::npos) << "the private file holds the seed, not the public key";

  auto again = run("audit keygen", {{"HOME", home.path.string()}});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(slurp(key.string() + ".pub"), public_key + "\n") << "a refused keygen changes nothing";

  auto forced = run("audit keygen --force --format json", {{"HOME", home.path.string()}});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(std::string(json::parse(forced.out).at("public_key").as_string()), public_key);
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(Audit, KeygenRefusesAPathInTheSourceTree) {
  const std::string inside = kSource + "/build/audit-test-" + std::to_string(::getpid()) + ".key";
  auto r = run("audit keygen --key-file " + shell_quote(inside));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("inside the source tree"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(inside));
  EXPECT_FALSE(fs::exists(inside + ".pub"));
}

// ---- log -----------------------------------------------------------------------------------------

TEST_F(Audit, LogListsSheetTensTimelineAsJsonJsonlAndCsv) {
  auto r = run("audit log --year 2019 --sheet 10 --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto events = json::parse(r.out).as_array();
  ASSERT_EQ(events.size(), 3u);
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i].as_object();
    EXPECT_EQ(e.at("entity_type"), "sheet");
    EXPECT_EQ(e.at("entity_id"), json::value(*sheet10));
    EXPECT_EQ(e.at("chain_position").as_int64(), static_cast<std::int64_t>(i + 1));
    for (const char* key : {"id", "occurred_at", "actor", "actor_grant", "action", "changes", "comment", "request_id", "hash"}) {
      EXPECT_TRUE(e.contains(key)) << key;
    }
    EXPECT_EQ(e.at("hash").as_string().size(), 64u);
    EXPECT_TRUE(e.at("occurred_at").as_string().ends_with("Z"));
  }
  EXPECT_EQ(events[0].at("action"), "create");
  EXPECT_EQ(events[0].at("changes").at("grade").at("after"), "A");
  EXPECT_EQ(events[0].at("changes").at("departments").at("after"), json::parse(R"(["地域福祉課", "介護保険課", "健康推進課"])"));
  EXPECT_EQ(events[2].at("changes").at("grade"), json::parse(R"({"before": "B", "after": "C"})"));
  EXPECT_EQ(events[2].at("actor_grant"), "staff@地域福祉課");

  auto jsonl = run("audit log --year 2019 --sheet 10 --format jsonl");
  ASSERT_EQ(jsonl.exit_code, 0);
  std::istringstream lines(jsonl.out);
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) EXPECT_EQ(json::parse(line), events[static_cast<std::size_t>(n)]);
  EXPECT_EQ(n, 3);

  auto csv = run("audit log --year 2019 --sheet 10 --format csv");
  ASSERT_EQ(csv.exit_code, 0);
  EXPECT_TRUE(csv.out.starts_with("\xEF\xBB\xBFid,entity_type,entity_id,chain_position,occurred_at,actor,actor_grant,action,changes,comment,"
                                  "request_id,hash\r\n"));
  std::size_t records = 0;
  for (std::size_t at = 0; (at = csv.out.find("\r\n", at)) != std::string::npos; at += 2) ++records;
  EXPECT_EQ(records, 4u) << "a header and three events; the texts' own line breaks are LF inside quotes";
  EXPECT_NE(csv.out.find(fmt::format("\r\n{},sheet,{},3,", events[2].at("id").as_int64(), *sheet10)), std::string::npos);

  auto text = run("audit log --year 2019 --sheet 10");
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find(" JST  tanaka  edit  sheet " + *sheet10 + " (2019 no. 10) #3  [grade, version]  評価をBからCへ"), std::string::npos)
      << text.out;
}

TEST_F(Audit, LogFiltersByTime) {
  auto all = json::parse(run("audit log --year 2019 --sheet 10 --format json").out).as_array();
  ASSERT_EQ(all.size(), 3u);
  const std::string second(all[1].at("occurred_at").as_string()), third(all[2].at("occurred_at").as_string());
  auto since = json::parse(run("audit log --year 2019 --sheet 10 --format json --since " + second).out).as_array();
  ASSERT_EQ(since.size(), 2u);
  EXPECT_EQ(since[0].at("chain_position"), 2);
  auto until = json::parse(run("audit log --year 2019 --sheet 10 --format json --until " + third).out).as_array();
  ASSERT_EQ(until.size(), 2u);
  EXPECT_EQ(until[1].at("chain_position"), 2);
  auto between = json::parse(run("audit log --year 2019 --sheet 10 --format json --since " + second + " --until " + third).out).as_array();
  ASSERT_EQ(between.size(), 1u);
  EXPECT_EQ(between[0].at("chain_position"), 2);
  // A bare date is 00:00 JST: the year 2000 holds none of it, 2100 all of it.
  EXPECT_EQ(json::parse(run("audit log --year 2019 --sheet 10 --format json --until 2000-01-01").out).as_array().size(), 0u);
  EXPECT_EQ(json::parse(run("audit log --year 2019 --sheet 10 --format json --since 2000-01-01 --until 2100-01-01").out).as_array().size(), 3u);
}

TEST_F(Audit, LogByActorAndByMeasureAcrossYears) {
  auto by_actor = run("audit log --actor tanaka --format jsonl");
  ASSERT_EQ(by_actor.exit_code, 0);
  EXPECT_EQ(std::count(by_actor.out.begin(), by_actor.out.end(), '\n'), 2);
  auto by_measure = run("audit log --measure M10 --format json");
  ASSERT_EQ(by_measure.exit_code, 0) << by_measure.err;
  auto events = json::parse(by_measure.out).as_array();
  ASSERT_FALSE(events.empty());
  for (const auto& e : events) EXPECT_EQ(e.at("entity_type"), "sheet");
  EXPECT_EQ(run("audit log --measure NOPE").exit_code, 1);
}

TEST_F(Audit, LogRefusesUnclearRequests) {
  EXPECT_EQ(run("audit log").exit_code, 2) << "whose history?";
  EXPECT_EQ(run("audit log --year 2019").exit_code, 2);
  EXPECT_EQ(run("audit log --sheet 10").exit_code, 2);
  EXPECT_EQ(run("audit log --year 2019 --sheet 10 --actor x").exit_code, 2);
  EXPECT_EQ(run("audit log --actor x --since yesterday").exit_code, 2);
  EXPECT_EQ(run("audit log --actor x --since 2020-04-01T09:00:00").exit_code, 2) << "a time without an offset is ambiguous";
  EXPECT_EQ(run("audit log --year 2019 --sheet 10 --format xml").exit_code, 2);
  auto missing = run("audit log --year 2019 --sheet 70");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no sheet 70"), std::string::npos) << missing.err;
}
