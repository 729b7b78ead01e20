#pragma once
// PostgreSQL array literals: SOCI 4.0 binds no arrays, so they travel as text and are cast
// in SQL (CAST(:names AS text[])).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace persistence {

std::string to_pg_array(const std::vector<std::string>& items);
std::string to_pg_array(const std::vector<int>& items);
// Empty optionals become NULL elements.
std::string to_pg_array(const std::vector<std::optional<std::string>>& items);
// Parses the text form of a one-dimensional text[] or integer[] as PostgreSQL prints it.
std::vector<std::string> parse_pg_array(std::string_view literal);

}  // namespace persistence
