#pragma once
// A scratch database per test on the project's real PostgreSQL (scripts/pg), created by the
// owner role and dropped afterwards. The URLs come from the same environment variables the
// application reads: SHINCHOKU_DATABASE_OWNER_URL and SHINCHOKU_DATABASE_URL.
#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <unistd.h>

#include <fmt/format.h>

#include "persistence/connection.hpp"
#include "persistence/migrator.hpp"

namespace testing_support {

inline std::string required_env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    throw std::runtime_error(fmt::format(
        "{} is not set: database tests need the project's PostgreSQL (eval \"$(scripts/pg env)\")", name));
  }
  return v;
}

// Empty: nothing in it (migration tests). Migrated: every bundled migration applied and the
// application role granted its rights, copied from a template database that the first test to
// need it builds once per set of migrations (CREATE DATABASE … TEMPLATE is a file copy, far
// quicker than migrating every time).
enum class Schema { empty, migrated };

class ScratchDatabase {
 public:
  explicit ScratchDatabase(Schema schema = Schema::empty) {
    static std::atomic<int> counter{0};
    name_ = fmt::format("shinchoku_t_{}_{}", ::getpid(), counter++);
    owner_base_ = persistence::to_keyvalue_conninfo(required_env("SHINCHOKU_DATABASE_OWNER_URL"));
    app_base_ = persistence::to_keyvalue_conninfo(required_env("SHINCHOKU_DATABASE_URL"));
    auto admin = persistence::connect_libpq(owner_base_ + " dbname=postgres");
    persistence::exec(admin.get(), fmt::format("DROP DATABASE IF EXISTS {}", name_), "drop scratch database");
    if (schema == Schema::migrated) {
      const std::string tmpl = migrated_template(admin.get());
      persistence::exec(admin.get(), fmt::format("CREATE DATABASE {} TEMPLATE {}", name_, tmpl), "create scratch database");
      return;
    }
    persistence::exec(admin.get(), fmt::format("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'", name_),
                      "create scratch database");
    // A fresh database gives PUBLIC CREATE on nothing (PostgreSQL 15); the owner owns public.
    auto conn = persistence::connect_libpq(owner_url());
    persistence::exec(conn.get(), "ALTER SCHEMA public OWNER TO CURRENT_USER", "own schema public");
  }
  ~ScratchDatabase() {
    try {
      auto admin = persistence::connect_libpq(owner_base_ + " dbname=postgres");
      persistence::exec(admin.get(), fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", name_), "drop scratch database");
    } catch (...) {
      // A leftover scratch database is harmless; the next run drops it by name.
    }
  }
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  std::string owner_url() const { return owner_base_ + " dbname=" + name_; }
  std::string app_url() const { return app_base_ + " dbname=" + name_; }
  std::string app_role() const { return persistence::role_of(app_base_); }
  const std::string& name() const { return name_; }

 private:
  // The template for the current migrations, built under an advisory lock by whichever test
  // process comes first; named after the migrations' checksums, so a changed migration gets a
  // template of its own.
  std::string migrated_template(PGconn* admin) {
    std::string all;
    for (const auto& m : persistence::bundled_migrations()) all += m.checksum;
    const std::string tmpl = fmt::format("shinchoku_tmpl_{}", std::hash<std::string>{}(all) % 100000000000ULL);
    persistence::exec(admin, "SELECT pg_advisory_lock(7433001)", "lock template");
    struct Unlock {
      PGconn* c;
      ~Unlock() { PQclear(PQexec(c, "SELECT pg_advisory_unlock(7433001)")); }
    } unlock{admin};
    PGresult* r = PQexec(admin, fmt::format("SELECT 1 FROM pg_database WHERE datname = '{}'", tmpl).c_str());
    const bool exists = PQntuples(r) > 0;
    PQclear(r);
    if (exists) return tmpl;
    const std::string building = tmpl + "_building";
    persistence::exec(admin, fmt::format("DROP DATABASE IF EXISTS {}", building), "drop half-built template");
    persistence::exec(admin, fmt::format("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'", building), "create template");
    {
      auto conn = persistence::connect_libpq(owner_base_ + " dbname=" + building);
      persistence::exec(conn.get(), "ALTER SCHEMA public OWNER TO CURRENT_USER", "own schema public");
      persistence::migrate(conn.get(), persistence::bundled_migrations(), persistence::role_of(app_base_));
    }
    persistence::exec(admin, fmt::format("ALTER DATABASE {} RENAME TO {}", building, tmpl), "name template");
    return tmpl;
  }

  std::string name_, owner_base_, app_base_;
};

}  // namespace testing_support
