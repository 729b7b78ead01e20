#pragma once
// SOCI sessions on PostgreSQL, opened from libpq URLs.
#include <string_view>

#include <soci/soci.h>

namespace persistence {

// Opens a session; throws DatabaseError with the masked URL and the server's reason. A
// connect timeout (seconds, > 0) bounds the wait for an unreachable server.
void open_session(soci::session& session, std::string_view url, int connect_timeout_seconds = 0);

}  // namespace persistence
