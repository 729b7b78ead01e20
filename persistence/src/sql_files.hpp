#pragma once
// SQL lives in persistence/sql/<area>/<query>.sql; CMake embeds the files and the file name
// is the query's name in errors and logs (STYLE.md house rule 6).
#include <string>
#include <string_view>

namespace persistence {
// The text of an embedded SQL file, e.g. sql_text("seed/upsert_department.sql").
// Throws std::logic_error for a name that was not embedded (a build mistake).
const std::string& sql_text(std::string_view name);
}  // namespace persistence
