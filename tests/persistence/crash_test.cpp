// A process killed with SIGKILL in the middle of its commands loses nothing it acknowledged
// and leaves no half-written change: the audit trail verifies and every sheet equals the
// replay of its own events.
#include <gtest/gtest.h>

#include <csignal>
#include <random>
#include <sys/wait.h>
#include <unistd.h>

#include "default_workflow.hpp"
#include "persistence/audit_log.hpp"
#include "persistence/audit_verify.hpp"
#include "persistence/database.hpp"
#include "persistence/migrator.hpp"
#include "persistence/seed.hpp"
#include "persistence/sheet_store.hpp"
#include "persistence/sheets.hpp"
#include "small_plan.hpp"
#include "test_database.hpp"

namespace {

// The child: edits the sheets round robin for ever, writing "<sheet id> <version>\n" to `out`
// after each commit. It never returns.
[[noreturn]] void stream_commands(const std::string& url, const std::vector<long long>& sheets, int out) {
  try {
    const auto workflow = testing_support::default_workflow();
    const model::GradeScale grades(testing_support::small_seed().plan.grades);
    soci::session sql;
    persistence::open_session(sql, url);
    persistence::PgSheetStore store(sql);
    engine::CommandService service(store, {workflow, grades, true});
    model::Actor staff{"tanaka", {{"staff", "地域福祉課"}}};
    for (long long n = 0;; ++n) {
      long long id = sheets[static_cast<std::size_t>(n) % sheets.size()];
      int version = persistence::find_sheet(sql, {id, std::nullopt, std::nullopt})->state.sheet.version;
      engine::Command edit{engine::EditFields{std::nullopt, fmt::format("取組 {}", n), std::nullopt, std::nullopt}, version, std::nullopt};
      auto d = service.execute({id, std::nullopt, std::nullopt}, edit, staff, fmt::format("crash-{}", n));
      std::string ack = fmt::format("{} {}\n", id, d.after.sheet.version);
      if (::write(out, ack.data(), ack.size()) != static_cast<ssize_t>(ack.size())) ::_exit(3);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "child: %s\n", e.what());
    ::_exit(2);
  }
}

}  // namespace

TEST(Crash, KilledWriterLosesNothingItAcknowledged) {
  testing_support::ScratchDatabase db{testing_support::Schema::migrated};
  {
  }
  std::vector<long long> sheets;
  {
    soci::session sql;
    persistence::open_session(sql, db.owner_url());
    persistence::apply_seed(sql, testing_support::small_seed(), "test", "t-seed");
    sql << "INSERT INTO fiscal_year (year, plan_id, state) SELECT 2020, id, 'open' FROM plan";
    persistence::SheetChange change{"cli:test", "coordinator", "t-add"};
    sheets.push_back(persistence::add_sheet(sql, "honjo", 2020, "M01", {"地域福祉課"}, 1, "draft", change).first);
    sheets.push_back(persistence::add_sheet(sql, "honjo", 2020, "M01", {"地域福祉課", "介護保険課"}, 2, "draft", change).first);
    sheets.push_back(persistence::add_sheet(sql, "honjo", 2020, "M02", {"地域福祉課"}, 3, "draft", change).first);
  }

  const unsigned seed = std::random_device{}();
  std::printf("crash test seed: %u\n", seed);
  std::mt19937 random(seed);
  std::map<long long, int> acknowledged;  // sheet id -> highest version acknowledged
  int total_acks = 0;
  for (int round = 0; round < 20; ++round) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    std::fflush(nullptr);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(pipe_fds[0]);
      stream_commands(db.app_url(), sheets, pipe_fds[1]);
    }
    ::close(pipe_fds[1]);
    ::usleep(std::uniform_int_distribution<int>(50'000, 400'000)(random));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "round " << round << ": the child ended by itself (status " << status << ")";
    std::string acks;
    char buf[4096];
    for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) acks.append(buf, static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
    std::istringstream lines(acks);
    long long id = 0;
    int version = 0;
    while (lines >> id >> version) {
      acknowledged[id] = std::max(acknowledged[id], version);
      ++total_acks;
    }
  }
  std::printf("acknowledged commands: %d\n", total_acks);
  ASSERT_GT(total_acks, 0) << "the child never got a command through";

  soci::session sql;
  persistence::open_session(sql, db.owner_url());
  for (const auto& [id, version] : acknowledged) {
    auto now = persistence::find_sheet(sql, {id, std::nullopt, std::nullopt})->state.sheet;
    EXPECT_GE(now.version, version) << "sheet " << id << " lost an acknowledged command";
    // The acknowledged version is in the sheet's own history.
    auto events = persistence::sheet_events(sql, id);
    bool found = std::any_of(events.begin(), events.end(), [&](const auto& e) {
      const auto* v = e.changes.if_contains("version");
      return v != nullptr && v->at("after").is_int64() && v->at("after").as_int64() == version;
    });
    EXPECT_TRUE(found) << "sheet " << id << " version " << version << " has no event";
  }
  auto report = persistence::verify_audit(sql, {});
  EXPECT_TRUE(report.ok()) << persistence::verify_report_text(report);
  EXPECT_EQ(report.sheets, 3);
}
