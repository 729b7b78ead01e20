#include "persistence/checkpoint.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <fmt/format.h>

#include "engine/errors.hpp"
#include "persistence/audit_verify.hpp"

namespace persistence {

namespace json = boost::json;

namespace {

void ensure_sodium() {
  static const int initialised = sodium_init();
  if (initialised < 0) throw std::runtime_error("libsodium cannot be initialised");
}

std::string to_hex(const unsigned char* bytes, std::size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, n);
  out.pop_back();
  return out;
}

bool is_lower_hex(std::string_view s, std::size_t bytes) {
  return s.size() == bytes * 2 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Lowercase hex of exactly `bytes` bytes to binary; the caller has checked is_lower_hex.
std::string from_hex(std::string_view hex) {
  std::string out(hex.size() / 2, '\0');
  std::size_t len = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(), hex.size(), nullptr, &len, nullptr) != 0 ||
      len != out.size()) {
    throw std::invalid_argument(fmt::format("{:?} is not hex", hex));
  }
  return out;
}

using Digest = std::array<unsigned char, crypto_hash_sha256_BYTES>;

Digest sha256(std::string_view bytes) {
  Digest d;
  crypto_hash_sha256(d.data(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return d;
}

Digest merkle_node(const Digest& left, const Digest& right) {
  std::string bytes = "node:";
  bytes.append(reinterpret_cast<const char*>(left.data()), left.size());
  bytes.append(reinterpret_cast<const char*>(right.data()), right.size());
  return sha256(bytes);
}

// `name:<length in bytes>:<value>\n`, as the audit trail's canonical form writes fields.
void field(std::string& out, std::string_view name, std::string_view value) {
  out += fmt::format("{}:{}:{}\n", name, value.size(), value);
}

// The first line of a key file that is neither empty nor a comment, trimmed.
std::string first_value_line(const std::string& text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    auto last = line.find_last_not_of(" \t\r");
    return line.substr(first, last - first + 1);
  }
  return "";
}

std::string read_text_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw engine::DomainError(fmt::format("{}: cannot read the file", p.string()));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_all(int fd, const std::string& text, const std::filesystem::path& p) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw engine::DomainError(fmt::format("{}: cannot write: {}", p.string(), std::strerror(errno)));
    }
    done += static_cast<std::size_t>(n);
  }
}

// Creates `p` exclusively with `mode` and writes `text`; refuses an existing file.
void create_exclusive(const std::filesystem::path& p, const std::string& text, mode_t mode) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) throw engine::DomainError(fmt::format("{}: cannot create: {}", p.string(), std::strerror(errno)));
  try {
    // The mode given to open is filtered by the umask; a key file is 0600 whatever the umask.
    if (::fchmod(fd, mode) != 0) throw engine::DomainError(fmt::format("{}: cannot set mode: {}", p.string(), std::strerror(errno)));
    write_all(fd, text, p);
    if (::fsync(fd) != 0) throw engine::DomainError(fmt::format("{}: cannot sync: {}", p.string(), std::strerror(errno)));
  } catch (...) {
    ::close(fd);
    std::error_code ec;
    std::filesystem::remove(p, ec);
    throw;
  }
  ::close(fd);
}

const json::value& member(const json::object& o, std::string_view key, json::kind kind, std::string_view where) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) throw std::invalid_argument(fmt::format("{}: {:?} is missing", where, key));
  if (v->kind() != kind && !(kind == json::kind::int64 && v->is_uint64())) {
    throw std::invalid_argument(fmt::format("{}: {:?} has the wrong type", where, key));
  }
  return *v;
}

std::string hex_member(const json::object& o, std::string_view key, std::size_t bytes, std::string_view where) {
  std::string v(member(o, key, json::kind::string, where).as_string());
  if (!is_lower_hex(v, bytes)) throw std::invalid_argument(fmt::format("{}: {:?} is not {} bytes of lowercase hex", where, key, bytes));
  return v;
}

}  // namespace

void sort_chains(std::vector<ChainHead>& chains) {
  // std::string compares as unsigned bytes (char_traits<char>), the order documented for leaves.
  std::sort(chains.begin(), chains.end(), [](const ChainHead& a, const ChainHead& b) {
    return std::tie(a.entity_type, a.entity_id) < std::tie(b.entity_type, b.entity_id);
  });
}

std::string merkle_leaf(const ChainHead& c) {
  ensure_sodium();
  std::string bytes = "leaf:";
  bytes += c.entity_type;
  bytes += '\0';
  bytes += c.entity_id;
  bytes += '\0';
  bytes += std::to_string(c.length);
  bytes += '\0';
  bytes += c.head;
  auto d = sha256(bytes);
  return to_hex(d.data(), d.size());
}

std::string merkle_root(const std::vector<ChainHead>& chains) {
  ensure_sodium();
  if (chains.empty()) {
    auto d = sha256("empty:");
    return to_hex(d.data(), d.size());
  }
  std::vector<Digest> level;
  level.reserve(chains.size());
  for (const auto& c : chains) {
    std::string leaf = from_hex(merkle_leaf(c));
    Digest d;
    std::copy(leaf.begin(), leaf.end(), d.begin());
    level.push_back(d);
  }
  while (level.size() > 1) {
    std::vector<Digest> next;
    next.reserve((level.size() + 1) / 2);
    for (std::size_t i = 0; i + 1 < level.size(); i += 2) next.push_back(merkle_node(level[i], level[i + 1]));
    if (level.size() % 2 == 1) next.push_back(level.back());  // an odd node is promoted unchanged
    level = std::move(next);
  }
  return to_hex(level.front().data(), level.front().size());
}

std::string checkpoint_signed_bytes(const Checkpoint& c) {
  std::string out = std::string(kCheckpointFormat) + "\n";
  field(out, "created_at", c.created_at);
  field(out, "public_key", c.public_key);
  out += fmt::format("chains:{}\n", c.chains.size());
  for (const auto& ch : c.chains) {
    out += fmt::format("chain:{}:{}:{}:{}:{}:{}\n", ch.entity_type.size(), ch.entity_type, ch.entity_id.size(), ch.entity_id,
                       ch.length, ch.head);
  }
  field(out, "merkle_root", c.merkle_root);
  return out;
}

json::object checkpoint_json(const Checkpoint& c) {
  json::array chains;
  chains.reserve(c.chains.size());
  for (const auto& ch : c.chains) {
    chains.push_back({{"entity_type", ch.entity_type}, {"entity_id", ch.entity_id}, {"length", ch.length}, {"head", ch.head}});
  }
  return {{"format", kCheckpointFormat},
          {"created_at", c.created_at},
          {"chains", std::move(chains)},
          {"merkle_root", c.merkle_root},
          {"public_key", c.public_key},
          {"signature", c.signature}};
}

Checkpoint parse_checkpoint(std::string_view text) {
  json::value v;
  try {
    v = json::parse(text);
  } catch (const std::exception& e) {
    throw std::invalid_argument(fmt::format("not JSON: {}", e.what()));
  }
  if (!v.is_object()) throw std::invalid_argument("not a JSON object");
  const auto& o = v.as_object();
  const auto& format = member(o, "format", json::kind::string, "checkpoint").as_string();
  if (format != kCheckpointFormat) throw std::invalid_argument(fmt::format("format {:?} is not {}", std::string_view(format), kCheckpointFormat));
  Checkpoint c;
  c.created_at = std::string(member(o, "created_at", json::kind::string, "checkpoint").as_string());
  c.merkle_root = hex_member(o, "merkle_root", crypto_hash_sha256_BYTES, "checkpoint");
  c.public_key = hex_member(o, "public_key", crypto_sign_PUBLICKEYBYTES, "checkpoint");
  c.signature = hex_member(o, "signature", crypto_sign_BYTES, "checkpoint");
  const auto& chains = member(o, "chains", json::kind::array, "checkpoint").as_array();
  c.chains.reserve(chains.size());
  for (std::size_t i = 0; i < chains.size(); ++i) {
    const std::string where = fmt::format("chain {}", i + 1);
    if (!chains[i].is_object()) throw std::invalid_argument(where + ": not an object");
    const auto& co = chains[i].as_object();
    ChainHead ch;
    ch.entity_type = std::string(member(co, "entity_type", json::kind::string, where).as_string());
    ch.entity_id = std::string(member(co, "entity_id", json::kind::string, where).as_string());
    const auto& length = member(co, "length", json::kind::int64, where);
    ch.length = length.is_int64() ? length.as_int64() : static_cast<long long>(length.as_uint64());
    if (ch.length < 1) throw std::invalid_argument(where + ": length below 1");
    ch.head = hex_member(co, "head", crypto_hash_sha256_BYTES, where);
    if (!c.chains.empty() && !(std::tie(c.chains.back().entity_type, c.chains.back().entity_id) < std::tie(ch.entity_type, ch.entity_id))) {
      throw std::invalid_argument(where + ": chains are not sorted by entity_type and entity_id, or one is repeated");
    }
    c.chains.push_back(std::move(ch));
  }
  return c;
}

std::optional<std::string> checkpoint_signature_problem(const Checkpoint& c, const std::optional<std::string>& trusted_key) {
  ensure_sodium();
  if (trusted_key && *trusted_key != c.public_key) {
    return fmt::format("it names public key {}, not the key given with --pubkey ({}): it was not signed by the key you trust",
                       c.public_key, *trusted_key);
  }
  const std::string key = from_hex(c.public_key);
  const std::string signature = from_hex(c.signature);
  const std::string bytes = checkpoint_signed_bytes(c);
  if (crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                                  reinterpret_cast<const unsigned char*>(key.data())) != 0) {
    return fmt::format("the signature does not verify against public key {}: the file was changed after it was signed", c.public_key);
  }
  // Signed but inconsistent: whoever signed it did not compute the root over these chains.
  if (merkle_root(c.chains) != c.merkle_root) return std::string("its Merkle root does not match its chains");
  return std::nullopt;
}

// ---- keys ------------------------------------------------------------------------------------

std::string write_key_pair(const std::filesystem::path& key_file, bool force) {
  ensure_sodium();
  const std::filesystem::path pub_file = key_file.string() + ".pub";
  std::error_code ec;
  const bool exists = std::filesystem::symlink_status(key_file, ec).type() != std::filesystem::file_type::not_found;
  const bool pub_exists = std::filesystem::symlink_status(pub_file, ec).type() != std::filesystem::file_type::not_found;
  if ((exists || pub_exists) && !force) {
    throw engine::DomainError(fmt::format(
        "{} already exists: a new key would leave the checkpoints signed with the old one without their key; "
        "pass --force to replace it", (exists ? key_file : pub_file).string()));
  }
  if (exists && std::filesystem::is_directory(key_file)) throw engine::DomainError(fmt::format("{} is a folder", key_file.string()));
  const auto folder = key_file.has_parent_path() ? key_file.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::exists(folder)) {
    std::filesystem::create_directories(folder);
    std::filesystem::permissions(folder, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
  }
  if (exists) std::filesystem::remove(key_file);
  if (pub_exists) std::filesystem::remove(pub_file);

  std::array<unsigned char, crypto_sign_SEEDBYTES> seed;
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pk;
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> sk;
  randombytes_buf(seed.data(), seed.size());
  crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data());
  std::string text = "# shinchoku audit signing key: the Ed25519 seed in hex. Keep it private (mode 0600), "
                     "outside the repository.\n" + to_hex(seed.data(), seed.size()) + "\n";
  sodium_memzero(seed.data(), seed.size());
  sodium_memzero(sk.data(), sk.size());
  try {
    create_exclusive(key_file, text, 0600);
  } catch (...) {
    sodium_memzero(text.data(), text.size());
    throw;
  }
  sodium_memzero(text.data(), text.size());
  const std::string public_hex = to_hex(pk.data(), pk.size());
  create_exclusive(pub_file, public_hex + "\n", 0644);
  return public_hex;
}

SigningKey read_signing_key(const std::filesystem::path& key_file) {
  ensure_sodium();
  struct stat st {};
  if (::stat(key_file.c_str(), &st) != 0) {
    throw engine::DomainError(fmt::format("{}: no key file ({}); create one with `shinchoku audit keygen`", key_file.string(),
                                          std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) throw engine::DomainError(fmt::format("{}: not a regular file", key_file.string()));
  if ((st.st_mode & 077) != 0) {
    throw engine::DomainError(fmt::format("{}: the private key may be read by others (mode {:04o}); run chmod 600 on it",
                                          key_file.string(), st.st_mode & 07777));
  }
  std::string text = read_text_file(key_file);
  std::string seed_hex = first_value_line(text);
  sodium_memzero(text.data(), text.size());
  if (!is_lower_hex(seed_hex, crypto_sign_SEEDBYTES)) {
    throw engine::DomainError(fmt::format("{}: not a shinchoku audit key (expected {} hex digits)", key_file.string(), crypto_sign_SEEDBYTES * 2));
  }
  std::string seed = from_hex(seed_hex);
  sodium_memzero(seed_hex.data(), seed_hex.size());
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pk;
  SigningKey key;
  key.secret_key.assign(crypto_sign_SECRETKEYBYTES, '\0');
  crypto_sign_seed_keypair(pk.data(), reinterpret_cast<unsigned char*>(key.secret_key.data()),
                           reinterpret_cast<const unsigned char*>(seed.data()));
  sodium_memzero(seed.data(), seed.size());
  key.public_key = to_hex(pk.data(), pk.size());
  return key;
}

std::string read_public_key(const std::string& hex_or_file) {
  std::string lower = hex_or_file;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (is_lower_hex(lower, crypto_sign_PUBLICKEYBYTES)) return lower;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(hex_or_file, ec)) {
    throw engine::DomainError(fmt::format("--pubkey {}: neither {} hex digits nor a readable file", hex_or_file, crypto_sign_PUBLICKEYBYTES * 2));
  }
  std::string line = first_value_line(read_text_file(hex_or_file));
  std::transform(line.begin(), line.end(), line.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!is_lower_hex(line, crypto_sign_PUBLICKEYBYTES)) {
    throw engine::DomainError(fmt::format("--pubkey {}: the file does not hold a public key ({} hex digits)", hex_or_file,
                                          crypto_sign_PUBLICKEYBYTES * 2));
  }
  return line;
}

void sign_checkpoint(Checkpoint& c, const SigningKey& key) {
  ensure_sodium();
  if (key.secret_key.size() != crypto_sign_SECRETKEYBYTES) throw std::invalid_argument("not an Ed25519 secret key");
  c.public_key = key.public_key;
  c.merkle_root = merkle_root(c.chains);
  const std::string bytes = checkpoint_signed_bytes(c);
  std::array<unsigned char, crypto_sign_BYTES> sig;
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                       reinterpret_cast<const unsigned char*>(key.secret_key.data()));
  c.signature = to_hex(sig.data(), sig.size());
}

Checkpoint create_checkpoint(soci::session& sql, const SigningKey& key) {
  Checkpoint c;
  auto report = verify_audit(sql, {}, [&c](const ChainHead& h) { c.chains.push_back(h); }, &c.created_at);
  if (report.failure) {
    throw engine::DomainError(fmt::format("the audit trail does not verify, and a checkpoint signs only a history that does: {}",
                                          describe_failure(*report.failure)));
  }
  sort_chains(c.chains);
  sign_checkpoint(c, key);
  return c;
}

}  // namespace persistence
