#pragma once
// Time is injected (STYLE.md rule 9): the reminder rules ask a Clock, never the system; tests
// pass a FixedClock. Japan has no daylight saving time, so the JST calendar date of an instant
// is its UTC time plus nine hours (model::kJstOffset).
#include <atomic>
#include <chrono>

#include "model/fiscal_year.hpp"

namespace notifications {

using TimePoint = std::chrono::system_clock::time_point;

struct Clock {
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// Stands still until told otherwise; safe to set from one thread while others read it.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(TimePoint at) : at_(at) {}
  TimePoint now() const override { return at_.load(); }
  void set(TimePoint at) { at_.store(at); }
  void advance(std::chrono::system_clock::duration by) {
    TimePoint at = at_.load();
    while (!at_.compare_exchange_weak(at, at + by)) {
    }
  }

 private:
  std::atomic<TimePoint> at_;
};

// The calendar date in Japan at the instant.
inline std::chrono::year_month_day jst_date(TimePoint instant) {
  return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(instant + model::kJstOffset)};
}

// The instant a JST calendar day begins (00:00 JST).
inline TimePoint jst_start_of_day(std::chrono::year_month_day date) {
  return TimePoint{std::chrono::sys_days{date} - model::kJstOffset};
}

// The time of day in Japan at the instant, from 00:00:00.
inline std::chrono::system_clock::duration jst_time_of_day(TimePoint instant) {
  const auto local = instant + model::kJstOffset;
  return local - std::chrono::floor<std::chrono::days>(local);
}

}  // namespace notifications
