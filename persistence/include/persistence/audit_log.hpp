#pragma once
// The audit trail's history (DESIGN.md §4): one sheet's timeline, a measure across years, an
// actor's actions in a period, and a sheet as it stood at any past moment, rebuilt from the
// events alone.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include <soci/soci.h>

#include "model/sheet.hpp"
#include "model/time.hpp"

namespace persistence {

using TimePoint = std::chrono::system_clock::time_point;

// A time given on the command line, read by model::parse_time; what it refuses is an
// engine::DomainError (the CLI's exit 1) naming `text`.
TimePoint parse_time_argument(std::string_view text);
using model::format_jst;
using model::format_utc;

struct LoggedEvent {
  long long id = 0;
  std::string entity_type;
  std::string entity_id;
  long long chain_position = 0;
  std::string occurred_at;  // RFC 3339 UTC with microseconds
  std::string actor;
  std::optional<std::string> actor_grant;
  std::string action;
  boost::json::object changes;
  std::optional<std::string> comment;
  std::optional<std::string> request_id;
  std::string hash;  // hex
  // For sheet events whose sheet row exists: its fiscal year and number (text output only).
  std::optional<int> sheet_year;
  std::optional<int> sheet_no;
};

// [since, until): events at or after `since` and before `until`; either may be open.
struct TimeRange {
  std::optional<TimePoint> since;
  std::optional<TimePoint> until;
};

// The sheet's database id from its fiscal year and number; nullopt when there is none.
std::optional<long long> find_sheet_id(soci::session& sql, int fiscal_year, int sheet_no);
// One sheet's chain in order.
std::vector<LoggedEvent> sheet_events(soci::session& sql, long long sheet_id, const TimeRange& range = {});
// The sheets of a measure (by its key, e.g. M10) in every year: by year, sheet number, position.
// Throws engine::DomainError when no measure has that key.
std::vector<LoggedEvent> measure_events(soci::session& sql, const std::string& measure_key, const TimeRange& range = {});
// What an actor (login, cli:<os user>, system) did, in time order.
std::vector<LoggedEvent> actor_events(soci::session& sql, const std::string& actor, const TimeRange& range = {});

// A sheet as it stood at `t`: the replay of its chain's events with occurred_at <= t, starting
// from {} and setting every changed field to its "after" value (any field, so a field added
// later replays too). Throws engine::DomainError when the sheet had no event by then.
boost::json::object sheet_as_of(soci::session& sql, long long sheet_id, TimePoint t);
// sheet_as_of as a record (id, year, number, measure, grade, state, departments, texts,
// version); `retired`, when given, receives whether it was retired then.
model::SheetRecord sheet_record_as_of(soci::session& sql, long long sheet_id, TimePoint t, bool* retired = nullptr);

// Any events by actor, entity and time, a page at a time in id order (the HTTP audit search).
struct EventSearch {
  std::optional<std::string> actor;
  std::optional<std::string> entity_type;
  std::optional<std::string> entity_id;
  TimeRange range;
  long long after_id = 0;
  int limit = 500;
};
std::vector<LoggedEvent> search_events(soci::session& sql, const EventSearch& search);
// Applies one event's changes ({"field": {"before", "after"}}) to a replayed object.
void apply_changes(boost::json::object& state, const boost::json::object& changes);

// Output of `audit log`. Each event as JSON: id, entity_type, entity_id, chain_position,
// occurred_at, actor, actor_grant, action, changes, comment, request_id, hash.
boost::json::object event_json(const LoggedEvent& e);
// A JSON array on one line, with a final line break.
std::string events_json(const std::vector<LoggedEvent>& events);
// One JSON object per line.
std::string events_jsonl(const std::vector<LoggedEvent>& events);
// RFC 4180 for Excel: byte-order mark, a header, CRLF, every field quoted when it holds a comma,
// a quote or a line break; changes as JSON text.
std::string events_csv(const std::vector<LoggedEvent>& events);
// One line per event: time in JST, actor, action, entity, changed fields, comment.
std::string events_text(const std::vector<LoggedEvent>& events);

}  // namespace persistence
