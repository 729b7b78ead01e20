#include "persistence/migrator.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include <fmt/format.h>

#include "persistence/sha256.hpp"
#include "sql_files.hpp"

namespace persistence {

// Generated from persistence/migrations/*.sql by cmake/EmbedFiles.cmake.
std::vector<std::pair<std::string, std::string>> embedded_migrations();

namespace {

// Serialises concurrent `migrate` runs on one database (an arbitrary constant).
constexpr long long kMigrationLockKey = 0x5368696e63686f6bLL;  // "Shinchok"

struct Result {
  PGresult* res;
  ~Result() { PQclear(res); }
};

Result query(PGconn* conn, const std::string& sql, std::string_view what) {
  Result r{PQexec(conn, sql.c_str())};
  if (PQresultStatus(r.res) != PGRES_TUPLES_OK && PQresultStatus(r.res) != PGRES_COMMAND_OK) {
    std::string reason = PQresultErrorMessage(r.res);
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    throw DatabaseError(fmt::format("{}: {}", what, reason));
  }
  return r;
}

std::string quote_identifier(PGconn* conn, const std::string& name) {
  char* quoted = PQescapeIdentifier(conn, name.c_str(), name.size());
  if (quoted == nullptr) throw DatabaseError(fmt::format("cannot quote role name: {}", PQerrorMessage(conn)));
  std::string out = quoted;
  PQfreemem(quoted);
  return out;
}

std::string quote_literal(PGconn* conn, const std::string& text) {
  char* quoted = PQescapeLiteral(conn, text.c_str(), text.size());
  if (quoted == nullptr) throw DatabaseError(fmt::format("cannot quote literal: {}", PQerrorMessage(conn)));
  std::string out = quoted;
  PQfreemem(quoted);
  return out;
}

void grant_application_role(PGconn* conn, const std::string& role) {
  std::string sql = sql_text("migrate/grant_application_role.sql");
  const std::string token = "{application_role}";
  const std::string quoted = quote_identifier(conn, role);
  for (auto pos = sql.find(token); pos != std::string::npos; pos = sql.find(token, pos + quoted.size())) {
    sql.replace(pos, token.size(), quoted);
  }
  exec(conn, "BEGIN", "grant");
  try {
    exec(conn, sql, fmt::format("granting rights to the application role {}", role));
    exec(conn, "COMMIT", "grant");
  } catch (...) {
    PQexec(conn, "ROLLBACK");
    throw;
  }
}

}  // namespace

Migration make_migration(std::string name, std::string sql) {
  int version = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), version);
  if (ec != std::errc{} || end == name.data() || *end != '_' || version <= 0) {
    throw std::invalid_argument(fmt::format("migration file {} is not named NNN_name.sql", name));
  }
  Migration m;
  m.version = version;
  m.checksum = sha256_hex(sql);
  m.name = std::move(name);
  m.sql = std::move(sql);
  return m;
}

std::vector<Migration> bundled_migrations() {
  std::vector<Migration> out;
  for (auto& [name, sql] : embedded_migrations()) out.push_back(make_migration(name, sql));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
  for (std::size_t i = 1; i < out.size(); ++i) {
    if (out[i].version == out[i - 1].version) {
      throw std::logic_error(fmt::format("migrations {} and {} share a version", out[i - 1].name, out[i].name));
    }
  }
  return out;
}

int schema_version(PGconn* conn) {
  auto exists = query(conn, "SELECT to_regclass('schema_migrations') IS NOT NULL", "reading the schema version");
  if (std::string_view(PQgetvalue(exists.res, 0, 0)) != "t") return 0;
  auto r = query(conn, "SELECT coalesce(max(version), 0) FROM schema_migrations", "reading the schema version");
  return std::stoi(PQgetvalue(r.res, 0, 0));
}

int schema_version(soci::session& sql) {
  int version = 0;
  sql << "SELECT coalesce(max(version), 0) FROM schema_migrations", soci::into(version);
  return version;
}

MigrationResult migrate(PGconn* conn, const std::vector<Migration>& migrations,
                        const std::optional<std::string>& application_role) {
  query(conn, fmt::format("SELECT pg_advisory_lock({})", kMigrationLockKey), "locking for migration");
  struct Unlock {
    PGconn* conn;
    ~Unlock() { PQclear(PQexec(conn, fmt::format("SELECT pg_advisory_unlock({})", kMigrationLockKey).c_str())); }
  } unlock{conn};

  exec(conn, sql_text("migrate/create_schema_migrations.sql"), "creating the migrations table");

  struct Applied {
    std::string name;
    std::string checksum;
  };
  std::map<int, Applied> applied;
  {
    auto r = query(conn, "SELECT version, name, checksum FROM schema_migrations ORDER BY version", "reading applied migrations");
    for (int i = 0; i < PQntuples(r.res); ++i) {
      applied[std::stoi(PQgetvalue(r.res, i, 0))] = {PQgetvalue(r.res, i, 1), PQgetvalue(r.res, i, 2)};
    }
  }

  MigrationResult result;
  result.from_version = applied.empty() ? 0 : applied.rbegin()->first;
  const int newest_known = migrations.empty() ? 0 : migrations.back().version;
  if (result.from_version > newest_known) {
    throw MigrationError(fmt::format(
        "the database is at schema version {} ({}), newer than this binary knows (version {}): "
        "use a newer shinchoku",
        result.from_version, applied.rbegin()->second.name, newest_known));
  }
  for (const auto& m : migrations) {
    auto it = applied.find(m.version);
    if (it == applied.end()) continue;
    if (it->second.checksum != m.checksum || it->second.name != m.name) {
      throw MigrationError(fmt::format(
          "migration {} was applied as {} with checksum {}, but this binary's {} has checksum {}: "
          "a migration must not change after it is applied; add a new one instead",
          m.version, it->second.name, it->second.checksum.substr(0, 12), m.name, m.checksum.substr(0, 12)));
    }
  }
  for (const auto& [version, a] : applied) {
    bool known = std::any_of(migrations.begin(), migrations.end(), [&](const auto& m) { return m.version == version; });
    if (!known) throw MigrationError(fmt::format("the database has migration {} that this binary does not know", a.name));
  }

  for (const auto& m : migrations) {
    if (applied.contains(m.version)) continue;
    exec(conn, "BEGIN", m.name);
    try {
      exec(conn, m.sql, fmt::format("migration {} failed", m.name));
      exec(conn,
           fmt::format("INSERT INTO schema_migrations (version, name, checksum) VALUES ({}, {}, {})", m.version,
                       quote_literal(conn, m.name), quote_literal(conn, m.checksum)),
           m.name);
      exec(conn, "COMMIT", m.name);
    } catch (...) {
      PQclear(PQexec(conn, "ROLLBACK"));
      throw;
    }
    result.applied.push_back(m.name);
  }
  result.to_version = std::max(result.from_version, newest_known);

  if (application_role && !application_role->empty()) {
    std::string me = PQuser(conn);
    if (*application_role != me) {
      grant_application_role(conn, *application_role);
      result.granted = true;
    }
  }
  return result;
}

}  // namespace persistence
