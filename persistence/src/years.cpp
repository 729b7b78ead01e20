#include "persistence/years.hpp"

#include <fmt/format.h>

#include "engine/errors.hpp"
#include "persistence/audit.hpp"
#include "persistence/sheets.hpp"
#include "sql_files.hpp"

namespace persistence {
namespace {

void year_event(soci::session& sql, int year, const std::string& action, boost::json::object changes, const YearChange& c,
                std::optional<std::string> comment = std::nullopt) {
  append_event(sql, {"fiscal_year", std::to_string(year), action, c.actor, c.actor_grant, std::move(changes), std::move(comment),
                     c.request_id});
}

void set_state(soci::session& sql, int year, const std::string& state) {
  soci::statement st = (sql.prepare << sql_text("years/set_year_state.sql"), soci::use(state, "state"), soci::use(year, "year"));
  st.execute(true);
  if (st.get_affected_rows() != 1) throw engine::DomainError(fmt::format("fiscal year {} is already {}", year, state));
}

}  // namespace

YearOpened open_year(soci::session& sql, int year, const std::string& initial_state, const YearChange& change) {
  soci::transaction tx(sql);
  if (auto existing = find_fiscal_year(sql, year)) {
    throw engine::DomainError(fmt::format("fiscal year {} is already open or closed ({}): a year is opened once", year, existing->state));
  }
  // The year before stays still while it is copied: no sheet retired or added in between.
  const int previous = year - 1;
  sql << "SELECT year FROM fiscal_year WHERE year = :year FOR UPDATE", soci::use(previous, "year");
  if (!find_fiscal_year(sql, year - 1)) {
    throw engine::DomainError(fmt::format("fiscal year {} does not exist, so {} cannot be opened from it", year - 1, year));
  }
  {
    int first = 0, last = 0;
    sql << "SELECT p.first_year, p.last_year FROM fiscal_year y JOIN plan p ON p.id = y.plan_id WHERE y.year = :year",
        soci::use(previous, "year"), soci::into(first), soci::into(last);
    if (year > last) {
      throw engine::DomainError(fmt::format("the plan covers fiscal years {}–{}: {} is outside it", first, last, year));
    }
  }
  {
    soci::statement st = (sql.prepare << sql_text("years/insert_open_year.sql"), soci::use(year, "year"));
    st.execute(true);
  }
  YearOpened out;
  {
    soci::rowset<soci::row> rows = (sql.prepare << sql_text("years/not_carried_over.sql"), soci::use(year, "year"));
    for (const auto& r : rows) out.not_carried.emplace_back(r.get<int>(0), r.get<std::string>(1));
  }
  int events = 0;
  const std::string comment = fmt::format("opened from fiscal year {}", year - 1);
  std::string grant = change.actor_grant.value_or("");
  soci::indicator grant_ind = change.actor_grant ? soci::i_ok : soci::i_null;
  sql << sql_text("years/carry_over_sheets.sql"), soci::use(year, "year"), soci::use(initial_state, "state"),
      soci::use(change.actor, "actor"), soci::use(grant, grant_ind, "actor_grant"), soci::use(comment, "comment"),
      soci::use(change.request_id, "request_id"), soci::into(out.created), soci::into(events);
  boost::json::array left;
  for (const auto& [no, why] : out.not_carried) left.push_back({{"sheet_no", no}, {"reason", why}});
  year_event(sql, year, "open",
             {{"state", {{"before", nullptr}, {"after", "open"}}},
              {"sheets", {{"before", nullptr}, {"after", out.created}}},
              {"not_carried_over", {{"before", nullptr}, {"after", left}}}},
             change, comment);
  tx.commit();
  return out;
}

void close_year(soci::session& sql, int year, const std::string& final_state, const YearChange& change) {
  soci::transaction tx(sql);
  auto existing = find_fiscal_year(sql, year);
  if (!existing) throw YearNotFound(fmt::format("fiscal year {} does not exist", year));
  // Sheet commands hold the year's row FOR SHARE: locking it here waits for those in flight and
  // keeps new ones out until the year is closed, so no sheet moves while we look.
  sql << "SELECT year FROM fiscal_year WHERE year = :year FOR UPDATE", soci::use(year, "year");
  existing = find_fiscal_year(sql, year);  // as it is now that nothing else moves it
  if (existing->state == "closed") throw YearNotClosable(fmt::format("fiscal year {} is already closed", year), "closed", {});
  std::vector<NotFinalSheet> pending;
  soci::rowset<soci::row> rows = (sql.prepare << sql_text("years/sheets_not_final.sql"), soci::use(year, "year"),
                                  soci::use(final_state, "final_state"));
  for (const auto& r : rows) pending.push_back({r.get<int>(0), r.get<std::string>(1)});
  if (!pending.empty()) {
    std::string list;
    for (std::size_t i = 0; i < pending.size() && i < 20; ++i) list += fmt::format("\n  sheet {} ({})", pending[i].sheet_no, pending[i].state);
    if (pending.size() > 20) list += fmt::format("\n  … and {} more", pending.size() - 20);
    // The message first: the list is moved into the exception.
    std::string what = fmt::format("fiscal year {} cannot close: {} sheets are not {} yet:{}", year, pending.size(), final_state, list);
    throw YearNotClosable(what, existing->state, std::move(pending));
  }
  set_state(sql, year, "closed");
  year_event(sql, year, "close", {{"state", {{"before", existing->state}, {"after", "closed"}}}}, change);
  tx.commit();
}

void reopen_year(soci::session& sql, int year, const YearChange& change) {
  soci::transaction tx(sql);
  auto existing = find_fiscal_year(sql, year);
  if (!existing) throw engine::DomainError(fmt::format("fiscal year {} does not exist", year));
  set_state(sql, year, "open");
  year_event(sql, year, "reopen", {{"state", {{"before", existing->state}, {"after", "open"}}}}, change);
  tx.commit();
}

std::optional<YearStatus> year_status(soci::session& sql, int year) {
  auto existing = find_fiscal_year(sql, year);
  if (!existing) return std::nullopt;
  YearStatus out;
  out.state = existing->state;
  soci::rowset<soci::row> rows = (sql.prepare << sql_text("years/year_counts.sql"), soci::use(year, "year"));
  for (const auto& r : rows) {
    int n = r.get<int>(3);
    out.sheets += n;
    if (r.get<int>(2) != 0) out.retired += n;
    else out.counts[r.get<std::string>(0)][r.get<std::string>(1)] += n;
  }
  return out;
}

std::vector<int> list_years(soci::session& sql) {
  std::vector<int> years;
  soci::rowset<int> rows = (sql.prepare << sql_text("years/select_years.sql"));
  for (int y : rows) years.push_back(y);
  return years;
}

}  // namespace persistence
