#pragma once
// Users and their grants (DESIGN.md §2): a small repository. Every change is written with its
// audit event (entity_type "user", entity_id the login) in one transaction (DESIGN.md §4); the
// events record display_name, email, active and grants before and after, and a password change
// only as "(set)" / "(changed)", never a password or its hash.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <soci/soci.h>

namespace persistence {

struct UserGrant {
  std::string role;
  std::optional<std::string> department_code;  // empty for a role that acts for no department
  std::optional<std::string> department_name;

  // "approver@chiiki-fukushi", "coordinator": how the audit trail and the CLI name a grant.
  std::string label() const;
};

struct User {
  long long id = 0;
  std::string login, display_name;
  std::optional<std::string> email;
  bool active = true;
  std::vector<UserGrant> grants;  // by role, then department code
};

// Which roles exist and which of them act for a department. The caller supplies them (today
// the CLI's fixed set, later the workflow definition in config/).
struct RoleRules {
  std::set<std::string> roles;
  std::set<std::string> departmental;  // a subset of roles: these require a department, the others refuse one
};

// A grant as a user asks for it: the department by its code, Japanese name or an alias.
struct GrantRequest {
  std::string role;
  std::optional<std::string> department;
};

// Who changes and in which request, for the audit trail.
struct ChangeContext {
  std::string actor;  // a login, cli:<os user> or --actor
  std::string request_id;
};

struct NewUser {
  std::string login;
  std::string display_name;  // empty: the login
  std::optional<std::string> email;
  std::string password_hash;  // from hash_password(), never a password
  GrantRequest grant;         // the first grant
};

// Refusals throw engine::DomainError with the reason: an invalid login or email, an unknown
// user, an unknown role, a departmental role without a department or another role with one,
// an unknown, inactive, pseudo or outside department.

// Refuses a new user as add_user would (login, display name, email, a taken login, the first
// grant), without writing and without looking at the password hash: lets a caller refuse
// before it asks for a password and spends the time to hash it.
void check_new_user(soci::session& sql, const NewUser& user, const RoleRules& rules);

// Adds a user with its first grant. "user X already exists" when the login is taken.
User add_user(soci::session& sql, const NewUser& user, const RoleRules& rules, const ChangeContext& change);

// Adds a grant; refused when the user already holds it.
User grant_role(soci::session& sql, const std::string& login, const GrantRequest& grant, const RoleRules& rules,
                const ChangeContext& change);

// Removes a grant; refused when the user does not hold it, and for the user's last grant (a
// user holds one or more: disable the user instead). The role need not be among `rules`, so a
// role the workflow no longer knows can still be taken away.
User revoke_role(soci::session& sql, const std::string& login, const GrantRequest& grant, const ChangeContext& change);

// Disables a user; false (nothing written, no event) when the user was already disabled.
bool disable_user(soci::session& sql, const std::string& login, const ChangeContext& change);

// Replaces the password hash (from hash_password()).
void set_password(soci::session& sql, const std::string& login, const std::string& password_hash,
                  const ChangeContext& change);

// A user with grants; nullopt when the login is unknown.
std::optional<User> find_user(soci::session& sql, const std::string& login);

// Every user with grants, by login.
std::vector<User> list_users(soci::session& sql);

}  // namespace persistence
