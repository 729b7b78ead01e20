// The workflow through the real binary: the default definition with three users, and the
// external review (外部評価) definition — another city's configuration, no code changed.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "cli_runner.hpp"
#include "test_database.hpp"

namespace json = boost::json;
using testing_support::CliResult;
using testing_support::run_shell;
using testing_support::ScratchDatabase;
using testing_support::shell_quote;

namespace {

const std::string kBinary = SHINCHOKU_BINARY;
const std::string kSource = SHINCHOKU_SOURCE_DIR;

// A city's installation: the real Honjo data, FY2019 imported, FY2020 opened, and a
// coordinator, a staff member of 地域福祉課 and an approver of 介護保険課.
class City {
 public:
  explicit City(const std::string& workflow_file) {
    config_ = std::filesystem::temp_directory_path() / fmt::format("shinchoku-{}-{}.toml", ::getpid(), counter_++);
    std::ofstream(config_) << fmt::format(R"([database]
url = ""
[plan]
code = "honjo-chiiki-fukushi"
departments = "{0}/config/honjo/departments.toml"
plan = "{0}/config/honjo/plan.toml"
structure = "{0}/config/honjo/structure.toml"
[workflow]
definition = "{0}/config/workflows/{1}"
)",
                                          kSource, workflow_file);
    expect_ok(run("migrate"));
    expect_ok(run("import " + kSource + "/data/honjo/honjo-welfare-plan-fy2019-progress.tsv --year 2019"));
    add_user("coord", "--role coordinator");
    add_user("tanaka", "--role staff --department 地域福祉課");
    add_user("kacho", "--role approver --department kaigo-hoken");
    expect_ok(run("year open 2020 --actor coord"));
  }
  ~City() { std::filesystem::remove(config_); }

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
    expect_ok(r);
  }
  static void expect_ok(const CliResult& r) { ASSERT_EQ(r.exit_code, 0) << r.out << r.err; }

  json::object sheet(int no, const std::string& actor = "") const {
    auto r = run(fmt::format("sheet show --year 2020 --sheet {} --format json{}", no, actor.empty() ? "" : " --actor " + actor));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out).as_object();
  }
  CliResult act(const std::string& action, int no, const std::string& actor, const std::string& extra = "") const {
    int version = static_cast<int>(sheet(no).at("version").as_int64());
    return run(fmt::format("sheet act {} --year 2020 --sheet {} --expect-version {} --actor {} {}", action, no, version, actor, extra));
  }
  CliResult fill(int no, const std::string& actor) const {
    int version = static_cast<int>(sheet(no).at("version").as_int64());
    return run(fmt::format("sheet edit --year 2020 --sheet {} --grade A --actions 取組 --results 成果 --next-steps 方針 "
                           "--expect-version {} --actor {}",
                           no, version, actor));
  }

  ScratchDatabase db{testing_support::Schema::migrated};

 private:
  std::filesystem::path config_;
  static inline int counter_ = 0;
};

std::vector<std::string> strings(const json::value& v) {
  std::vector<std::string> out;
  for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
  return out;
}

}  // namespace

TEST(CliWorkflow, OpenedYearCarriesLastYearsGradeAndNextSteps) {
  City city("default.toml");
  auto s = city.sheet(10, "tanaka");
  EXPECT_EQ(s.at("state").as_string(), "draft");
  EXPECT_TRUE(s.at("grade").is_null());
  EXPECT_EQ(s.at("actions").as_string(), "");
  EXPECT_EQ(s.at("previous").at("grade").as_string(), "A");
  EXPECT_TRUE(s.at("previous").at("next_steps").as_string().starts_with("今後の"));
  EXPECT_EQ(strings(s.at("allowed_actions")), std::vector<std::string>{"submit"});
  EXPECT_TRUE(s.at("editable").as_bool());
  auto status = city.run("year status 2020 --format json");
  EXPECT_EQ(json::parse(status.out).at("counts").at("draft").at("none").as_int64(), 74);
  EXPECT_NE(city.run("year open 2020 --actor coord").err.find("already"), std::string::npos) << "a year is opened once";
}

TEST(CliWorkflow, ThreeUsersTakeASheetThroughTheDefaultWorkflow) {
  City city("default.toml");
  City::expect_ok(city.fill(10, "tanaka"));
  City::expect_ok(city.act("submit", 10, "tanaka"));
  auto refused = city.act("accept", 10, "coord");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("accept applies only when it is approved"), std::string::npos) << refused.err;
  City::expect_ok(city.act("return", 10, "kacho", "--comment 成果を具体的に"));
  City::expect_ok(city.fill(10, "tanaka"));  // same values: nothing changes, nothing is written
  City::expect_ok(city.act("submit", 10, "tanaka"));
  City::expect_ok(city.act("approve", 10, "kacho"));
  City::expect_ok(city.act("accept", 10, "coord"));
  EXPECT_EQ(city.sheet(10).at("state").as_string(), "accepted");
  auto log = city.run("audit log --year 2020 --sheet 10 --format json");
  ASSERT_EQ(log.exit_code, 0) << log.err;
  std::vector<std::string> actions;
  const json::value events = json::parse(log.out);
  for (const auto& e : events.as_array()) actions.emplace_back(e.at("action").as_string());
  EXPECT_EQ(actions, (std::vector<std::string>{"create", "edit", "submit", "return", "submit", "approve", "accept"}));
  auto verify = city.run("audit verify --format json");
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_TRUE(json::parse(verify.out).at("ok").as_bool());
}

TEST(CliWorkflow, StaffOfAnotherDepartmentAndAnApproverCannotEdit) {
  City city("default.toml");
  city.add_user("hoiku", "--role staff --department 保育課");
  auto r = city.fill(10, "hoiku");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("hoiku may not edit sheet 10 of 2020"), std::string::npos) << r.err;
  EXPECT_EQ(city.fill(10, "kacho").exit_code, 1);
  EXPECT_EQ(city.sheet(10).at("version").as_int64(), 1) << "nothing was written";
}

TEST(CliWorkflow, ClosedYearCannotCloseUntilEverySheetIsAcceptedAndIsReadOnlyAfter) {
  City city("default.toml");
  auto r = city.run("year close 2020 --actor coord");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("74 sheets are not accepted yet"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sheet 1 (draft)"), std::string::npos) << r.err;
  // Admins may close a year as over HTTP (and get the same check); staff may not.
  city.add_user("kanri", "--role admin");
  auto admin = city.run("year close 2020 --actor kanri");
  EXPECT_EQ(admin.exit_code, 1);
  EXPECT_NE(admin.err.find("74 sheets are not accepted yet"), std::string::npos) << admin.err;
  auto staff = city.run("year close 2020 --actor tanaka");
  EXPECT_EQ(staff.exit_code, 1);
  EXPECT_EQ(staff.err.find("74 sheets"), std::string::npos) << staff.err;
  EXPECT_NE(staff.err.find("close a fiscal year"), std::string::npos) << staff.err;
  // FY2019 is the imported, closed year: read-only.
  auto edit = city.run("sheet edit --year 2019 --sheet 10 --grade B --expect-version 1 --actor coord");
  EXPECT_EQ(edit.exit_code, 1);
  EXPECT_NE(edit.err.find("closed"), std::string::npos) << edit.err;
}

TEST(CliWorkflow, ExternalReviewStageRunsFromConfigurationAlone) {
  City city("external-review.toml");
  city.add_user("iin", "--role committee");
  City::expect_ok(city.fill(10, "tanaka"));
  City::expect_ok(city.act("submit", 10, "tanaka"));
  City::expect_ok(city.act("approve", 10, "kacho"));
  City::expect_ok(city.act("accept", 10, "coord"));
  EXPECT_EQ(city.sheet(10).at("state").as_string(), "under_review");
  EXPECT_EQ(strings(city.sheet(10, "iin").at("allowed_actions")), (std::vector<std::string>{"conclude", "refer_back"}));
  EXPECT_EQ(city.act("conclude", 10, "iin").exit_code, 1) << "conclude needs a comment";
  City::expect_ok(city.act("conclude", 10, "iin", "--comment 妥当と認める"));
  EXPECT_EQ(city.sheet(10).at("state").as_string(), "accepted");
  EXPECT_EQ(city.run("audit verify").exit_code, 0);
}
