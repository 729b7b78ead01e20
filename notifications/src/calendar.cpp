// The holiday law's rules, year by year, with the dates its amendments took effect.
#include "notifications/calendar.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace notifications {

namespace {

using namespace std::chrono;

constexpr sys_days kRangeBegin{year{JapaneseCalendar::kFirstYear} / January / 1};
constexpr sys_days kRangeEnd{year{JapaneseCalendar::kLastYear} / December / 31};  // inclusive

// 振替休日: from the amendment of 1973-04-12 the day after a holiday on a Sunday; from 2007 the
// first following day that is not a holiday itself.
constexpr sys_days kSubstituteFrom{year{1973} / April / 12};
constexpr sys_days kSubstituteNearestFrom{year{2007} / January / 1};
// 国民の休日: from the amendment of 1985-12-27; until 2006 never on a Sunday or a 振替休日.
constexpr sys_days kCitizensFrom{year{1985} / December / 27};
constexpr sys_days kCitizensAnyDayFrom{year{2007} / January / 1};

std::string format_date(Date d) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                     static_cast<unsigned>(d.day()));
}

Date nth_monday(int y, unsigned m, unsigned n) {
  return Date{sys_days{year{y} / month{m} / weekday_indexed{Monday, n}}};
}

Date on(int y, unsigned m, unsigned d) { return Date{year{y}, month{m}, day{d}}; }

// The standard approximation of the equinox days (valid 1900–2099), which the gazette's
// announcements have followed; integer division truncates as the formula's int() does.
unsigned vernal_equinox_day(int y) {
  const double base = y <= 1979 ? 20.8357 : 20.8431;
  const int leap_days = y <= 1979 ? (y - 1983) / 4 : (y - 1980) / 4;
  return static_cast<unsigned>(std::floor(base + 0.242194 * (y - 1980) - leap_days));
}

unsigned autumnal_equinox_day(int y) {
  const double base = y <= 1979 ? 23.2588 : 23.2488;
  const int leap_days = y <= 1979 ? (y - 1983) / 4 : (y - 1980) / 4;
  return static_cast<unsigned>(std::floor(base + 0.242194 * (y - 1980) - leap_days));
}

// Article 2 of the law as it stood in year y.
std::vector<std::pair<Date, std::string_view>> rule_holidays(int y) {
  std::vector<std::pair<Date, std::string_view>> h;
  h.emplace_back(on(y, 1, 1), "元日");
  h.emplace_back(y <= 1999 ? on(y, 1, 15) : nth_monday(y, 1, 2), "成人の日");  // Happy Monday 2000
  if (y >= 1967) h.emplace_back(on(y, 2, 11), "建国記念の日");
  if (y <= 1988) h.emplace_back(on(y, 4, 29), "天皇誕生日");
  else if (y <= 2018) h.emplace_back(on(y, 12, 23), "天皇誕生日");
  else if (y >= 2020) h.emplace_back(on(y, 2, 23), "天皇誕生日");  // none in 2019
  h.emplace_back(on(y, 3, vernal_equinox_day(y)), "春分の日");
  if (y >= 1989 && y <= 2006) h.emplace_back(on(y, 4, 29), "みどりの日");
  if (y >= 2007) h.emplace_back(on(y, 4, 29), "昭和の日");
  h.emplace_back(on(y, 5, 3), "憲法記念日");
  if (y >= 2007) h.emplace_back(on(y, 5, 4), "みどりの日");
  h.emplace_back(on(y, 5, 5), "こどもの日");
  if (y >= 1996 && y <= 2002) h.emplace_back(on(y, 7, 20), "海の日");
  if (y >= 2003) h.emplace_back(nth_monday(y, 7, 3), "海の日");
  if (y >= 2016) h.emplace_back(on(y, 8, 11), "山の日");
  if (y >= 1966 && y <= 2002) h.emplace_back(on(y, 9, 15), "敬老の日");
  if (y >= 2003) h.emplace_back(nth_monday(y, 9, 3), "敬老の日");
  h.emplace_back(on(y, 9, autumnal_equinox_day(y)), "秋分の日");
  if (y >= 1966 && y <= 1999) h.emplace_back(on(y, 10, 10), "体育の日");
  if (y >= 2000 && y <= 2019) h.emplace_back(nth_monday(y, 10, 2), "体育の日");
  if (y >= 2020) h.emplace_back(nth_monday(y, 10, 2), "スポーツの日");
  h.emplace_back(on(y, 11, 3), "文化の日");
  h.emplace_back(on(y, 11, 23), "勤労感謝の日");
  return h;
}

bool in_range(Date d) { return d.ok() && sys_days{d} >= kRangeBegin && sys_days{d} <= kRangeEnd; }

// National and special holidays count as 国民の祝日 for the substitute and citizens' rules
// (the special laws of 2019–2021 say so; the older one-off days never met either rule).
bool is_festival(const std::map<sys_days, Holiday>& m, sys_days d) {
  const auto it = m.find(d);
  return it != m.end() && (it->second.kind == HolidayKind::national || it->second.kind == HolidayKind::special);
}

bool valid_month_day(unsigned m, unsigned d) {
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= static_cast<unsigned>((year{2000} / month{m} / last).day());  // a leap year: 2/29 allowed
}

}  // namespace

void ClosureRule::validate() const {
  if (!valid_month_day(month_from, day_from) || !valid_month_day(month_to, day_to)) {
    throw std::invalid_argument(
        fmt::format("year-end closure {}/{}–{}/{}: not a day of the year", month_from, day_from, month_to, day_to));
  }
}

bool ClosureRule::contains(Date date) const {
  const unsigned md = static_cast<unsigned>(date.month()) * 100 + static_cast<unsigned>(date.day());
  const unsigned from = month_from * 100 + day_from;
  const unsigned to = month_to * 100 + day_to;
  return from <= to ? (md >= from && md <= to) : (md >= from || md <= to);
}

JapaneseCalendar::JapaneseCalendar(const std::vector<HolidayException>& exceptions,
                                   std::optional<ClosureRule> closure)
    : closure_(closure) {
  if (closure_) closure_->validate();

  for (int y = kFirstYear; y <= kLastYear; ++y) {
    for (const auto& [date, name] : rule_holidays(y)) {
      holidays_.emplace(sys_days{date}, Holiday{date, std::string(name), HolidayKind::national, {}});
    }
  }

  // The special laws: first take the moved holidays off their rule's days, then add the days.
  std::vector<std::string> errors;
  auto where = [](const HolidayException& e) {
    return fmt::format("exception on line {} ({} {})", e.line, format_date(e.date), e.name);
  };
  for (const auto& e : exceptions) {
    if (!in_range(e.date) || (e.instead_of && !in_range(*e.instead_of))) {
      errors.push_back(
          fmt::format("{}: outside the years {}–{} the calendar computes", where(e), kFirstYear, kLastYear));
      continue;
    }
    if (!e.instead_of) continue;
    const auto it = holidays_.find(sys_days{*e.instead_of});
    if (it == holidays_.end() || it->second.kind != HolidayKind::national || it->second.name != e.name) {
      errors.push_back(fmt::format("{}: the rules put no {} on {}", where(e), e.name, format_date(*e.instead_of)));
      continue;
    }
    holidays_.erase(it);
  }
  for (const auto& e : exceptions) {
    if (!in_range(e.date) || (e.instead_of && !in_range(*e.instead_of))) continue;
    const auto [it, added] = holidays_.emplace(
        sys_days{e.date}, Holiday{e.date, e.name, e.instead_of ? HolidayKind::national : HolidayKind::special, {}});
    if (!added) errors.push_back(fmt::format("{}: {} already is {}", where(e), format_date(e.date), it->second.name));
  }
  if (!errors.empty()) {
    std::string message = "holiday exceptions contradict the rules:";
    for (const auto& error : errors) message += "\n" + error;
    throw HolidayDataError(message);
  }

  // 振替休日 (article 3-2).
  std::vector<Holiday> substitutes;
  for (const auto& [day, h] : holidays_) {
    if (weekday{day} != Sunday || day < kSubstituteFrom) continue;
    auto next = day + days{1};
    if (day >= kSubstituteNearestFrom) {
      while (is_festival(holidays_, next)) next += days{1};
    }
    if (next > kRangeEnd || holidays_.contains(next)) continue;
    substitutes.push_back(Holiday{Date{next}, std::string(holiday_names::kSubstitute), HolidayKind::substitute, h.name});
  }
  for (auto& s : substitutes) holidays_.emplace(sys_days{s.date}, std::move(s));

  // 国民の休日 (article 3-3): a day that is no holiday between two 国民の祝日.
  std::vector<Holiday> citizens;
  for (const auto& [day, h] : holidays_) {
    const auto between = day + days{1};
    if (!is_festival(holidays_, day) || between < kCitizensFrom || holidays_.contains(between) ||
        !is_festival(holidays_, between + days{1})) {
      continue;
    }
    if (between < kCitizensAnyDayFrom && weekday{between} == Sunday) continue;
    citizens.push_back(Holiday{Date{between}, std::string(holiday_names::kCitizens), HolidayKind::citizens, {}});
  }
  for (auto& c : citizens) holidays_.emplace(sys_days{c.date}, std::move(c));

  const auto count = static_cast<std::size_t>((kRangeEnd - kRangeBegin).count()) + 1;
  business_before_.assign(count + 1, 0);
  auto next_holiday = holidays_.begin();  // walks along with the days
  for (std::size_t i = 0; i < count; ++i) {
    const sys_days day = kRangeBegin + days{static_cast<days::rep>(i)};
    const weekday w{day};
    while (next_holiday != holidays_.end() && next_holiday->first < day) ++next_holiday;
    const bool holiday = next_holiday != holidays_.end() && next_holiday->first == day;
    const bool business = w != Saturday && w != Sunday && !holiday && !(closure_ && closure_->contains(Date{day}));
    business_before_[i + 1] = business_before_[i] + (business ? 1 : 0);
  }
}

std::size_t JapaneseCalendar::index_of(Date date) const {
  if (!in_range(date)) {
    throw std::out_of_range(fmt::format("{}: outside the years {}–{} the calendar computes",
                                        date.ok() ? format_date(date) : "an invalid date", kFirstYear, kLastYear));
  }
  return static_cast<std::size_t>((sys_days{date} - kRangeBegin).count());
}

Date JapaneseCalendar::date_at(std::size_t index) const {
  return Date{kRangeBegin + days{static_cast<days::rep>(index)}};
}

std::optional<Holiday> JapaneseCalendar::holiday(Date date) const {
  index_of(date);
  const auto it = holidays_.find(sys_days{date});
  if (it == holidays_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> JapaneseCalendar::holiday_name(Date date) const {
  auto h = holiday(date);
  if (!h) return std::nullopt;
  return std::move(h->name);
}

bool JapaneseCalendar::is_holiday(Date date) const {
  index_of(date);
  return holidays_.contains(sys_days{date});
}

bool JapaneseCalendar::is_closure(Date date) const {
  index_of(date);
  return closure_ && closure_->contains(date);
}

bool JapaneseCalendar::is_business_day(Date date) const {
  const auto i = index_of(date);
  return business_before_[i + 1] != business_before_[i];
}

int JapaneseCalendar::business_days_between(Date from, Date to) const {
  return business_before_[index_of(to) + 1] - business_before_[index_of(from) + 1];
}

Date JapaneseCalendar::add_business_days(Date date, int n) const {
  const auto i = index_of(date);
  if (n == 0) return date;
  // The first prefix position reaching `target` comes right after the business day sought.
  const int target = n > 0 ? business_before_[i + 1] + n : business_before_[i] + n + 1;
  const auto it = std::lower_bound(business_before_.begin(), business_before_.end(), target);
  if (target < 1 || it == business_before_.end()) {
    throw std::out_of_range(fmt::format("{} {:+} business days: outside the years {}–{} the calendar computes",
                                        format_date(date), n, kFirstYear, kLastYear));
  }
  return date_at(static_cast<std::size_t>(it - business_before_.begin()) - 1);
}

std::vector<Holiday> JapaneseCalendar::holidays_in(int y) const {
  if (y < kFirstYear || y > kLastYear) {
    throw std::out_of_range(fmt::format("{}: outside the years {}–{} the calendar computes", y, kFirstYear, kLastYear));
  }
  std::vector<Holiday> out;
  for (auto it = holidays_.lower_bound(sys_days{year{y} / January / 1});
       it != holidays_.end() && it->first <= sys_days{year{y} / December / 31}; ++it) {
    out.push_back(it->second);
  }
  return out;
}

}  // namespace notifications
