#pragma once
// A Japanese fiscal year: April 1 to March 31, named by the Gregorian year it starts in
// (2019) and shown in the era calendar (令和元年度, R1).
#include <chrono>
#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace model {

class FiscalYear {
 public:
  // Fiscal years this system can name: from the first Heisei fiscal year to far beyond any plan.
  static constexpr int kMin = 1989;
  static constexpr int kMax = 2200;

  // Throws std::invalid_argument outside [kMin, kMax].
  explicit FiscalYear(int start_year);

  // Accepts "2019", "R1", "令和元年度", "令和2年度", "H30", "平成30年度".
  static std::optional<FiscalYear> parse(std::string_view text);
  // The fiscal year that contains the instant, by the calendar in Japan (JST, +09:00).
  static FiscalYear containing(std::chrono::system_clock::time_point instant);

  int start_year() const { return year_; }
  std::string label() const;        // 令和元年度
  std::string short_label() const;  // R1
  // [April 1 00:00 JST, next April 1 00:00 JST) as UTC instants.
  std::chrono::system_clock::time_point begins() const;
  std::chrono::system_clock::time_point ends() const;
  bool contains(std::chrono::system_clock::time_point instant) const;

  FiscalYear next() const { return FiscalYear(year_ + 1); }
  FiscalYear previous() const { return FiscalYear(year_ - 1); }
  auto operator<=>(const FiscalYear&) const = default;

 private:
  int year_;
};

// Japan has no daylight saving time: JST is a fixed offset (TOOLCHAIN.md).
inline constexpr std::chrono::hours kJstOffset{9};

}  // namespace model

template <>
struct fmt::formatter<model::FiscalYear> : fmt::formatter<std::string_view> {
  auto format(const model::FiscalYear& y, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(y.label(), ctx);
  }
};
