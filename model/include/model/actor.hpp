#pragma once
// Who acts: a user with grants (role, department), as the engine sees them.
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace model {

struct Grant {
  std::string role;                       // staff, approver, coordinator, auditor, admin, committee …
  std::optional<std::string> department;       // Japanese name, for departmental roles
  std::optional<std::string> department_code = std::nullopt;  // its code, which the audit trail names
  // How the audit trail names the grant used: approver@chiiki-fukushi, coordinator.
  std::string text() const {
    if (department_code) return role + "@" + *department_code;
    return department ? role + "@" + *department : role;
  }
};

struct Actor {
  std::string login;
  std::vector<Grant> grants;
  bool has_role(std::string_view role) const {
    for (const auto& g : grants) {
      if (g.role == role) return true;
    }
    return false;
  }
};

// A field's value as the audit trail records it.
using FieldValue = std::variant<std::monostate, std::string, long long, bool, std::vector<std::string>>;

struct FieldChange {
  std::string field;
  FieldValue before;
  FieldValue after;
};

}  // namespace model
