#pragma once
// Signed checkpoints of the audit trail (persistence/AUDIT.md, "Checkpoints"): a chain kept only
// inside the database can be rewritten whole by a superuser, so every chain's length and head,
// and a Merkle root over them, are signed with an Ed25519 key kept outside the database and
// the repository, and the file is kept by auditors. `audit verify --checkpoint FILE` then
// proves that today's history still extends what was signed.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include <soci/soci.h>

namespace persistence {

inline constexpr std::string_view kCheckpointFormat = "shinchoku-checkpoint-v1";

// One chain as a checkpoint records it: its length and the hash of its last event.
struct ChainHead {
  std::string entity_type;
  std::string entity_id;
  long long length = 0;
  std::string head;  // lowercase hex of the last event's hash
  auto operator<=>(const ChainHead&) const = default;
};

struct Checkpoint {
  std::string created_at;          // the snapshot's time, RFC 3339 UTC with microseconds
  std::vector<ChainHead> chains;   // sorted by (entity_type, entity_id), bytewise
  std::string merkle_root;         // hex
  std::string public_key;          // hex, 32 bytes
  std::string signature;           // hex, 64 bytes: Ed25519 over checkpoint_signed_bytes
};

// Sorts chains by (entity_type, entity_id) compared bytewise, the order the Merkle tree and
// the signed bytes use.
void sort_chains(std::vector<ChainHead>& chains);

// SHA-256 leaf of a chain: sha256("leaf:" type "\0" id "\0" decimal length "\0" head-hex), hex.
std::string merkle_leaf(const ChainHead& chain);
// The root over the leaves of `chains` in the order given (sort first): pairs are hashed as
// sha256("node:" left right) over the 32-byte binary values, an odd last node is promoted
// unchanged, until one is left. No chains: sha256("empty:"). Hex.
std::string merkle_root(const std::vector<ChainHead>& chains);

// The bytes the signature covers: everything in the checkpoint but the signature, in a fixed
// line form (AUDIT.md). Chains in the order given.
std::string checkpoint_signed_bytes(const Checkpoint& c);

// The checkpoint file: one JSON object {"format", "created_at", "chains": [{"entity_type",
// "entity_id", "length", "head"}…], "merkle_root", "public_key", "signature"}.
boost::json::object checkpoint_json(const Checkpoint& c);
// Reads a checkpoint file's text. Throws std::invalid_argument saying what is wrong (not JSON,
// another format, a missing or mistyped member, hex that is not lowercase or has the wrong
// length, chains out of order or repeated).
Checkpoint parse_checkpoint(std::string_view text);

// Why a checkpoint's signature is not accepted; nullopt when it verifies against
// `trusted_key` (hex) or, when none is given, against the key the file names. Also refuses a
// file whose embedded key differs from `trusted_key` and one whose Merkle root does not match
// its chains.
std::optional<std::string> checkpoint_signature_problem(const Checkpoint& c, const std::optional<std::string>& trusted_key);

// ---- keys ----------------------------------------------------------------------------------

// A private key file holds the 32-byte Ed25519 seed in hex after a comment line; PATH.pub
// beside it holds the public key in hex.
struct SigningKey {
  std::string public_key;  // hex
  std::string secret_key;  // libsodium's 64-byte secret key, binary
};

// Generates a key pair and writes PATH (created with O_CREAT|O_EXCL, mode 0600, its folder made
// 0700 when missing) and PATH.pub. Refuses (engine::DomainError) an existing PATH unless
// `force`, in which case the old files are removed first. Returns the public key in hex.
std::string write_key_pair(const std::filesystem::path& key_file, bool force);
// Reads a private key file. Refuses (engine::DomainError) a missing or malformed file and one
// that group or others may read.
SigningKey read_signing_key(const std::filesystem::path& key_file);
// --pubkey: 64 hex digits, or a file whose first line that is not a comment holds them (a .pub
// file). Throws engine::DomainError otherwise.
std::string read_public_key(const std::string& hex_or_file);

// Signs `c` (created_at and chains set) with `key`: fills merkle_root, public_key, signature.
void sign_checkpoint(Checkpoint& c, const SigningKey& key);

// Verifies the whole audit trail (audit_verify.hpp) and, when it holds, returns a signed
// checkpoint of every chain as of the verify's snapshot. Refuses (engine::DomainError naming the
// failure) to sign a history that does not verify.
Checkpoint create_checkpoint(soci::session& sql, const SigningKey& key);

}  // namespace persistence
