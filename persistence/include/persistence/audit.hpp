#pragma once
// Appending to the audit trail (DESIGN.md §4). The database extends the entity's hash chain
// itself (migration 003): a writer gives what happened, never positions or hashes.
#include <optional>
#include <string>

#include <boost/json.hpp>
#include <soci/soci.h>

namespace persistence {

struct AuditEvent {
  std::string entity_type;   // sheet, fiscal_year, department, plan, measure …
  std::string entity_id;
  std::string action;        // create, update, import, submit …
  std::string actor;         // login, cli:<os user>, system
  std::optional<std::string> actor_grant;
  boost::json::object changes;  // field -> {"before": …, "after": …}
  std::optional<std::string> comment;
  std::optional<std::string> request_id;
};

// Records one change inside the caller's transaction: the event and the change commit together.
void append_event(soci::session& sql, const AuditEvent& event);

// {"before": before, "after": after} for each field whose values differ; `after` names the
// fields. Absent in `before` means null (a creation).
boost::json::object field_changes(const boost::json::object& before, const boost::json::object& after);

}  // namespace persistence
