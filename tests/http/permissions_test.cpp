// Who may do what over HTTP: the role × department matrix of the default workflow, table-driven,
// on FY2020 sheets executed by 地域福祉課 (not 危機管理課):
//   staff own = tanaka (地域福祉課 staff), staff other = kiki (危機管理課 staff),
//   approver own = chiiki_kacho (地域福祉課 approver), approver other = kiki_kacho (危機管理課 approver),
//   coordinator = coord, auditor = kansa, admin = kanri.
#include <gtest/gtest.h>

#include "http_city.hpp"

using namespace http_test;

namespace {

struct Case {
  std::string who;    // the column of the matrix
  std::string login;
  std::string op;     // read, edit, submit, approve, accept
  int expected;
};

const std::vector<Case>& matrix() {
  static const std::vector<Case> cases = [] {
    const std::vector<std::pair<std::string, std::string>> people{
        {"staff own", "tanaka"},   {"staff other", "kiki"},  {"approver own", "chiiki_kacho"}, {"approver other", "kiki_kacho"},
        {"coordinator", "coord"},  {"auditor", "kansa"},      {"admin", "kanri"}};
    //                                       staff own, staff other, approver own, approver other, coord, auditor, admin
    const std::map<std::string, std::vector<int>> expected{
        {"read", {200, 403, 200, 403, 200, 200, 200}},
        {"edit", {200, 403, 403, 403, 200, 403, 403}},
        {"submit", {200, 403, 403, 403, 200, 403, 403}},
        {"approve", {403, 403, 200, 403, 403, 403, 403}},
        {"accept", {403, 403, 403, 403, 200, 403, 403}},
    };
    std::vector<Case> out;
    for (const char* op : {"read", "edit", "submit", "approve", "accept"}) {
      for (std::size_t i = 0; i < people.size(); ++i) out.push_back({people[i].first, people[i].second, op, expected.at(op)[i]});
    }
    return out;
  }();
  return cases;
}

// The state a sheet must be in for an operation, and how to bring a fresh draft there.
std::string state_for(const std::string& op) {
  if (op == "approve") return "submitted";
  if (op == "accept") return "approved";
  return "draft";
}

void prepare(City& city, long long id, const std::string& op) {
  if (op == "read" || op == "edit") return;
  city.fill(id, "tanaka");
  if (op == "submit") return;
  city.step(id, "submit", "tanaka");
  if (op == "approve") return;
  city.step(id, "approve", "chiiki_kacho");
}

HttpResponse attempt(City& city, long long id, const Case& c) {
  const long long v = city.version(id);
  if (c.op == "read") return city.get(fmt::format("/api/v1/sheets/{}", id), c.login);
  if (c.op == "edit") return city.patch(id, {{"actions", "matrix " + c.who}}, c.login, v);
  return city.act(id, c.op, c.login, v);
}

}  // namespace

TEST(HttpPermissions, RoleByDepartmentMatrixForReadEditSubmitApproveAccept) {
  City city;
  auto pool = city.sheets_2020({"地域福祉課"}, {"危機管理課"});
  ASSERT_GE(pool.size(), 5u) << "地域福祉課 executes most sheets of the FY2019 table";
  std::size_t next = 0;
  std::vector<std::string> mismatches;
  for (const char* op : {"read", "edit", "submit", "approve", "accept"}) {
    std::vector<Case> rows;
    for (const auto& c : matrix()) {
      if (c.op == op) rows.push_back(c);
    }
    // Refusals first (they change nothing), then each allowed caller on a sheet in the state.
    std::stable_partition(rows.begin(), rows.end(), [](const Case& c) { return c.expected != 200; });
    ASSERT_LT(next, pool.size());
    long long id = pool[next++];
    prepare(city, id, op);
    for (const auto& c : rows) {
      if (city.sheet(id).at("state").as_string() != state_for(op)) {
        ASSERT_LT(next, pool.size()) << "not enough sheets for the matrix";
        id = pool[next++];
        prepare(city, id, op);
      }
      const long long before = city.version(id);
      auto r = attempt(city, id, c);
      if (r.status != c.expected) mismatches.push_back(fmt::format("{} ({}) {}: got {}, want {}: {}", c.who, c.login, c.op, r.status, c.expected, r.body));
      if (r.status == 403) {
        problem(r);
        EXPECT_EQ(city.version(id), before) << "a refusal writes nothing";
      }
      if (c.op != "read" && r.status == 200) {
        EXPECT_GT(r.json().at("version").as_int64(), before);
      }
    }
  }
  for (const auto& m : mismatches) ADD_FAILURE() << m;
  auto verify = city.get("/api/v1/audit/verify", "kansa");
  EXPECT_TRUE(verify.json().at("ok").as_bool()) << verify.body;
}

TEST(HttpPermissions, AllowedActionsInASheetAreTheCallersOwn) {
  City city;
  const long long id = city.sheet_id(2020, 10);
  auto actions = [&](const std::string& login) {
    std::vector<std::string> out;
    const auto sheet = city.sheet(id, login);
    for (const auto& a : sheet.at("allowed_actions").as_array()) out.emplace_back(a.as_string());
    return out;
  };
  EXPECT_EQ(actions("tanaka"), std::vector<std::string>{"submit"});
  EXPECT_TRUE(actions("kacho").empty());
  EXPECT_TRUE(city.sheet(id, "tanaka").at("editable").as_bool());
  EXPECT_FALSE(city.sheet(id, "kansa").at("editable").as_bool());
  city.fill(id, "tanaka");
  city.step(id, "submit", "tanaka");
  EXPECT_EQ(actions("kacho"), (std::vector<std::string>{"approve", "return"}));
  EXPECT_TRUE(actions("tanaka").empty());
}

TEST(HttpPermissions, SubmitterMayNotApproveTheSameSheet) {
  City city;
  // kaigo_kacho holds both grants: staff and approver of 介護保険課.
  auto pw = temp_file("pw", ".txt");
  std::ofstream(pw) << kPassword << "\n";
  auto add = city.cli(fmt::format("user add kaigo_kacho --role staff --department kaigo-hoken --actor kanri --password-stdin <{}", pw.string()));
  std::filesystem::remove(pw);
  ASSERT_EQ(add.exit_code, 0) << add.err;
  ASSERT_EQ(city.cli("user grant kaigo_kacho --role approver --department kaigo-hoken --actor kanri").exit_code, 0);
  const long long id = city.sheet_id(2020, 10);
  city.fill(id, "kaigo_kacho");
  city.step(id, "submit", "kaigo_kacho");
  auto r = city.act(id, "approve", "kaigo_kacho", city.version(id));
  EXPECT_EQ(r.status, 403) << "separation of duties: " << r.body;
  EXPECT_EQ(city.act(id, "approve", "kacho", city.version(id)).status, 200);
}

TEST(HttpPermissions, AuditRoutesAreForAuditorsCoordinatorsAndAdmins) {
  City city;
  for (const char* login : {"kansa", "coord", "kanri"}) {
    EXPECT_EQ(city.get("/api/v1/audit?limit=1", login).status, 200) << login;
  }
  for (const char* login : {"tanaka", "kacho"}) {
    auto r = city.get("/api/v1/audit", login);
    EXPECT_EQ(r.status, 403) << login;
    problem(r);
    EXPECT_EQ(city.get("/api/v1/audit/verify", login).status, 403) << login;
  }
}
