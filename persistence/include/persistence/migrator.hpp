#pragma once
// Versioned schema migrations: persistence/migrations/NNN_name.sql, embedded in the binary,
// applied in order, each in its own transaction, recorded with its checksum.
#include <optional>
#include <string>
#include <vector>

#include <soci/soci.h>

#include "persistence/connection.hpp"

namespace persistence {

struct Migration {
  int version = 0;       // NNN of the file name
  std::string name;      // "001_plan.sql"
  std::string sql;
  std::string checksum;  // SHA-256 of sql, hex
};

class MigrationError : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;
};

// The migrations this binary carries, in version order.
std::vector<Migration> bundled_migrations();
// Builds a migration from a file name and its text (tests use it to change one).
Migration make_migration(std::string name, std::string sql);

struct MigrationResult {
  int from_version = 0;
  int to_version = 0;
  std::vector<std::string> applied;  // file names applied by this run
  bool granted = false;              // rights granted to a separate application role
};

// Applies what is missing. Refuses (MigrationError, nothing applied) a database newer than
// `migrations` and an applied migration whose text changed. When `application_role` is set
// and differs from the connected role, grants it the rights the application needs and no more.
MigrationResult migrate(PGconn* owner, const std::vector<Migration>& migrations,
                        const std::optional<std::string>& application_role);

// The version the database is at (0 when never migrated).
int schema_version(PGconn* conn);
// The same through a SOCI session of a database that has been migrated (the server's readiness).
int schema_version(soci::session& sql);

}  // namespace persistence
