#include "persistence/password.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <sodium.h>

#include "engine/errors.hpp"
#include "model/text.hpp"

namespace persistence {
namespace {

void ensure_sodium() {
  // sodium_init is thread-safe and returns 1 when libsodium was already initialised.
  static const int initialised = sodium_init();
  if (initialised < 0) throw std::runtime_error("libsodium cannot be initialised");
}

std::size_t code_points(std::string_view utf8) {
  std::size_t n = 0;
  for (unsigned char c : utf8) {
    if ((c & 0xC0) != 0x80) ++n;  // every byte but a continuation byte starts a character
  }
  return n;
}

}  // namespace

void check_new_password(std::string_view password) {
  if (!model::is_valid_utf8(password)) throw engine::DomainError("the password is not well-formed UTF-8");
  if (const auto n = code_points(password); n < kMinPasswordLength) {
    throw engine::DomainError(
        fmt::format("the password is too short: {} characters, at least {} are required", n, kMinPasswordLength));
  }
}

std::string hash_password(std::string_view password) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("cannot hash the password: not enough memory for argon2id");
  }
  return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) {
  ensure_sodium();
  // libsodium reads the hash as a C string of fewer than crypto_pwhash_STRBYTES bytes.
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES || hash.find('\0') != std::string_view::npos) return false;
  const std::string terminated(hash);
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

}  // namespace persistence
