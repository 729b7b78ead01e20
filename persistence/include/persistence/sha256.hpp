#pragma once
#include <string>
#include <string_view>

namespace persistence {
// SHA-256 of the bytes, as lowercase hex.
std::string sha256_hex(std::string_view bytes);
}  // namespace persistence
