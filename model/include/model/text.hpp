#pragma once
// Text rules shared by every layer: Japanese text is UTF-8 everywhere.
#include <string>
#include <string_view>

namespace model {

// Whether the bytes are well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
bool is_valid_utf8(std::string_view text);
// Byte offset of the first malformed sequence, or npos.
std::size_t first_invalid_utf8(std::string_view text);
// Trims ASCII whitespace and the ideographic space U+3000 at both ends.
std::string_view trim(std::string_view text);

}  // namespace model
