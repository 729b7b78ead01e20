// command_throughput — commands per second through the command service (engine::CommandService
// on persistence::PgSheetStore), beside pgbench running the same SQL transaction on the same
// data in the same process run (bench/workflow.md).
//
//   command_throughput [--threads 1,4,16] [--seconds 10] [--runs 3] [--sheets 192]
//                      [--pgbench PATH] [--script NAME=FILE[@simple|extended|prepared]]…
//                      [--script-threads NAME=T,T…]… [--no-verify]
//
// Needs SHINCHOKU_DATABASE_OWNER_URL (the owner role, which may create databases) and
// SHINCHOKU_DATABASE_URL (the application role): eval "$(scripts/pg env)".
//
// It creates a scratch database (a copy of the migrated template the tests use), seeds a plan of
// as many measures as sheets, opens fiscal year 2020 and adds one draft sheet per measure with
// persistence::add_sheet, then edits each sheet once so that every sheet's 取組内容 is
// bench_text(version) — the invariant the pgbench scripts rely on to write the same "before"
// values the service writes. Then, `runs` times, for every thread count T:
//   - service: T threads, each with its own session, PgSheetStore and CommandService, each owning
//     the sheets whose index ≡ thread (mod T) (so no two writers ever meet on a sheet), send
//     EditFields{actions = bench_text(v + 1)} with expected_version v, round robin over their
//     sheets, for `seconds`; committed commands / elapsed seconds;
//   - each pgbench script: `pgbench -n -M MODE -c T -j T -T seconds -f FILE` as the application role
//     (MODE: the query protocol after '@', simple when none is given; only at the thread counts
//     --script-threads gives for it, when it gives some),
//     client c drawing its sheet from the same residue class (pgbench's :client_id), so the same
//     partition; pgbench's tps without connection time.
// Odd runs measure the service first, even runs pgbench first. Before each measurement the owner
// vacuums sheet and audit_chain_head (both small, both updated in place by every command).
// At the end `verify_audit` checks every chain and every sheet row against its replay: the
// service's events and pgbench's events both have to be right for it to pass.
//
// Output: one line per measurement,
//   RESULT run=R threads=T kind=service|pgbench:NAME rate=X count=N seconds=S
// then a summary (medians per kind and T, and the ratio service/pgbench:NAME).
// The scratch database is dropped at the end, also after SIGINT/SIGTERM.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <libpq-fe.h>
#include <soci/soci.h>

#include "default_workflow.hpp"
#include "engine/sheet_commands.hpp"
#include "persistence/audit_verify.hpp"
#include "persistence/connection.hpp"
#include "persistence/database.hpp"
#include "persistence/seed.hpp"
#include "persistence/sheet_store.hpp"
#include "persistence/sheets.hpp"
#include "test_database.hpp"

namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_interrupted{false};
extern "C" void on_signal(int) { g_interrupted = true; }

constexpr int kYear = 2020;
constexpr const char* kPlan = "bench";
constexpr const char* kDepartment = "地域福祉課";
constexpr const char* kDepartmentCode = "chiiki-fukushi";

// 取組内容 at a version: about 330 bytes of Japanese text, the size of a real sheet's field.
// bench/pgbench/*.sql spell the same text in SQL: '第' || v || '版 ' || repeat('…', 8).
std::string bench_text(int version) {
  std::string filler;
  for (int i = 0; i < 8; ++i) filler += "地域の見守り活動を進めた。";
  return fmt::format("第{}版 {}", version, filler);
}

// One strategy > policy > focus and `n` measures M001…, each with one sheet number.
model::PlanSeed bench_seed(int n) {
  model::PlanSeed s;
  s.departments = {{kDepartmentCode, kDepartment, model::DepartmentKind::city, {}},
                   {"kaigo-hoken", "介護保険課", model::DepartmentKind::city, {}}};
  s.plan = {kPlan, "ベンチマーク計画", 2019, 2023,
            {{"A", "達成", true, false}, {"B", "未達成", true, false}, {"C", "検討中", false, true}, {"D", "中止", false, false, true}}};
  s.structure.strategies = {{"S1", "1 市民の生活を支える仕組みづくり"}};
  s.structure.policies = {{"S1-P1", "S1", "(1) 相談支援の仕組みづくり"}};
  s.structure.focuses = {{"S1-P1-F1", "S1-P1", "① 包括的な相談支援体制の構築"}};
  for (int i = 1; i <= n; ++i) {
    model::Measure m;
    m.id = fmt::format("M{:03}", i);
    m.policy_id = "S1-P1";
    m.focus_id = "S1-P1-F1";
    m.number = i;
    m.title = fmt::format("施策{}", i);
    m.plan_page = 70 + i % 50;
    m.related_departments = {kDepartment};
    m.schedule = {"検討", "", "実施", "", "実施"};
    m.sheets = {i};
    s.structure.measures.push_back(m);
  }
  return s;
}

const model::Workflow kWorkflow = testing_support::default_workflow();
const model::GradeScale kGrades(bench_seed(0).plan.grades);
const model::Actor kStaff{"bench-staff", {{"staff", std::string(kDepartment), std::string(kDepartmentCode)}}};

engine::Command edit_to(int version) {
  return {engine::EditFields{std::nullopt, bench_text(version + 1), std::nullopt, std::nullopt}, version, std::nullopt};
}

struct Options {
  std::vector<int> threads{1, 4, 16};
  int seconds = 10;
  int runs = 3;
  int sheets = 192;
  std::string pgbench;
  struct Script {
    std::string name, file, mode;  // mode: pgbench's -M (query protocol)
  };
  std::vector<Script> scripts;
  std::map<std::string, std::vector<int>> script_threads;  // a script run only at these thread counts
  bool verify = true;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "command_throughput: %s\n"
               "usage: command_throughput [--threads 1,4,16] [--seconds 10] [--runs 3] [--sheets 192]\n"
               "                          [--pgbench PATH] [--script NAME=FILE[@simple|extended|prepared]]...\n"
               "                          [--script-threads NAME=T,T...]... [--no-verify]\n",
               why.c_str());
  std::exit(2);
}

int positive(const std::string& flag, const std::string& v) {
  try {
    std::size_t used = 0;
    int n = std::stoi(v, &used);
    if (used == v.size() && n > 0) return n;
  } catch (...) {
  }
  usage(fmt::format("{} wants a positive number, not {:?}", flag, v));
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--threads") {
      o.threads.clear();
      std::string v = value();
      std::size_t start = 0;
      while (start <= v.size()) {
        std::size_t comma = v.find(',', start);
        o.threads.push_back(positive(a, v.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (a == "--seconds") {
      o.seconds = positive(a, value());
    } else if (a == "--runs") {
      o.runs = positive(a, value());
    } else if (a == "--sheets") {
      o.sheets = positive(a, value());
    } else if (a == "--pgbench") {
      o.pgbench = value();
    } else if (a == "--script") {
      std::string v = value();
      auto eq = v.find('=');
      if (eq == std::string::npos || eq == 0) usage("--script wants NAME=FILE[@simple|extended|prepared]");
      std::string file = v.substr(eq + 1), mode = "simple";
      if (auto at = file.rfind('@'); at != std::string::npos) {
        mode = file.substr(at + 1);
        file = file.substr(0, at);
      }
      if (mode != "simple" && mode != "extended" && mode != "prepared") usage(fmt::format("unknown pgbench protocol {:?}", mode));
      o.scripts.push_back({v.substr(0, eq), file, mode});
    } else if (a == "--script-threads") {
      std::string v = value();
      auto eq = v.find('=');
      if (eq == std::string::npos || eq == 0) usage("--script-threads wants NAME=T,T…");
      std::vector<int>& list = o.script_threads[v.substr(0, eq)];
      std::string rest = v.substr(eq + 1);
      std::size_t start = 0;
      while (start <= rest.size()) {
        std::size_t comma = rest.find(',', start);
        list.push_back(positive(a, rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (a == "--no-verify") {
      o.verify = false;
    } else if (a == "-h" || a == "--help") {
      usage("help");
    } else {
      usage(fmt::format("unknown argument {:?}", a));
    }
  }
  const int most = *std::max_element(o.threads.begin(), o.threads.end());
  if (o.sheets < most) usage(fmt::format("--sheets {} is fewer than the {} threads: every thread needs a sheet of its own", o.sheets, most));
  if (o.pgbench.empty()) {
    o.pgbench = std::filesystem::exists("/usr/lib/postgresql/15/bin/pgbench") ? "/usr/lib/postgresql/15/bin/pgbench" : "pgbench";
  }
  for (const auto& s : o.scripts) {
    if (!std::filesystem::exists(s.file)) usage(fmt::format("no pgbench script {}", s.file));
  }
  return o;
}

struct Measurement {
  long long count = 0;
  double seconds = 0;
  double rate() const { return seconds > 0 ? count / seconds : 0; }
};

// T threads through the command service for `seconds`; sheets[i] belongs to thread i % T.
Measurement run_service(const std::string& app_url, const std::vector<long long>& sheets, int threads, int seconds) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<long long> total{0};
  std::mutex error_mutex;
  std::optional<std::string> error;
  Clock::time_point start, deadline;
  std::vector<Clock::time_point> ends(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      try {
        soci::session sql;
        persistence::open_session(sql, app_url);
        persistence::PgSheetStore store(sql);
        engine::CommandService service(store, {kWorkflow, kGrades, true});
        // This thread's sheets and their versions now (pgbench may have moved them on).
        std::vector<std::pair<long long, int>> mine;
        for (std::size_t i = t; i < sheets.size(); i += threads) {
          auto d = persistence::find_sheet(sql, {sheets[i], std::nullopt, std::nullopt});
          if (!d) throw std::runtime_error(fmt::format("sheet id {} is gone", sheets[i]));
          mine.emplace_back(sheets[i], d->state.sheet.version);
        }
        ++ready;
        while (!go) std::this_thread::yield();
        long long n = 0;
        std::size_t k = 0;
        while (Clock::now() < deadline && !g_interrupted) {
          auto& [id, version] = mine[k];
          auto decision = service.execute({id, std::nullopt, std::nullopt}, edit_to(version), kStaff, fmt::format("bench-{}-{}", t, n));
          version = decision.after.sheet.version;
          ++n;
          k = (k + 1) % mine.size();
        }
        ends[t] = Clock::now();
        total += n;
      } catch (const std::exception& e) {
        std::lock_guard lock(error_mutex);
        if (!error) error = fmt::format("thread {}: {}", t, e.what());
        ends[t] = Clock::now();
        ++ready;
      }
    });
  }
  while (ready < threads) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  start = Clock::now();
  deadline = start + std::chrono::seconds(seconds);
  go = true;
  for (auto& th : pool) th.join();
  if (error) throw std::runtime_error(*error);
  Measurement m;
  m.count = total;
  m.seconds = std::chrono::duration<double>(*std::max_element(ends.begin(), ends.end()) - start).count();
  return m;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// pgbench as the application role: the connection goes through PG* variables, so that no
// password appears in a command line.
Measurement run_pgbench(const Options& o, const std::string& app_conninfo, const Options::Script& script, long long first_id,
                        int sheets, int clients, const std::string& log_name) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(app_conninfo.c_str(), &err);
  if (opts == nullptr) {
    std::string why = err ? err : "?";
    PQfreemem(err);
    throw std::runtime_error("cannot parse the application conninfo: " + why);
  }
  std::map<std::string, std::string> env;
  for (auto* p = opts; p->keyword != nullptr; ++p) {
    if (p->val == nullptr) continue;
    std::string k = p->keyword;
    if (k == "host") env["PGHOST"] = p->val;
    else if (k == "hostaddr") env["PGHOSTADDR"] = p->val;
    else if (k == "port") env["PGPORT"] = p->val;
    else if (k == "user") env["PGUSER"] = p->val;
    else if (k == "password") env["PGPASSWORD"] = p->val;
    else if (k == "dbname") env["PGDATABASE"] = p->val;
  }
  PQconninfoFree(opts);
  for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
  const int per_client = sheets / clients;
  const std::string cmd = fmt::format(
      "{} -n -M {} -c {} -j {} -T {} -D first_id={} -D clients={} -D per_client={} -f {} 2>&1", shell_quote(o.pgbench), script.mode,
      clients, clients, o.seconds, first_id, clients, per_client, shell_quote(script.file));
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + o.pgbench);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int status = ::pclose(pipe);
  for (const auto& [k, v] : env) ::unsetenv(k.c_str());
  std::smatch tps, done, failed;
  const bool ok_tps = std::regex_search(out, tps, std::regex(R"(tps = ([0-9.]+) \(without initial connection time\))"));
  const bool ok_done = std::regex_search(out, done, std::regex(R"(number of transactions actually processed: ([0-9]+))"));
  if (status != 0 || !ok_tps || !ok_done) {
    throw std::runtime_error(fmt::format("{} failed (status {}):\n{}", log_name, status, out));
  }
  if (std::regex_search(out, failed, std::regex(R"(number of failed transactions: ([0-9]+))")) && std::stoll(failed[1]) != 0) {
    throw std::runtime_error(fmt::format("{}: {} transactions failed:\n{}", log_name, failed[1].str(), out));
  }
  Measurement m;
  m.count = std::stoll(done[1]);
  m.seconds = m.count / std::stod(tps[1]);
  return m;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    testing_support::ScratchDatabase db{testing_support::Schema::migrated};
    std::fprintf(stderr, "command_throughput: scratch database %s; seeding %d sheets\n", db.name().c_str(), o.sheets);
    std::vector<long long> sheets;
    {
      soci::session sql;
      persistence::open_session(sql, db.owner_url());
      persistence::apply_seed(sql, bench_seed(o.sheets), "cli:bench", "bench-seed");
      sql << "INSERT INTO fiscal_year (year, plan_id, state) SELECT :year, id, 'open' FROM plan WHERE code = :code",
          soci::use(kYear, "year"), soci::use(std::string(kPlan), "code");
      for (int i = 1; i <= o.sheets; ++i) {
        sheets.push_back(persistence::add_sheet(sql, kPlan, kYear, fmt::format("M{:03}", i), {kDepartment}, i, "draft",
                                                {"cli:bench", "coordinator", "bench-add"})
                             .first);
      }
    }
    {
      // One edit each through the service: from here on every sheet's 取組内容 is bench_text(version).
      soci::session sql;
      persistence::open_session(sql, db.app_url());
      persistence::PgSheetStore store(sql);
      engine::CommandService service(store, {kWorkflow, kGrades, true});
      for (long long id : sheets) service.execute({id, std::nullopt, std::nullopt}, edit_to(1), kStaff, "bench-first");
    }
    for (std::size_t i = 1; i < sheets.size(); ++i) {
      if (sheets[i] != sheets[0] + static_cast<long long>(i)) throw std::runtime_error("sheet ids are not consecutive");
    }

    auto vacuum = [&] {
      auto conn = persistence::connect_libpq(db.owner_url());
      persistence::exec(conn.get(), "VACUUM (ANALYZE) sheet, audit_chain_head", "vacuum");
    };
    std::map<std::pair<std::string, int>, std::vector<double>> rates;
    std::vector<std::string> kinds{"service"};
    for (const auto& s : o.scripts) kinds.push_back("pgbench:" + s.name);
    for (int run = 1; run <= o.runs && !g_interrupted; ++run) {
      for (int threads : o.threads) {
        std::vector<std::string> order = kinds;
        if (run % 2 == 0) std::rotate(order.begin(), order.begin() + 1, order.end());
        for (const auto& kind : order) {
          if (g_interrupted) break;
          if (kind != "service") {
            auto only = o.script_threads.find(kind.substr(8));
            if (only != o.script_threads.end() && std::find(only->second.begin(), only->second.end(), threads) == only->second.end()) continue;
          }
          vacuum();
          Measurement m;
          if (kind == "service") {
            m = run_service(db.app_url(), sheets, threads, o.seconds);
          } else {
            const std::string name = kind.substr(8);
            const auto& script = *std::find_if(o.scripts.begin(), o.scripts.end(), [&](const auto& s) { return s.name == name; });
            m = run_pgbench(o, db.app_url(), script, sheets[0], static_cast<int>(sheets.size()), threads, kind);
          }
          if (g_interrupted) break;
          rates[{kind, threads}].push_back(m.rate());
          std::printf("RESULT run=%d threads=%d kind=%s rate=%.1f count=%lld seconds=%.2f\n", run, threads, kind.c_str(), m.rate(), m.count,
                      m.seconds);
          std::fflush(stdout);
        }
      }
    }
    if (g_interrupted) {
      std::fprintf(stderr, "command_throughput: interrupted; dropping %s\n", db.name().c_str());
      return 130;
    }
    if (o.verify) {
      soci::session sql;
      persistence::open_session(sql, db.owner_url());
      const auto t0 = Clock::now();
      auto report = persistence::verify_audit(sql, {});
      const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
      std::printf("VERIFY %s events=%lld chains=%lld sheets=%lld seconds=%.1f\n", report.ok() ? "ok" : "FAILED", report.events, report.chains,
                  report.sheets, secs);
      if (!report.ok()) {
        std::fprintf(stderr, "%s", persistence::verify_report_text(report).c_str());
        return 1;
      }
    }
    std::printf("\nthreads");
    for (const auto& k : kinds) std::printf("\t%s (median/s)", k.c_str());
    for (std::size_t i = 1; i < kinds.size(); ++i) std::printf("\tservice/%s", kinds[i].c_str());
    std::printf("\n");
    for (int threads : o.threads) {
      std::printf("%d", threads);
      for (const auto& k : kinds) {
        if (rates[{k, threads}].empty()) std::printf("\t-");
        else std::printf("\t%.1f", median(rates[{k, threads}]));
      }
      for (std::size_t i = 1; i < kinds.size(); ++i) {
        if (rates[{kinds[i], threads}].empty()) std::printf("\t-");
        else std::printf("\t%.0f%%", 100.0 * median(rates[{"service", threads}]) / median(rates[{kinds[i], threads}]));
      }
      std::printf("\n");
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "command_throughput: %s\n", e.what());
    return 1;
  }
}
