#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "app/config.hpp"

namespace {

namespace fs = std::filesystem;

// A config folder of its own per test, with the seed files the [plan] table names and the
// shipped workflow definition the [workflow] table names.
class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("shinchoku-config-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ / "honjo");
    std::ofstream(dir_ / "honjo" / "departments.toml") << "";
    std::ofstream(dir_ / "honjo" / "plan.toml") << "";
    fs::create_directories(dir_ / "workflows");
    fs::copy_file(fs::path(SHINCHOKU_SOURCE_DIR) / "config" / "workflows" / "default.toml", dir_ / "workflows" / "default.toml");
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& text) {
    auto path = dir_ / "shinchoku.toml";
    std::ofstream(path) << text;
    return path;
  }

  app::Config load(const std::string& text) { return app::load_config(write(text), env()); }

  app::Environment env() {
    return [this](std::string_view name) -> std::optional<std::string> {
      auto it = vars_.find(std::string(name));
      if (it == vars_.end()) return std::nullopt;
      return it->second;
    };
  }

  // The error message of loading `text`, or "" when it loads.
  std::string refusal(const std::string& text) {
    try {
      load(text);
    } catch (const app::ConfigError& e) {
      return e.what();
    }
    return "";
  }

  // The required tables after [database]: [plan] and [workflow].
  static constexpr const char* kPlan = R"(
[plan]
code = "honjo"
departments = "honjo/departments.toml"
plan = "honjo/plan.toml"

[workflow]
definition = "workflows/default.toml"
)";

  static constexpr const char* kPlanOnly = R"(
[plan]
code = "honjo"
departments = "honjo/departments.toml"
plan = "honjo/plan.toml"
)";
  static constexpr const char* kDatabase = "[database]\nurl = \"postgresql://a@h/db\"\n";

  fs::path dir_;
  std::map<std::string, std::string> vars_;
};

}  // namespace

TEST_F(ConfigFile, LoadsAMinimalFileWithDefaults) {
  auto cfg = load(std::string("[database]\nurl = \"postgresql://app:pw@127.0.0.1:5432/db\"\n") + kPlan);
  EXPECT_EQ(cfg.database.url, "postgresql://app:pw@127.0.0.1:5432/db");
  EXPECT_EQ(cfg.database.owner_url, "");
  EXPECT_EQ(cfg.migration_url(), cfg.database.url);
  EXPECT_EQ(cfg.database.pool_size, 4);
  EXPECT_EQ(cfg.server.listen, "127.0.0.1:8080");
  EXPECT_EQ(cfg.log.level, "info");
  EXPECT_EQ(cfg.plan.departments, dir_ / "honjo" / "departments.toml");
  EXPECT_EQ(cfg.workflow.definition, dir_ / "workflows" / "default.toml");
  EXPECT_TRUE(cfg.workflow.separation_of_duties);
}

TEST_F(ConfigFile, EnvironmentOverridesTheDatabaseUrls) {
  vars_["SHINCHOKU_DATABASE_URL"] = "postgresql://app:envpw@127.0.0.1:6000/db";
  vars_["SHINCHOKU_DATABASE_OWNER_URL"] = "postgresql://owner:ownerpw@127.0.0.1:6000/db";
  auto cfg = load(std::string("[database]\nurl = \"postgresql://file@h/db\"\n") + kPlan);
  EXPECT_EQ(cfg.database.url, "postgresql://app:envpw@127.0.0.1:6000/db");
  EXPECT_EQ(cfg.database.url_from, "SHINCHOKU_DATABASE_URL");
  EXPECT_EQ(cfg.migration_url(), "postgresql://owner:ownerpw@127.0.0.1:6000/db");
}

TEST_F(ConfigFile, DescribeMasksPasswords) {
  vars_["SHINCHOKU_DATABASE_URL"] = "postgresql://app:s3cret-app@127.0.0.1:6000/db";
  vars_["SHINCHOKU_DATABASE_OWNER_URL"] = "postgresql://owner:s3cret-owner@127.0.0.1:6000/db";
  auto text = app::describe(load(kPlan));
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
  EXPECT_NE(text.find("postgresql://app:***@127.0.0.1:6000/db"), std::string::npos) << text;
  EXPECT_NE(text.find("from SHINCHOKU_DATABASE_URL"), std::string::npos) << text;
}

TEST_F(ConfigFile, RefusesAnUnknownKeyWithFileLineAndKey) {
  auto why = refusal(std::string("[database]\nurl = \"postgresql://a@h/db\"\nurll = \"x\"\n") + kPlan);
  EXPECT_NE(why.find("shinchoku.toml:3: database.urll: unknown key"), std::string::npos) << why;
}

TEST_F(ConfigFile, RefusesAnUnknownSection) {
  auto why = refusal(std::string("[databse]\nurl = \"x\"\n") + kPlan);
  EXPECT_NE(why.find("shinchoku.toml:1: databse: unknown key"), std::string::npos) << why;
}

TEST_F(ConfigFile, RefusesAWrongType) {
  auto why = refusal(std::string("[database]\nurl = \"postgresql://a@h/db\"\npool_size = \"four\"\n") + kPlan);
  EXPECT_NE(why.find("shinchoku.toml:3: database.pool_size: must be an integer, not a string"), std::string::npos) << why;
}

TEST_F(ConfigFile, RefusesAValueOutOfRange) {
  auto why = refusal(std::string("[database]\nurl = \"postgresql://a@h/db\"\npool_size = 0\n") + kPlan);
  EXPECT_NE(why.find("database.pool_size: 0 is outside 1–256"), std::string::npos) << why;
}

TEST_F(ConfigFile, RefusesAMissingDatabaseUrl) {
  auto why = refusal(std::string("[database]\nurl = \"\"\n") + kPlan);
  EXPECT_NE(why.find("shinchoku.toml:2: database.url: is required"), std::string::npos) << why;
  EXPECT_NE(refusal(kPlan).find("database.url: is required"), std::string::npos);
}

TEST_F(ConfigFile, RefusesAMalformedDatabaseUrlWithoutEchoingIt) {
  vars_["SHINCHOKU_DATABASE_URL"] = "postgresql://app:topsecret@host/db?nosuchoption=1";
  auto why = refusal(kPlan);
  EXPECT_NE(why.find("database.url (from SHINCHOKU_DATABASE_URL)"), std::string::npos) << why;
  EXPECT_EQ(why.find("topsecret"), std::string::npos) << why;
}

TEST_F(ConfigFile, RefusesABadLogLevelAndListenAddress) {
  std::string db = "[database]\nurl = \"postgresql://a@h/db\"\n";
  EXPECT_NE(refusal(db + "[log]\nlevel = \"loud\"\n" + kPlan).find("shinchoku.toml:4: log.level"), std::string::npos);
  EXPECT_NE(refusal(db + "[server]\nlisten = \"8080\"\n" + kPlan).find("server.listen"), std::string::npos);
  EXPECT_NE(refusal(db + "[server]\nlisten = \"127.0.0.1:99999\"\n" + kPlan).find("server.listen"), std::string::npos);
}

TEST_F(ConfigFile, RefusesMissingPlanFiles) {
  std::string db = "[database]\nurl = \"postgresql://a@h/db\"\n";
  auto why = refusal(db + "[plan]\ncode = \"honjo\"\ndepartments = \"nowhere.toml\"\nplan = \"honjo/plan.toml\"\n");
  EXPECT_NE(why.find("plan.departments"), std::string::npos) << why;
  EXPECT_NE(why.find("does not exist"), std::string::npos) << why;
  EXPECT_NE(refusal(db + "[plan]\ndepartments = \"honjo/departments.toml\"\nplan = \"honjo/plan.toml\"\n").find("plan.code: is required"),
            std::string::npos);
}

TEST_F(ConfigFile, RefusesASyntaxErrorWithLineAndColumn) {
  auto why = refusal("[database\nurl = 1\n");
  EXPECT_NE(why.find("shinchoku.toml:1:"), std::string::npos) << why;
}

TEST_F(ConfigFile, RefusesAMissingFile) {
  try {
    app::load_config(dir_ / "absent.toml", env());
    FAIL() << "loaded a file that does not exist";
  } catch (const app::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.toml: the configuration file does not exist"), std::string::npos);
  }
}

TEST_F(ConfigFile, ShippedConfigurationLoads) {
  vars_["SHINCHOKU_DATABASE_URL"] = "postgresql://app:pw@127.0.0.1:5432/db";
  auto cfg = app::load_config(fs::path(SHINCHOKU_SOURCE_DIR) / "config" / "shinchoku.toml", env());
  EXPECT_EQ(cfg.plan.code, "honjo-chiiki-fukushi");
  EXPECT_EQ(cfg.workflow.definition, fs::path(SHINCHOKU_SOURCE_DIR) / "config" / "workflows" / "default.toml");
  EXPECT_TRUE(cfg.workflow.separation_of_duties);
}

TEST_F(ConfigFile, ConfigPathComesFromTheEnvironmentFirst) {
  vars_["SHINCHOKU_CONFIG"] = "/etc/shinchoku/custom.toml";
  EXPECT_EQ(app::default_config_path(env()), fs::path("/etc/shinchoku/custom.toml"));
}

TEST_F(ConfigFile, ReadsSeparationOfDutiesAndDescribesTheWorkflow) {
  auto cfg = load(std::string(kDatabase) + kPlan + "separation_of_duties = false\n");
  EXPECT_FALSE(cfg.workflow.separation_of_duties);
  auto text = app::describe(cfg);
  EXPECT_NE(text.find("[workflow]"), std::string::npos) << text;
  EXPECT_NE(text.find("separation_of_duties = false"), std::string::npos) << text;
  EXPECT_NE(text.find((dir_ / "workflows" / "default.toml").string()), std::string::npos) << text;
}

TEST_F(ConfigFile, RefusesAMissingWorkflowDefinition) {
  auto why = refusal(std::string(kDatabase) + kPlanOnly);
  EXPECT_NE(why.find("shinchoku.toml: workflow.definition: is required"), std::string::npos) << why;
  why = refusal(std::string(kDatabase) + kPlanOnly + "[workflow]\ndefinition = \"\"\n");
  EXPECT_NE(why.find("shinchoku.toml:9: workflow.definition: is required"), std::string::npos) << why;
  why = refusal(std::string(kDatabase) + kPlanOnly + "[workflow]\ndefinition = \"workflows/nowhere.toml\"\n");
  EXPECT_NE(why.find("shinchoku.toml:9: workflow.definition: "), std::string::npos) << why;
  EXPECT_NE(why.find("nowhere.toml does not exist"), std::string::npos) << why;
}

TEST_F(ConfigFile, RefusesAWrongTypeOrUnknownKeyInTheWorkflowSection) {
  auto why = refusal(std::string(kDatabase) + kPlan + "separation_of_duties = \"yes\"\n");
  EXPECT_NE(why.find("shinchoku.toml:11: workflow.separation_of_duties: must be true or false, not a string"), std::string::npos)
      << why;
  why = refusal(std::string(kDatabase) + kPlan + "separation_of_duty = true\n");
  EXPECT_NE(why.find("shinchoku.toml:11: workflow.separation_of_duty: unknown key"), std::string::npos) << why;
  why = refusal(std::string(kDatabase) + kPlanOnly + "[workflow]\ndefinition = 1\n");
  EXPECT_NE(why.find("shinchoku.toml:9: workflow.definition: must be a string, not an integer"), std::string::npos) << why;
}

TEST_F(ConfigFile, RefusesABrokenWorkflowDefinitionWithItsOwnFileAndLine) {
  std::ofstream(dir_ / "workflows" / "broken.toml") << "name = \"broken\"\ninitial_state = \"draft\"\nfinal_state = \"done\"\n"
                                                      "[[state]]\nname = \"draft\"\nlabel = \"作成中\"\n";
  auto why = refusal(std::string(kDatabase) + kPlanOnly + "[workflow]\ndefinition = \"workflows/broken.toml\"\n");
  EXPECT_NE(why.find("broken.toml: the workflow has no [edit] table"), std::string::npos) << why;
  std::ofstream(dir_ / "workflows" / "broken.toml", std::ios::app) << "[edit]\nstates = [\"draft\"]\nroles = [\"staff\"]\n";
  why = refusal(std::string(kDatabase) + kPlanOnly + "[workflow]\ndefinition = \"workflows/broken.toml\"\n");
  EXPECT_NE(why.find("broken.toml:3: final_state: \"done\" is not a state of the workflow"), std::string::npos) << why;
}

TEST_F(ConfigFile, ReadsTheRemindersSectionWithItsNestedTables) {
  vars_["SHINCHOKU_SMTP_PASSWORD"] = "s3cret-smtp";
  auto cfg = load(std::string(kDatabase) + kPlan + R"(
[reminders]
first_after_business_days = 3
repeat_every_business_days = 2
escalate_after = 0
window_start = "08:30"
window_end = "18:00"
closure_start = ""
closure_end = ""
channels = "inbox, webhook"
[reminders.smtp]
url = "smtp://mail.city.example:587"
starttls = "required"
username = "shinchoku"
password = "in-the-file"
[reminders.webhook]
url = "https://chat.city.example/hook"
secret = "s3cret-hook"
)");
  const auto& r = cfg.reminders;
  EXPECT_EQ(r.first_after_business_days, 3);
  EXPECT_EQ(r.repeat_every_business_days, 2);
  EXPECT_EQ(r.escalate_after, 0);
  EXPECT_EQ(r.window_start, "08:30");
  EXPECT_EQ(r.closure_start, "");
  EXPECT_EQ(r.channels, (std::vector<std::string>{"inbox", "webhook"}));
  EXPECT_EQ(r.smtp.starttls, "required");
  EXPECT_EQ(r.smtp.password, "s3cret-smtp");
  EXPECT_EQ(r.holidays, dir_ / "holidays" / "exceptions.tsv");
  const auto text = app::describe(cfg);
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
  EXPECT_EQ(text.find("in-the-file"), std::string::npos) << text;
  EXPECT_NE(text.find("password = \"***\"  # from SHINCHOKU_SMTP_PASSWORD"), std::string::npos) << text;
}

TEST_F(ConfigFile, RefusesUnknownKeysAndBadValuesInTheRemindersSection) {
  auto why = refusal(std::string(kDatabase) + kPlan + "[reminders.smtp]\nhost = \"x\"\n");
  EXPECT_NE(why.find("reminders.smtp.host: unknown key"), std::string::npos) << why;
  why = refusal(std::string(kDatabase) + kPlan + "[reminders]\nwindow_start = \"9am\"\n");
  EXPECT_NE(why.find("reminders.window_start: \"9am\" is not HH:MM"), std::string::npos) << why;
  why = refusal(std::string(kDatabase) + kPlan + "[reminders]\nwindow_start = \"17:00\"\nwindow_end = \"09:00\"\n");
  EXPECT_NE(why.find("reminders.window_end: must be later than window_start"), std::string::npos) << why;
  why = refusal(std::string(kDatabase) + kPlan + "[reminders]\nchannels = \"email, fax\"\n");
  EXPECT_NE(why.find("\"fax\" is not email, webhook or inbox"), std::string::npos) << why;
  why = refusal(std::string(kDatabase) + kPlan + "[reminders]\nrepeat_every_business_days = 0\n");
  EXPECT_NE(why.find("reminders.repeat_every_business_days: 0 is outside 1–250"), std::string::npos) << why;
  why = refusal(std::string(kDatabase) + kPlan + "[reminders]\nchannels = \"webhook\"\n[reminders.webhook]\nurl = \"http://h/\"\n");
  EXPECT_NE(why.find("reminders.webhook.secret: is required"), std::string::npos) << why;
}

TEST_F(ConfigFile, TheWebRootDefaultsToTheSourceTreesWebStatic) {
  auto cfg = load(std::string(kDatabase) + kPlan);
  EXPECT_EQ(cfg.web.root, fs::path(SHINCHOKU_SOURCE_DIR) / "web" / "static");
  EXPECT_EQ(cfg.web.root_from, "default");
  cfg = load(std::string(kDatabase) + kPlan + "[web]\nroot = \"\"\n");
  EXPECT_EQ(cfg.web.root, fs::path(SHINCHOKU_SOURCE_DIR) / "web" / "static");
  EXPECT_NE(app::describe(cfg).find("[web]\nroot = "), std::string::npos) << app::describe(cfg);
}

TEST_F(ConfigFile, ReadsTheWebRootRelativeToTheFileAndRefusesOneThatIsNotAFolder) {
  fs::create_directories(dir_ / "ui");
  auto cfg = load(std::string(kDatabase) + kPlan + "[web]\nroot = \"ui\"\n");
  EXPECT_EQ(cfg.web.root, dir_ / "ui");
  EXPECT_EQ(cfg.web.root_from, "file");
  auto why = refusal(std::string(kDatabase) + kPlan + "[web]\nroot = \"nowhere\"\n");
  EXPECT_NE(why.find(":12: web.root: "), std::string::npos) << why;
  EXPECT_NE(why.find("nowhere is not a folder"), std::string::npos) << why;
  why = refusal(std::string(kDatabase) + kPlan + "[web]\nroots = \"ui\"\n");
  EXPECT_NE(why.find("web.roots: unknown key"), std::string::npos) << why;
}
