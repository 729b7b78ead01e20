#include "persistence/database.hpp"

#include <soci/postgresql/soci-postgresql.h>

#include <fmt/format.h>

#include "persistence/connection.hpp"

namespace persistence {

void open_session(soci::session& session, std::string_view url, int connect_timeout_seconds) {
  std::string conninfo = to_keyvalue_conninfo(url);
  if (connect_timeout_seconds > 0) conninfo += " connect_timeout=" + std::to_string(connect_timeout_seconds);
  try {
    session.open(soci::postgresql, conninfo);
  } catch (const soci::soci_error& e) {
    std::string reason = e.get_error_message();
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    throw DatabaseError(fmt::format("cannot connect to {}: {}", mask_password(url), reason));
  }
}

}  // namespace persistence
