#pragma once
// Fiscal years: opened from the year before, closed when every sheet is final, reopened by
// an admin. Every step is audited as an event of the fiscal year (and of each sheet it creates).
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <soci/soci.h>

#include "engine/errors.hpp"

namespace persistence {

struct YearChange {
  std::string actor;
  std::optional<std::string> actor_grant;
  std::string request_id;
};

struct YearOpened {
  int created = 0;
  std::vector<std::pair<int, std::string>> not_carried;  // sheet number, why (retired, grade D 中止)
};

// Opens `year` with a draft (in `initial_state`) for every sheet of the year before, except
// retired ones and those whose grade discontinues the measure. Refuses (engine::DomainError)
// a year that exists and a year whose predecessor does not.
YearOpened open_year(soci::session& sql, int year, const std::string& initial_state, const YearChange& change);

// close_year's refusals, DomainErrors with what a caller needs to answer them (the HTTP API:
// 404 and 409).
class YearNotFound : public engine::DomainError {
 public:
  using engine::DomainError::DomainError;
};
struct NotFinalSheet {
  int sheet_no = 0;
  std::string state;
};
class YearNotClosable : public engine::DomainError {
 public:
  YearNotClosable(const std::string& what, std::string year_state, std::vector<NotFinalSheet> not_final)
      : engine::DomainError(what), year_state(std::move(year_state)), not_final(std::move(not_final)) {}
  std::string year_state;                // "open", or "closed" already
  std::vector<NotFinalSheet> not_final;  // by sheet number; empty when the year is closed already
};

// Closes `year`; refuses while a sheet that is not retired is not in `final_state`, naming them
// (YearNotClosable), an unknown year (YearNotFound) and a year that is closed already.
void close_year(soci::session& sql, int year, const std::string& final_state, const YearChange& change);

// Opens a closed year again (admins).
void reopen_year(soci::session& sql, int year, const YearChange& change);

struct YearStatus {
  std::string state;                                        // open | closed
  std::map<std::string, std::map<std::string, int>> counts;  // sheet state -> grade ("" none) -> sheets
  int retired = 0;
  int sheets = 0;
};
std::optional<YearStatus> year_status(soci::session& sql, int year);
// Every fiscal year in the database, in order.
std::vector<int> list_years(soci::session& sql);

}  // namespace persistence
