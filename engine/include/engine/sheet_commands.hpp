#pragma once
// The workflow's pure decision (DESIGN.md §3, STYLE.md house rule 4): given a sheet, a command
// and who sends it, decide the new sheet and what changed — or refuse, saying why. No I/O:
// the command service below loads and writes through ports.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/errors.hpp"
#include "model/actor.hpp"
#include "model/grade_scale.hpp"
#include "model/sheet.hpp"
#include "model/workflow.hpp"

namespace engine {

// Edit any of the four fields; a field left unset stays as it is. grade = "" clears it.
struct EditFields {
  std::optional<std::string> grade;
  std::optional<std::string> actions;
  std::optional<std::string> results;
  std::optional<std::string> next_steps;
};

struct Transition {
  std::string action;  // an action of the workflow definition
};

struct Command {
  std::variant<EditFields, Transition> what;
  int expected_version = 0;            // the version the actor saw: a stale one is a conflict
  std::optional<std::string> comment;  // required by return and reopen
};

// A sheet with what the decision needs beyond its fields.
struct SheetState {
  model::SheetRecord sheet;
  bool retired = false;
  bool year_open = true;
  std::map<std::string, std::string> last_actors;  // action -> login of who fired it last
  // Last year's grade and 今後の方針, shown beside the sheet (read with it, so that a command's
  // answer needs no second read); no decision looks at them.
  std::optional<std::string> previous_grade{};
  std::optional<std::string> previous_next_steps{};
};

// Why a command was refused; the HTTP API maps these to status codes, the CLI to exit 1.
enum class Refusal {
  not_found,      // 404
  forbidden,      // 403: the actor's grants can never do this to this sheet
  conflict,       // 412: the sheet changed since the actor saw it
  invalid_state,  // 409: allowed, but not in the sheet's current state
  invalid_value,  // 422: a value is missing or wrong (field says which)
};

class CommandError : public DomainError {
 public:
  CommandError(Refusal refusal, std::string message, std::optional<std::string> field = std::nullopt)
      : DomainError(std::move(message)), refusal_(refusal), field_(std::move(field)) {}
  Refusal refusal() const { return refusal_; }
  const std::optional<std::string>& field() const { return field_; }

 private:
  Refusal refusal_;
  std::optional<std::string> field_;
};

struct Rules {
  const model::Workflow& workflow;
  const model::GradeScale& grades;
  bool separation_of_duties = true;
  std::size_t max_text_bytes = 30000;  // per text field
};

struct Decision {
  SheetState after;
  std::string action;          // "edit" or the workflow action
  std::string grant_used;      // e.g. approver@地域福祉課
  std::vector<model::FieldChange> changes;  // empty: nothing to write
};

// Checks, in this order, who may (forbidden), the version (conflict), the state
// (invalid_state), then the values (invalid_value). Throws CommandError.
Decision decide(const SheetState& before, const Command& command, const model::Actor& actor, const Rules& rules);

// The workflow actions this actor could fire on the sheet now (for the API and UI).
std::vector<std::string> allowed_actions(const SheetState& sheet, const model::Actor& actor, const Rules& rules);
// Whether the actor may edit the sheet's fields now.
bool may_edit(const SheetState& sheet, const model::Actor& actor, const Rules& rules);

// ---- the command service: load, decide, write — one transaction ------------------------

struct SheetRef {
  std::optional<long long> id;
  std::optional<int> year;
  std::optional<int> sheet_no;
};

struct AuditEntry {
  long long sheet_id = 0;
  std::string actor;
  std::string grant;
  std::string action;
  std::vector<model::FieldChange> changes;
  std::optional<std::string> comment;
  std::string request_id;
};

// One database transaction (a port; persistence implements it). Destroyed without
// save_and_commit(): everything rolls back.
class SheetUnitOfWork {
 public:
  virtual ~SheetUnitOfWork() = default;
  // Loads and locks the sheet (SELECT … FOR UPDATE); nullopt when there is none.
  virtual std::optional<SheetState> lock_sheet(const SheetRef& ref) = 0;
  // Writes the sheet and its audit event and commits; `expected_version` guards the update
  // (conflict, nothing written, when it no longer holds). One step, so that a store may send
  // the writes and the commit together.
  virtual void save_and_commit(const SheetState& after, int expected_version, const AuditEntry& entry) = 0;
};

class SheetStore {
 public:
  virtual ~SheetStore() = default;
  virtual std::unique_ptr<SheetUnitOfWork> begin() = 0;
};

// The one command service the CLI and the HTTP API both call.
class CommandService {
 public:
  CommandService(SheetStore& store, Rules rules) : store_(store), rules_(rules) {}
  // Locks the sheet (not_found when there is none), decides, writes the sheet and its event,
  // commits: one transaction.
  Decision execute(const SheetRef& ref, const Command& command, const model::Actor& actor, const std::string& request_id);
  // The same, with the command made from the sheet as it was locked: `prepare` sees it before
  // the decision and may refuse by throwing (nothing is written then). For a caller whose own
  // checks come first and need the sheet (the HTTP API's status order), without a second read.
  using Prepare = std::function<Command(const SheetState& locked)>;
  Decision execute(const SheetRef& ref, const Prepare& prepare, const model::Actor& actor, const std::string& request_id);
  const Rules& rules() const { return rules_; }

 private:
  SheetStore& store_;
  Rules rules_;
};

}  // namespace engine
