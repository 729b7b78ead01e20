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
// `cell` in double quotes, each quote doubled (RFC 4180).
std::string quoted(std::string_view cell);
// A CSV field: quoted when it holds a comma, a quote or a line break, else as it is (RFC 4180).
std::string csv_field(std::string_view cell);

}  // namespace model
