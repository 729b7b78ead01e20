#include "model/time.hpp"

#include <optional>

#include <fmt/format.h>

namespace model {

using namespace std::chrono;

namespace {

constexpr hours kJst{9};  // Japan keeps no daylight saving time: a fixed +09:00

[[noreturn]] void bad_time(std::string_view text, std::string_view why) {
  throw TimeError(fmt::format(
      "{:?} is not a time ({}): give RFC 3339 with an offset (2020-04-01T09:00:00+09:00, 2020-04-01T00:00:00Z) "
      "or a date (2020-04-01, meaning 00:00 JST)", text, why));
}

// Reads `n` decimal digits at `pos`.
std::optional<int> digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

TimePoint parse_time(std::string_view text) {
  auto year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
  if (!year || !month || !day || text.size() < 10 || text[4] != '-' || text[7] != '-') bad_time(text, "no date YYYY-MM-DD");
  const year_month_day ymd{std::chrono::year{*year}, std::chrono::month{static_cast<unsigned>(*month)},
                           std::chrono::day{static_cast<unsigned>(*day)}};
  if (!ymd.ok()) bad_time(text, "no such day");
  if (*year < 1900 || *year > 2200) bad_time(text, "the year must be 1900–2200");
  const sys_days date{ymd};
  if (text.size() == 10) return TimePoint(date - kJst);

  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') bad_time(text, "the time must follow 'T'");
  auto hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2);
  if (!hour || !minute || !second || text.size() < 19 || text[13] != ':' || text[16] != ':') bad_time(text, "no time HH:MM:SS");
  if (*hour > 23 || *minute > 59 || *second > 59) bad_time(text, "hour, minute or second out of range");
  std::size_t pos = 19;
  nanoseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t first = pos;
    long long ns = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (pos - first < 9) ns = ns * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == first) bad_time(text, "no digits after '.'");
    for (std::size_t n = pos - first; n < 9; ++n) ns *= 10;
    fraction = nanoseconds(ns);
  }
  minutes offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    auto oh = digits(text, pos + 1, 2), om = digits(text, pos + 4, 2);
    if (!oh || !om || text.size() < pos + 6 || text[pos + 3] != ':' || *oh > 23 || *om > 59) bad_time(text, "the offset must be ±HH:MM");
    offset = hours(*oh) + minutes(*om);
    if (text[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    bad_time(text, "no offset: add Z or +09:00");
  }
  if (pos != text.size()) bad_time(text, "text after the offset");
  const auto local = date + hours(*hour) + minutes(*minute) + seconds(*second);
  return time_point_cast<TimePoint::duration>(local - offset + fraction);
}

std::string format_utc(TimePoint t) {
  const auto us = floor<microseconds>(t);
  const auto day = floor<days>(us);
  const year_month_day ymd{day};
  const hh_mm_ss hms{us - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()), hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                     hms.subseconds().count());
}

std::string format_jst(TimePoint t) {
  const auto s = floor<seconds>(t) + kJst;
  const auto day = floor<days>(s);
  const year_month_day ymd{day};
  const hh_mm_ss hms{s - day};
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02} JST", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()), hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

}  // namespace model
