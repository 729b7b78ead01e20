#pragma once
// Database connections from libpq URLs (postgresql://user:password@host:port/db).
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <libpq-fe.h>

namespace persistence {

class DatabaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// libpq's key=value form of a URL or key=value string. SOCI mangles URLs (TOOLCHAIN.md),
// so every session is opened with this form. Throws DatabaseError on a malformed URL.
std::string to_keyvalue_conninfo(std::string_view url);
// The role a URL logs in as; empty when the URL names none (libpq then uses the OS user).
std::string role_of(std::string_view url);
// The URL with its password replaced by "***", for logs and `config show`.
std::string mask_password(std::string_view url);

struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgConnection = std::unique_ptr<PGconn, PgConnDeleter>;

// Opens a plain libpq connection (for migrations: SOCI rewrites ':' in PL/pgSQL bodies).
PgConnection connect_libpq(std::string_view url);

// Runs SQL that returns no rows we need; throws DatabaseError with the server's message.
void exec(PGconn* conn, const std::string& sql, std::string_view what);

}  // namespace persistence
