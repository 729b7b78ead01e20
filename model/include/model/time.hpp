#pragma once
// Times as users and the audit trail write them. One parser for the CLI's arguments and the
// HTTP API's query parameters, so that both accept and refuse the same text.
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

namespace model {

using TimePoint = std::chrono::system_clock::time_point;

class TimeError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// RFC 3339 with an offset (2020-04-01T09:00:00+09:00, 2020-04-01T00:00:00.5Z; 't'/'z' and a
// space for 'T' are accepted), or a bare date, which means 00:00 JST (+09:00) of that day.
// Years 1900–2200 only (system_clock's 64-bit nanoseconds wrap outside 1677–2262). Throws
// TimeError naming `text` and what is wrong with it.
TimePoint parse_time(std::string_view text);
// RFC 3339 in UTC with microseconds (the audit trail's form): 2020-03-31T15:00:00.000000Z.
std::string format_utc(TimePoint t);
// As a person in Japan reads it: 2020-04-01 09:00:00 JST.
std::string format_jst(TimePoint t);

}  // namespace model
