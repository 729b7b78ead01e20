#pragma once
// engine::SheetStore on PostgreSQL: one SOCI transaction per command, the sheet locked with
// SELECT … FOR UPDATE, its row and its audit event written together.
#include <boost/json.hpp>
#include <soci/soci.h>

#include "engine/sheet_commands.hpp"

namespace persistence {

class PgSheetStore : public engine::SheetStore {
 public:
  explicit PgSheetStore(soci::session& sql) : sql_(sql) {}
  std::unique_ptr<engine::SheetUnitOfWork> begin() override;

 private:
  soci::session& sql_;
};

// A sheet as it is now, without locking it, with last year's grade and 今後の方針 for reference.
struct SheetDetails {
  engine::SheetState state;
  std::optional<std::string> previous_grade;
  std::optional<std::string> previous_next_steps;
};
std::optional<SheetDetails> find_sheet(soci::session& sql, const engine::SheetRef& ref);

// The audit trail's JSON for a field value.
boost::json::value to_json(const model::FieldValue& v);

}  // namespace persistence
