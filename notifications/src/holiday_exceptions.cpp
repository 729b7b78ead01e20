// The exceptions file: a few tab-separated lines, read strictly.
#include <charconv>
#include <set>

#include <fmt/format.h>

#include "model/text.hpp"
#include "notifications/calendar.hpp"

namespace notifications {

namespace {

// YYYY-MM-DD, digits only, a day that exists.
std::optional<Date> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto number = [&](std::size_t at, std::size_t length, int& out) {
    const auto* first = s.data() + at;
    const auto* last = first + length;
    const auto [end, ec] = std::from_chars(first, last, out);
    return ec == std::errc{} && end == last && *first != '+' && *first != '-';
  };
  int y = 0;
  int m = 0;
  int d = 0;
  if (!number(0, 4, y) || !number(5, 2, m) || !number(8, 2, d)) return std::nullopt;
  const Date date{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!date.ok()) return std::nullopt;
  return date;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (;;) {
    const auto tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) return fields;
    start = tab + 1;
  }
}

}  // namespace

std::vector<HolidayException> parse_holiday_exceptions(std::string_view text, std::string_view source) {
  std::vector<HolidayException> out;
  std::vector<std::string> errors;
  std::set<std::chrono::sys_days> dates;
  if (const auto bad = model::first_invalid_utf8(text); bad != std::string_view::npos) {
    throw HolidayDataError(fmt::format("{}: invalid UTF-8 at byte {}", source, bad));
  }
  int number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto newline = text.find('\n', start);
    auto line = text.substr(start, newline == std::string_view::npos ? std::string_view::npos : newline - start);
    start = newline == std::string_view::npos ? text.size() : newline + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (model::trim(line).empty() || line.front() == '#') continue;

    auto error = [&](std::string reason) { errors.push_back(fmt::format("{}:{}: {}", source, number, reason)); };
    const auto fields = split_tabs(line);
    if (fields.size() != 4) {
      error(fmt::format("{} tab-separated fields, expected 4 (date, name, instead of, basis)", fields.size()));
      continue;
    }
    HolidayException e;
    e.line = number;
    const auto date = parse_date(fields[0]);
    if (!date) {
      error(fmt::format("date \"{}\" is not a day written YYYY-MM-DD", fields[0]));
      continue;
    }
    e.date = *date;
    if (model::trim(fields[1]).empty() || model::trim(fields[1]) != fields[1]) {
      error("the name is empty or has spaces around it");
      continue;
    }
    e.name = std::string(fields[1]);
    if (fields[2] != "-") {
      const auto instead_of = parse_date(fields[2]);
      if (!instead_of) {
        error(fmt::format("instead of \"{}\": neither \"-\" nor a day written YYYY-MM-DD", fields[2]));
        continue;
      }
      if (*instead_of == e.date) {
        error("a holiday moved to the day it already is on");
        continue;
      }
      e.instead_of = *instead_of;
    }
    if (model::trim(fields[3]).empty()) {
      error("the legal basis is empty");
      continue;
    }
    e.basis = std::string(model::trim(fields[3]));
    if (!dates.insert(std::chrono::sys_days{e.date}).second) {
      error(fmt::format("a second exception on {}", fields[0]));
      continue;
    }
    out.push_back(std::move(e));
  }
  if (!errors.empty()) {
    std::string message = errors.front();
    for (std::size_t i = 1; i < errors.size(); ++i) message += "\n" + errors[i];
    throw HolidayDataError(message);
  }
  return out;
}

}  // namespace notifications
