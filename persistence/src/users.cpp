#include "persistence/users.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "engine/errors.hpp"
#include "model/text.hpp"
#include "persistence/audit.hpp"
#include "sql_files.hpp"

namespace persistence {

std::string UserGrant::label() const { return department_code ? fmt::format("{}@{}", role, *department_code) : role; }

namespace {

namespace json = boost::json;

using engine::DomainError;

constexpr std::size_t kMaxLoginLength = 64;

void check_login(const std::string& login) {
  const auto allowed = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'; };
  const bool ok = !login.empty() && login.size() <= kMaxLoginLength && std::all_of(login.begin(), login.end(), allowed) &&
                  login.front() != '.' && login.front() != '_' && login.front() != '-';
  if (!ok) {
    throw DomainError(fmt::format(
        "login {:?} is refused: 1 to {} characters of lowercase ASCII letters, digits, '.', '_' and '-', "
        "beginning with a letter or digit",
        login, kMaxLoginLength));
  }
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// The shape the schema checks: name@domain.tld without spaces.
void check_email(const std::string& email) {
  const auto at = email.find('@');
  bool ok = at != std::string::npos && at > 0 && email.find('@', at + 1) == std::string::npos &&
            std::none_of(email.begin(), email.end(), is_space) && model::is_valid_utf8(email);
  if (ok) {
    const std::string_view domain = std::string_view(email).substr(at + 1);
    const auto dot = domain.find('.', 1);
    ok = dot != std::string_view::npos && dot + 1 < domain.size();
  }
  if (!ok) throw DomainError(fmt::format("email {:?} is refused: not an address of the form name@domain.example", email));
}

std::optional<std::string> optional_text(const soci::row& r, std::size_t i) {
  if (r.get_indicator(i) != soci::i_ok) return std::nullopt;
  return r.get<std::string>(i);
}

// Rows of select_user.sql, lock_user.sql and select_users.sql, without grants.
std::vector<User> read_users(soci::rowset<soci::row>& rows) {
  std::vector<User> out;
  for (const auto& r : rows) {
    User u;
    u.id = r.get<long long>(0);
    u.login = r.get<std::string>(1);
    u.display_name = r.get<std::string>(2);
    u.email = optional_text(r, 3);
    u.active = r.get<int>(4) != 0;
    out.push_back(std::move(u));
  }
  return out;
}

std::vector<UserGrant> load_grants(soci::session& sql, long long user_id) {
  std::vector<UserGrant> out;
  soci::rowset<soci::row> rows = (sql.prepare << sql_text("users/select_grants.sql"), soci::use(user_id, "user_id"));
  for (const auto& r : rows) out.push_back({r.get<std::string>(0), optional_text(r, 1), optional_text(r, 2)});
  return out;
}

// The user locked for a change, with grants; refused when the login is unknown.
User lock_user(soci::session& sql, const std::string& login) {
  soci::rowset<soci::row> rows = (sql.prepare << sql_text("users/lock_user.sql"), soci::use(login, "login"));
  auto users = read_users(rows);
  if (users.empty()) throw DomainError(fmt::format("user {} does not exist", login));
  users.front().grants = load_grants(sql, users.front().id);
  return std::move(users.front());
}

User reload(soci::session& sql, const std::string& login) {
  auto user = find_user(sql, login);
  if (!user) throw DomainError(fmt::format("user {} does not exist", login));
  return std::move(*user);
}

std::string grant_list(const User& u) {
  std::string out;
  for (const auto& g : u.grants) out += (out.empty() ? "" : ", ") + g.label();
  return out.empty() ? "none" : out;
}

// What the audit trail records of a user: never the password or its hash.
json::object snapshot(const User& u) {
  std::vector<std::string> labels;
  for (const auto& g : u.grants) labels.push_back(g.label());
  std::sort(labels.begin(), labels.end());
  json::array grants;
  for (const auto& l : labels) grants.emplace_back(l);
  return {{"display_name", u.display_name},
          {"email", u.email ? json::value(*u.email) : json::value(nullptr)},
          {"active", u.active},
          {"grants", grants}};
}

void audit(soci::session& sql, const ChangeContext& change, const std::string& login, const char* action,
           json::object changes) {
  append_event(sql, {"user", login, action, change.actor, std::nullopt, std::move(changes), std::nullopt,
                     change.request_id.empty() ? std::nullopt : std::optional<std::string>(change.request_id)});
}

struct Department {
  int id = 0;
  std::string code, name, kind;
  bool active = true;
};

std::optional<Department> find_department(soci::session& sql, const std::string& key) {
  soci::rowset<soci::row> rows = (sql.prepare << sql_text("users/resolve_department.sql"), soci::use(key, "key"));
  for (const auto& r : rows) {
    return Department{r.get<int>(0), r.get<std::string>(1), r.get<std::string>(2), r.get<std::string>(3), r.get<int>(4) != 0};
  }
  return std::nullopt;
}

struct ResolvedGrant {
  std::string role;
  std::optional<Department> department;

  std::string label() const { return department ? fmt::format("{}@{}", role, department->code) : role; }
};

std::string joined(const std::set<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// The grant with its department found. With rules (a new grant): the role must exist, take a
// department exactly when it is departmental, and the department must be an active city one.
// Without (a revocation): only the department is looked up.
ResolvedGrant resolve(soci::session& sql, const GrantRequest& request, const RoleRules* rules) {
  ResolvedGrant out{request.role, std::nullopt};
  if (rules != nullptr) {
    if (!rules->roles.contains(request.role)) {
      throw DomainError(fmt::format("unknown role {:?}: the roles are {}", request.role, joined(rules->roles)));
    }
    const bool departmental = rules->departmental.contains(request.role);
    if (departmental && !request.department) {
      throw DomainError(fmt::format("role {} acts for a department: name the department (its code or Japanese name)",
                                    request.role));
    }
    if (!departmental && request.department) {
      throw DomainError(fmt::format("role {} acts for no department: grant it without one (the departmental roles are {})",
                                    request.role, joined(rules->departmental)));
    }
  }
  if (!request.department) return out;
  const std::string key(model::trim(*request.department));
  auto dep = find_department(sql, key);
  if (!dep) {
    throw DomainError(fmt::format("unknown department {:?}: no department has this code, Japanese name or alias",
                                  *request.department));
  }
  if (rules != nullptr) {
    if (dep->kind == "pseudo") {
      throw DomainError(fmt::format(
          "department {} ({}) is a pseudo-department, a placeholder for whichever department runs a measure: "
          "users cannot be granted it",
          dep->name, dep->code));
    }
    if (dep->kind == "outside") {
      throw DomainError(fmt::format(
          "department {} ({}) is a body outside the city administration: users cannot be granted it", dep->name, dep->code));
    }
    if (dep->kind != "city") {
      throw DomainError(fmt::format("department {} ({}) is of kind {}: users cannot be granted it", dep->name, dep->code,
                                    dep->kind));
    }
    if (!dep->active) {
      throw DomainError(fmt::format("department {} ({}) is no longer active: users cannot be granted it", dep->name, dep->code));
    }
  }
  out.department = std::move(dep);
  return out;
}

bool holds(const User& user, const ResolvedGrant& grant) {
  const std::optional<std::string> code = grant.department ? std::optional(grant.department->code) : std::nullopt;
  return std::any_of(user.grants.begin(), user.grants.end(),
                     [&](const UserGrant& g) { return g.role == grant.role && g.department_code == code; });
}

// Inserts the grant; false when the user already holds it.
bool insert_grant(soci::session& sql, long long user_id, const ResolvedGrant& grant) {
  int department_id = grant.department ? grant.department->id : 0;
  soci::indicator department_ind = grant.department ? soci::i_ok : soci::i_null;
  long long id = 0;
  sql << sql_text("users/insert_grant.sql"), soci::use(user_id, "user_id"), soci::use(grant.role, "role"),
      soci::use(department_id, department_ind, "department_id"), soci::into(id);
  return sql.got_data();
}

// A new user's fields as stored: the display name and email trimmed, the login for a missing
// display name.
struct CheckedUser {
  std::string display_name;
  std::optional<std::string> email;
  ResolvedGrant grant;
};

CheckedUser check(soci::session& sql, const NewUser& request, const RoleRules& rules) {
  check_login(request.login);
  CheckedUser out{std::string(model::trim(request.display_name)), std::nullopt, {}};
  if (out.display_name.empty()) out.display_name = request.login;
  if (!model::is_valid_utf8(out.display_name)) throw DomainError("the display name is not well-formed UTF-8");
  if (request.email) {
    out.email = std::string(model::trim(*request.email));
    check_email(*out.email);
  }
  if (find_user(sql, request.login)) throw DomainError(fmt::format("user {} already exists", request.login));
  out.grant = resolve(sql, request.grant, &rules);
  return out;
}

}  // namespace

void check_new_user(soci::session& sql, const NewUser& request, const RoleRules& rules) { check(sql, request, rules); }

User add_user(soci::session& sql, const NewUser& request, const RoleRules& rules, const ChangeContext& change) {
  if (!request.password_hash.starts_with("$argon2id$")) {
    // A programming mistake, never a user's: refuse rather than store something else.
    throw std::logic_error("add_user: password_hash is not an argon2id hash");
  }
  soci::transaction tx(sql);
  // Every refusal comes before any insert, so that a refused request leaves even the identity
  // sequences as they were.
  const CheckedUser checked = check(sql, request, rules);
  long long id = 0;
  std::string email_value = checked.email.value_or("");
  soci::indicator email_ind = checked.email ? soci::i_ok : soci::i_null;
  sql << sql_text("users/insert_user.sql"), soci::use(request.login, "login"),
      soci::use(checked.display_name, "display_name"), soci::use(email_value, email_ind, "email"),
      soci::use(request.password_hash, "password_hash"), soci::into(id);
  // Another request added the login since the check.
  if (!sql.got_data()) throw DomainError(fmt::format("user {} already exists", request.login));
  insert_grant(sql, id, checked.grant);

  User user = reload(sql, request.login);
  json::object after = snapshot(user);
  after["password"] = "(set)";
  audit(sql, change, user.login, "create", field_changes({}, after));
  tx.commit();
  return user;
}

User grant_role(soci::session& sql, const std::string& login, const GrantRequest& request, const RoleRules& rules,
                const ChangeContext& change) {
  soci::transaction tx(sql);
  const User before = lock_user(sql, login);
  const ResolvedGrant grant = resolve(sql, request, &rules);
  if (holds(before, grant) || !insert_grant(sql, before.id, grant)) {
    throw DomainError(fmt::format("user {} already holds the grant {}", login, grant.label()));
  }
  sql << sql_text("users/touch_user.sql"), soci::use(before.id, "id");
  User after = reload(sql, login);
  audit(sql, change, login, "grant", field_changes(snapshot(before), snapshot(after)));
  tx.commit();
  return after;
}

User revoke_role(soci::session& sql, const std::string& login, const GrantRequest& request, const ChangeContext& change) {
  soci::transaction tx(sql);
  const User before = lock_user(sql, login);
  const ResolvedGrant grant = resolve(sql, request, nullptr);
  if (!holds(before, grant)) {
    throw DomainError(fmt::format("user {} does not hold the grant {} (grants: {})", login, grant.label(), grant_list(before)));
  }
  if (before.grants.size() == 1) {
    throw DomainError(fmt::format(
        "{} is the only grant of user {}, and a user holds at least one: grant another first, or disable the user",
        grant.label(), login));
  }
  int department_id = grant.department ? grant.department->id : 0;
  soci::indicator department_ind = grant.department ? soci::i_ok : soci::i_null;
  long long removed = 0;
  sql << sql_text("users/delete_grant.sql"), soci::use(before.id, "user_id"), soci::use(grant.role, "role"),
      soci::use(department_id, department_ind, "department_id"), soci::into(removed);
  if (!sql.got_data()) throw DomainError(fmt::format("user {} does not hold the grant {}", login, grant.label()));
  sql << sql_text("users/touch_user.sql"), soci::use(before.id, "id");
  User after = reload(sql, login);
  audit(sql, change, login, "revoke", field_changes(snapshot(before), snapshot(after)));
  tx.commit();
  return after;
}

bool disable_user(soci::session& sql, const std::string& login, const ChangeContext& change) {
  soci::transaction tx(sql);
  const User before = lock_user(sql, login);
  if (!before.active) return false;  // nothing to write; the transaction rolls back
  sql << sql_text("users/disable_user.sql"), soci::use(before.id, "id");
  User after = before;
  after.active = false;
  audit(sql, change, login, "disable", field_changes(snapshot(before), snapshot(after)));
  tx.commit();
  return true;
}

void set_password(soci::session& sql, const std::string& login, const std::string& password_hash,
                  const ChangeContext& change) {
  if (!password_hash.starts_with("$argon2id$")) throw std::logic_error("set_password: password_hash is not an argon2id hash");
  soci::transaction tx(sql);
  const User user = lock_user(sql, login);
  sql << sql_text("users/set_password.sql"), soci::use(password_hash, "password_hash"), soci::use(user.id, "id");
  json::object changes{{"password", {{"before", "(set)"}, {"after", "(changed)"}}}};
  audit(sql, change, login, "change_password", std::move(changes));
  tx.commit();
}

std::optional<User> find_user(soci::session& sql, const std::string& login) {
  soci::rowset<soci::row> rows = (sql.prepare << sql_text("users/select_user.sql"), soci::use(login, "login"));
  auto users = read_users(rows);
  if (users.empty()) return std::nullopt;
  users.front().grants = load_grants(sql, users.front().id);
  return std::move(users.front());
}

std::vector<User> list_users(soci::session& sql) {
  soci::rowset<soci::row> rows = (sql.prepare << sql_text("users/select_users.sql"));
  auto users = read_users(rows);
  std::map<long long, std::vector<UserGrant>> grants;
  soci::rowset<soci::row> grant_rows = (sql.prepare << sql_text("users/select_all_grants.sql"));
  for (const auto& r : grant_rows) {
    grants[r.get<long long>(0)].push_back({r.get<std::string>(1), optional_text(r, 2), optional_text(r, 3)});
  }
  for (auto& u : users) {
    if (auto it = grants.find(u.id); it != grants.end()) u.grants = std::move(it->second);
  }
  return users;
}

}  // namespace persistence
