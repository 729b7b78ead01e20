#include "persistence/audit.hpp"

#include "sql_files.hpp"

namespace persistence {

void append_event(soci::session& sql, const AuditEvent& e) {
  const std::string changes = boost::json::serialize(e.changes);
  std::string grant = e.actor_grant.value_or(""), comment = e.comment.value_or(""), request_id = e.request_id.value_or("");
  soci::indicator grant_ind = e.actor_grant ? soci::i_ok : soci::i_null;
  soci::indicator comment_ind = e.comment ? soci::i_ok : soci::i_null;
  soci::indicator request_ind = e.request_id ? soci::i_ok : soci::i_null;
  sql << sql_text("audit/insert_event.sql"), soci::use(e.entity_type, "entity_type"), soci::use(e.entity_id, "entity_id"),
      soci::use(e.action, "action"), soci::use(e.actor, "actor"), soci::use(grant, grant_ind, "actor_grant"),
      soci::use(changes, "changes"), soci::use(comment, comment_ind, "comment"),
      soci::use(request_id, request_ind, "request_id");
}

boost::json::object field_changes(const boost::json::object& before, const boost::json::object& after) {
  boost::json::object out;
  for (const auto& [key, value] : after) {
    const auto* old = before.if_contains(key);
    if (old != nullptr && *old == value) continue;
    out[key] = {{"before", old != nullptr ? *old : boost::json::value(nullptr)}, {"after", value}};
  }
  return out;
}

}  // namespace persistence
