#pragma once
// api::Backend on PostgreSQL: a pool of SOCI sessions, each with its own sheet store and
// command service (statements stay with their connection), leased per call with a timeout.
// A connection that broke is opened again on its next lease, so the server recovers by itself
// when the database comes back.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <soci/soci.h>

#include "api/backend.hpp"
#include "app/config.hpp"
#include "engine/sheet_commands.hpp"
#include "persistence/http_sessions.hpp"
#include "persistence/sheet_store.hpp"

namespace app {

struct ReminderSetup;

class SessionPool {
 public:
  struct Slot {
    soci::session sql;
    // The statements kept prepared on this connection (the session touch, the sheet read, the
    // sheet store's), and the store on them; made again when the slot reconnects.
    std::unique_ptr<persistence::PreparedStatements> prepared;
    std::unique_ptr<persistence::PgSheetStore> store;
    bool open = false;
  };

  SessionPool(std::string url, int size, std::chrono::milliseconds wait, int connect_timeout_seconds);

  class Lease {
   public:
    Lease(SessionPool& pool, Slot& slot) : pool_(&pool), slot_(&slot) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), slot_(o.slot_) { o.pool_ = nullptr; }
    Lease(const Lease&) = delete;
    ~Lease() {
      if (pool_) pool_->release(slot_);
    }
    Slot& operator*() { return *slot_; }
    Slot* operator->() { return slot_; }

   private:
    SessionPool* pool_;
    Slot* slot_;
  };

  // A connected slot; throws api::Unavailable when none comes free in time or the database
  // cannot be reached.
  Lease lease();
  // Marks the slot's connection for reopening when its last error came from a broken link.
  static bool check_broken(Slot& slot);
  api::PoolStats stats();

 private:
  void release(Slot* slot);
  std::string url_;
  std::chrono::milliseconds wait_;
  int connect_timeout_seconds_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> free_;
  std::mutex m_;
  std::condition_variable cv_;
  int waiting_ = 0;
};

struct BackendSettings {
  persistence::ThrottleRules login;    // per login
  persistence::ThrottleRules address;  // per client address
  int session_idle_seconds = 1800;
  engine::Rules rules;
  const ReminderSetup* reminders = nullptr;  // for the pending items report; required by pending_items()
};

class PgBackend : public api::Backend {
 public:
  PgBackend(SessionPool& pool, BackendSettings settings);

  std::optional<api::UserInfo> check_password(const std::string& login, const std::string& password) override;
  std::optional<api::TimePoint> login_blocked_until(const std::string& login, const std::string& client, api::TimePoint now) override;
  void record_login_failure(const std::string& login, const std::string& client, api::TimePoint now) override;
  void clear_login_failures(const std::string& login) override;
  void create_session(const api::NewSession& s) override;
  std::optional<api::LiveSession> touch_session(const std::string& token_hash_hex, api::TimePoint now) override;
  bool end_session(const std::string& token_hash_hex, api::TimePoint now) override;

  boost::json::array years() override;
  std::vector<api::SheetData> list_sheets(const api::SheetQuery& q) override;
  std::optional<api::SheetData> sheet(long long id) override;
  model::SheetRecord sheet_as_of(long long id, api::TimePoint t) override;
  boost::json::array sheet_history(long long id) override;
  std::vector<api::SheetData> measure_sheets(const std::string& measure_key) override;
  boost::json::array measure_history(const std::string& measure_key) override;
  api::AuditPage audit(const api::AuditQuery& q) override;
  boost::json::object verify_audit() override;
  std::vector<model::SheetRecord> year_sheets(int year) override;
  boost::json::object close_year(int year, const std::string& final_state, const std::string& actor, const std::string& grant,
                                 const std::string& request_id) override;

  api::NotificationPage notifications(long long user_id, bool unread_only, long long before, int limit) override;
  bool mark_notification_read(long long user_id, long long id, api::TimePoint now) override;
  std::vector<api::PendingItem> pending_items(std::optional<int> year, api::TimePoint now) override;

  engine::Decision execute(const engine::SheetRef& ref, const engine::CommandService::Prepare& prepare, const model::Actor& actor,
                           const std::string& request_id) override;

  std::string readiness() override;
  api::PoolStats pool_stats() override;
  api::OutboxCounts outbox_counts() override;

 private:
  template <class F>
  auto with_session(F&& f);

  SessionPool& pool_;
  BackendSettings settings_;
  std::string dummy_hash_;  // verified against for an unknown login, so that it costs the same time
};

}  // namespace app
