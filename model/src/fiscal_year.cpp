#include "model/fiscal_year.hpp"

#include <charconv>
#include <stdexcept>

namespace model {
namespace {

struct Era {
  std::string_view name;    // 令和
  std::string_view letter;  // R
  int first_fiscal_year;    // the fiscal year called 元年度
};

// Fiscal years take the era of their name in municipal documents: FY2019 is 令和元年度
// although April 2019 was still Heisei.
constexpr Era kEras[] = {
    {"令和", "R", 2019},
    {"平成", "H", 1989},
};

const Era& era_of(int year) {
  for (const auto& era : kEras) {
    if (year >= era.first_fiscal_year) return era;
  }
  throw std::invalid_argument("fiscal year before Heisei");
}

std::optional<int> parse_int(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

bool consume_prefix(std::string_view& text, std::string_view prefix) {
  if (!text.starts_with(prefix)) return false;
  text.remove_prefix(prefix.size());
  return true;
}

}  // namespace

FiscalYear::FiscalYear(int start_year) : year_(start_year) {
  if (start_year < kMin || start_year > kMax) {
    throw std::invalid_argument(fmt::format("fiscal year {} is outside {}–{}", start_year, kMin, kMax));
  }
}

std::optional<FiscalYear> FiscalYear::parse(std::string_view text) {
  auto make = [](std::optional<int> year) -> std::optional<FiscalYear> {
    if (!year || *year < kMin || *year > kMax) return std::nullopt;
    return FiscalYear(*year);
  };
  if (auto plain = parse_int(text)) return make(plain);
  for (const auto& era : kEras) {
    std::string_view rest = text;
    if (consume_prefix(rest, era.letter)) {
      auto n = parse_int(rest);
      if (n && *n >= 1) return make(era.first_fiscal_year + *n - 1);
      return std::nullopt;
    }
    if (consume_prefix(rest, era.name)) {
      constexpr std::string_view kSuffix = "年度";
      if (!rest.ends_with(kSuffix)) return std::nullopt;
      rest.remove_suffix(kSuffix.size());
      if (rest == "元") return make(era.first_fiscal_year);
      auto n = parse_int(rest);
      if (n && *n >= 2) return make(era.first_fiscal_year + *n - 1);
      return std::nullopt;
    }
  }
  return std::nullopt;
}

FiscalYear FiscalYear::containing(std::chrono::system_clock::time_point instant) {
  using namespace std::chrono;
  auto local_day = floor<days>(instant + kJstOffset);
  year_month_day ymd{local_day};
  int year = static_cast<int>(ymd.year());
  if (ymd.month() < April) --year;
  return FiscalYear(year);
}

std::string FiscalYear::label() const {
  const Era& era = era_of(year_);
  int n = year_ - era.first_fiscal_year + 1;
  if (n == 1) return fmt::format("{}元年度", era.name);
  return fmt::format("{}{}年度", era.name, n);
}

std::string FiscalYear::short_label() const {
  const Era& era = era_of(year_);
  return fmt::format("{}{}", era.letter, year_ - era.first_fiscal_year + 1);
}

std::chrono::system_clock::time_point FiscalYear::begins() const {
  using namespace std::chrono;
  sys_days day{year{year_} / April / 1};
  return time_point_cast<system_clock::duration>(day - kJstOffset);
}

std::chrono::system_clock::time_point FiscalYear::ends() const { return next().begins(); }

bool FiscalYear::contains(std::chrono::system_clock::time_point instant) const {
  return instant >= begins() && instant < ends();
}

}  // namespace model
