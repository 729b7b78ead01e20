#pragma once
// The Japanese business-day calendar: national holidays computed by the rules of the holiday
// law (国民の祝日に関する法律) for 1949–2099, the one-off days of special laws read from a data
// file (config/holidays/exceptions.tsv), and the municipal year-end closure. Pure: no I/O and no
// clock here — the caller passes the file's text and the dates (clock.hpp turns an instant into
// a JST date).
#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace notifications {

using Date = std::chrono::year_month_day;

enum class HolidayKind {
  national,    // 国民の祝日 of article 2, on its rule's day or moved by a special law (2020, 2021)
  special,     // a one-off day off by a special law (2019-05-01 即位の日, 1989-02-24 大喪の礼 …)
  substitute,  // 振替休日 (article 3-2): for a national or special holiday on a Sunday
  citizens,    // 国民の休日 (article 3-3): a day between two national or special holidays
};

struct Holiday {
  Date date;
  std::string name;  // 元日, 海の日, 即位の日, 振替休日, 国民の休日 …
  HolidayKind kind = HolidayKind::national;
  std::string substitute_for;  // kind == substitute: the name of the Sunday holiday it replaces
};

// One line of the exceptions file: a day off by a special law, either an extra day
// (instead_of empty) or a national holiday moved from its rule's day instead_of to date.
struct HolidayException {
  Date date;
  std::string name;
  std::optional<Date> instead_of;
  std::string basis;  // the law, for the reader of the file
  int line = 0;       // where it was read, for error messages
};

// A malformed exceptions file, or exceptions that contradict the rules: "source:line: reason".
class HolidayDataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses the exceptions file (format described at the top of config/holidays/exceptions.tsv):
// UTF-8, one exception per line, four fields separated by one tab — date (YYYY-MM-DD), name,
// the rule's day it replaces (YYYY-MM-DD) or "-", the legal basis; '#' lines and blank lines
// are skipped. Throws HolidayDataError listing every bad line as "source:line: reason".
std::vector<HolidayException> parse_holiday_exceptions(std::string_view text, std::string_view source);

// The year-end closure of the city offices, a setting: every day from month_from/day_from to
// month_to/day_to inclusive, across the new year when the start is later in the year than the
// end (the default, 29 December – 3 January).
struct ClosureRule {
  unsigned month_from = 12;
  unsigned day_from = 29;
  unsigned month_to = 1;
  unsigned day_to = 3;

  // Throws std::invalid_argument for a month or day that no year has.
  void validate() const;
  bool contains(Date date) const;
  bool operator==(const ClosureRule&) const = default;
};

// Immutable once built (every year's holidays and business-day counts are computed in the
// constructor, a few milliseconds): build one at start and share it between threads.
class JapaneseCalendar {
 public:
  // The years it answers for: the holiday law's first full year to the end of the equinox
  // formula's range. Any question about a date outside throws std::out_of_range.
  static constexpr int kFirstYear = 1949;
  static constexpr int kLastYear = 2099;

  // exceptions: from parse_holiday_exceptions (pass {} for the bare rules). closure: the
  // year-end closure, std::nullopt for none. Throws HolidayDataError when an exception moves a
  // holiday that the rules do not put on its instead_of day, adds a day that already is a
  // holiday, or lies outside the supported years; std::invalid_argument for a bad closure.
  explicit JapaneseCalendar(const std::vector<HolidayException>& exceptions,
                            std::optional<ClosureRule> closure = ClosureRule{});

  std::optional<Holiday> holiday(Date date) const;
  std::optional<std::string> holiday_name(Date date) const;
  // A national, special, substitute or citizens' holiday (weekends are not holidays as such).
  bool is_holiday(Date date) const;
  bool is_closure(Date date) const;
  // Monday to Friday, not a holiday, not in the year-end closure.
  bool is_business_day(Date date) const;

  // The number of business days d with from < d <= to: the business days that have passed
  // since `from` by the end of `to` (0 when to == from; from a Friday to the next Monday, 1).
  // When to < from, minus the number of business days d with to < d <= from. Hence
  // business_days_between(a, c) == business_days_between(a, b) + business_days_between(b, c).
  int business_days_between(Date from, Date to) const;

  // n > 0: the n-th business day after `date`; n < 0: the |n|-th business day before `date`;
  // n == 0: `date` itself, business day or not. For n > 0,
  // business_days_between(date, add_business_days(date, n)) == n.
  Date add_business_days(Date date, int n) const;

  // The holidays of a year in date order.
  std::vector<Holiday> holidays_in(int year) const;

  const std::optional<ClosureRule>& closure() const { return closure_; }

 private:
  std::size_t index_of(Date date) const;  // throws std::out_of_range
  Date date_at(std::size_t index) const;

  std::optional<ClosureRule> closure_;
  std::map<std::chrono::sys_days, Holiday> holidays_;
  // business_before_[i]: business days among the first i days of the supported range.
  std::vector<int> business_before_;
};

// The names the rules give, for callers that match on them.
namespace holiday_names {
inline constexpr std::string_view kSubstitute = "振替休日";
inline constexpr std::string_view kCitizens = "国民の休日";
}  // namespace holiday_names

}  // namespace notifications
