#pragma once
// `shinchoku audit verify`: recomputes the audit trail from a fresh read, independently of the
// database's own functions (persistence/AUDIT.md, "Verification"). It streams every event in
// chain order through a server-side cursor, so memory does not grow with the number of events.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include <soci/soci.h>

#include "persistence/checkpoint.hpp"

namespace persistence {

// How an event fails, as `audit verify` words it (AUDIT.md lists when each is used).
namespace audit_reason {
inline constexpr std::string_view kContentChanged = "content changed";
inline constexpr std::string_view kEventMissing = "event missing";
inline constexpr std::string_view kOrderBroken = "order broken";
inline constexpr std::string_view kHeadDiffers = "head differs";
inline constexpr std::string_view kRowDiffers = "row differs from its history";
inline constexpr std::string_view kCheckpointNotExtended = "history no longer extends the checkpoint";
inline constexpr std::string_view kBadSignature = "bad signature";
}  // namespace audit_reason

// An event's columns as read for verification: times and hashes as text, exactly as the
// canonical form spells them.
struct StoredEvent {
  long long id = 0;
  std::string entity_type;
  std::string entity_id;
  long long chain_position = 0;
  std::string occurred_at;  // UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ
  std::string actor;
  std::optional<std::string> actor_grant;
  std::string action;
  std::string changes;      // jsonb's text form
  std::optional<std::string> comment;
  std::optional<std::string> request_id;
  std::optional<std::string> prev_hash;  // lowercase hex; none for the first event
  std::string hash;                      // lowercase hex, as stored
};

// The canonical byte form, version 1 (AUDIT.md), built in C++ from the fields.
std::string canonical_event_bytes(const StoredEvent& e);
// SHA-256 of canonical_event_bytes, lowercase hex.
std::string event_hash_hex(const StoredEvent& e);

struct VerifyFailure {
  std::optional<std::string> entity_type;  // none for a checkpoint that fails as a whole
  std::optional<std::string> entity_id;
  std::optional<long long> position;
  std::string reason;   // one of audit_reason
  std::string detail;
  std::optional<long long> event_id;     // audit_event.id when the failing event is there
  std::optional<std::string> checkpoint; // the checkpoint's name (file) when one is involved
};

// A checkpoint to verify against: its name (the file) and its text.
struct CheckpointInput {
  std::string name;
  std::string text;
};

struct CheckpointSummary {
  std::string name;
  std::string created_at;
  long long chains = 0;
  std::string public_key;
  bool key_trusted = false;  // checked against --pubkey, not only against the key it names
};

struct VerifyOptions {
  std::vector<CheckpointInput> checkpoints;
  std::optional<std::string> trusted_public_key;  // hex (--pubkey)
};

struct VerifyReport {
  long long events = 0;  // events read and checked
  long long chains = 0;  // chains with at least one event
  long long sheets = 0;  // sheet rows compared with the replay of their chain
  std::vector<CheckpointSummary> checkpoints;
  std::optional<VerifyFailure> failure;  // the first failure; verification stops there
  bool ok() const { return !failure.has_value(); }
};

// Called for every chain that verified, with its length and head, in the stream's order.
using ChainVisitor = std::function<void(const ChainHead&)>;

// Verifies every chain, the chain-head table, every sheet row against the replay of its
// chain, and the history against each checkpoint (after checking its signature), in one
// read-only REPEATABLE READ transaction of its own on `sql` (so not inside another one).
// Stops at the first failure. `snapshot_time`, when given, receives the transaction's time.
VerifyReport verify_audit(soci::session& sql, const VerifyOptions& options, const ChainVisitor& on_chain = {},
                          std::string* snapshot_time = nullptr);

// {"ok", "checked", "chains", "sheets", "failure": null | {"entity_type", "entity_id",
// "position", "reason", "detail", "event_id", "checkpoint"}, "checkpoints": […]}.
boost::json::object verify_report_json(const VerifyReport& report);
// "OK: …" with the counts, or "FAILED: sheet 12 position 3: content changed (…)", plus a line
// per checkpoint; every line ends in '\n'.
std::string verify_report_text(const VerifyReport& report);
// "sheet 12 position 3: content changed (detail)".
std::string describe_failure(const VerifyFailure& f);

}  // namespace persistence
