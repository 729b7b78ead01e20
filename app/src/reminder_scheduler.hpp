#pragma once
// The reminders' scheduler inside `shinchoku serve` (issue 6): a steady_timer on an io_context
// of its own, run by one thread of its own, so the database and delivery work never runs on the
// network thread nor takes a connection from the request pool. Every tick does what
// `shinchoku remind run-once` does (run_reminders: decide, record, dispatch), at the time its
// injected clock says. Several servers may tick at once: the deciders' lock, the outbox's
// unique key and FOR UPDATE SKIP LOCKED keep every reminder single.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <soci/soci.h>

#include "notifications/clock.hpp"
#include "reminders.hpp"

namespace app {

struct SchedulerSettings {
  std::string database_url;
  int connect_timeout_seconds = 5;
  std::chrono::milliseconds tick{std::chrono::seconds(60)};
  std::function<notifications::TimePoint()> clock = [] { return std::chrono::system_clock::now(); };
  std::string worker = worker_name();
};

class ReminderScheduler {
 public:
  // Called on the scheduler's thread after every tick that reached the database.
  using Observer = std::function<void(const RunOutcome&)>;

  ReminderScheduler(const ReminderSetup& setup, SchedulerSettings settings, Observer observer = {});
  ~ReminderScheduler();  // request_stop() and join()
  ReminderScheduler(const ReminderScheduler&) = delete;
  ReminderScheduler& operator=(const ReminderScheduler&) = delete;

  // Starts the thread; the first tick comes at once, then one every `tick` after the last ended.
  void start();
  // No more ticks and no more claims; the digest being delivered is finished, and what this
  // worker holds unsent is handed back. Returns at once (safe on the network thread).
  void request_stop();
  // Waits for the thread to end (after request_stop()).
  void join();

  long long ticks() const { return ticks_.load(); }

 private:
  void schedule(std::chrono::milliseconds after);
  void tick();
  void hand_back();

  const ReminderSetup& setup_;
  SchedulerSettings settings_;
  Observer observer_;
  boost::asio::io_context ioc_;
  boost::asio::steady_timer timer_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<long long> ticks_{0};
  soci::session sql_;
  bool open_ = false;
};

}  // namespace app
