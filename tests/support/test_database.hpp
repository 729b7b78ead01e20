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

namespace testing_support {

inline std::string required_env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    throw std::runtime_error(fmt::format(
        "{} is not set: database tests need the project's PostgreSQL (eval \"$(scripts/pg env)\")", name));
  }
  return v;
}

class ScratchDatabase {
 public:
  ScratchDatabase() {
    static std::atomic<int> counter{0};
    name_ = fmt::format("shinchoku_t_{}_{}", ::getpid(), counter++);
    owner_base_ = persistence::to_keyvalue_conninfo(required_env("SHINCHOKU_DATABASE_OWNER_URL"));
    app_base_ = persistence::to_keyvalue_conninfo(required_env("SHINCHOKU_DATABASE_URL"));
    auto admin = persistence::connect_libpq(owner_base_ + " dbname=postgres");
    persistence::exec(admin.get(), fmt::format("DROP DATABASE IF EXISTS {}", name_), "drop scratch database");
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
  std::string name_, owner_base_, app_base_;
};

}  // namespace testing_support
