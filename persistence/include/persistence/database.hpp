#pragma once
// SOCI sessions on PostgreSQL, opened from libpq URLs.
#include <string_view>

#include <soci/soci.h>

namespace persistence {

// Opens a session; throws DatabaseError with the masked URL and the server's reason.
void open_session(soci::session& session, std::string_view url);

}  // namespace persistence
