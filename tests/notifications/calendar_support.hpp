#pragma once
// The calendar as shinchoku runs it: the rules plus config/holidays/exceptions.tsv of the source
// tree, with the default year-end closure.
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "notifications/calendar.hpp"

namespace test_support {

inline constexpr notifications::Date ymd(int y, unsigned m, unsigned d) {
  return notifications::Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

inline std::string exceptions_path() { return std::string(SHINCHOKU_SOURCE_DIR) + "/config/holidays/exceptions.tsv"; }

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline const notifications::JapaneseCalendar& shipped_calendar() {
  static const notifications::JapaneseCalendar calendar(
      notifications::parse_holiday_exceptions(read_text(exceptions_path()), "config/holidays/exceptions.tsv"));
  return calendar;
}

}  // namespace test_support
