#include "reminder_scheduler.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include "persistence/database.hpp"
#include "persistence/reminders.hpp"

namespace app {

ReminderScheduler::ReminderScheduler(const ReminderSetup& setup, SchedulerSettings settings, Observer observer)
    : setup_(setup), settings_(std::move(settings)), observer_(std::move(observer)), timer_(ioc_) {}

ReminderScheduler::~ReminderScheduler() {
  request_stop();
  join();
}

void ReminderScheduler::start() {
  schedule(std::chrono::milliseconds(0));
  thread_ = std::thread([this] {
    ioc_.run();
    hand_back();
  });
}

void ReminderScheduler::request_stop() {
  if (stop_.exchange(true)) return;
  boost::asio::post(ioc_, [this] { timer_.cancel(); });
}

void ReminderScheduler::join() {
  if (thread_.joinable()) thread_.join();
}

void ReminderScheduler::schedule(std::chrono::milliseconds after) {
  timer_.expires_after(after);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stop_) return;  // cancelled: the loop runs out of work and the thread ends
    tick();
    if (!stop_) schedule(settings_.tick);
  });
}

void ReminderScheduler::tick() {
  try {
    if (!open_) {
      if (sql_.get_backend() != nullptr) sql_.close();
      persistence::open_session(sql_, settings_.database_url, settings_.connect_timeout_seconds);
      open_ = true;
    }
    const auto now = settings_.clock();
    const auto run = run_reminders(sql_, setup_, now, false, settings_.worker, &stop_);
    ++ticks_;
    const auto& d = run.dispatched;
    if (run.decided.recorded > 0 || d.digests > 0 || d.released > 0) {
      spdlog::info("reminders: {} outbox rows recorded; {} digests: {} sent, {} failed ({} rows dead){}", run.decided.recorded,
                   d.digests, d.sent, d.failed, d.dead_rows, d.released ? fmt::format("; {} rows handed back", d.released) : "");
    }
    for (const auto& e : d.errors) spdlog::warn("reminders: delivery failed: {}", e);
    if (observer_) observer_(run);
  } catch (const std::exception& e) {
    // The database went away (or the tick failed otherwise): reconnect at the next tick. Rows
    // claimed before the failure come back when their lease ends.
    spdlog::warn("reminders: tick failed: {}", e.what());
    open_ = false;
  }
}

void ReminderScheduler::hand_back() {
  if (!open_) return;
  try {
    const int n = persistence::release_reminder_claims(sql_, settings_.worker);
    if (n > 0) spdlog::info("reminders: {} claimed rows handed back", n);
  } catch (const std::exception& e) {
    spdlog::warn("reminders: could not hand back claimed rows (their lease will end): {}", e.what());
  }
}

}  // namespace app
