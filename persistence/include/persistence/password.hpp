#pragma once
// Passwords: argon2id through libsodium. Only hashes are stored; the CLI (`user add`,
// `user passwd`) hashes, and the HTTP API's login verifies with the same functions.
#include <cstddef>
#include <string>
#include <string_view>

namespace persistence {

// The shortest password accepted, in characters (UTF-8 code points, not bytes).
inline constexpr std::size_t kMinPasswordLength = 12;

// Throws engine::DomainError with the reason when a new password is refused: shorter than
// kMinPasswordLength characters, or not well-formed UTF-8.
void check_new_password(std::string_view password);

// An argon2id string ($argon2id$v=19$m=…,t=…,p=…$salt$hash) with libsodium's interactive
// limits and a fresh random salt. Throws std::runtime_error when libsodium cannot start or
// the memory for the hash is not available.
std::string hash_password(std::string_view password);

// Whether `password` matches `hash` (constant time in the password); false for a hash that
// is not a well-formed libsodium password string.
bool verify_password(std::string_view hash, std::string_view password);

}  // namespace persistence
