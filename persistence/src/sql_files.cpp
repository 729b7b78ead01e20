#include "sql_files.hpp"

#include <map>
#include <stdexcept>
#include <vector>

namespace persistence {

std::vector<std::pair<std::string, std::string>> embedded_sql();

const std::string& sql_text(std::string_view name) {
  static const std::map<std::string, std::string, std::less<>> files = [] {
    std::map<std::string, std::string, std::less<>> m;
    for (auto& [n, text] : embedded_sql()) m.emplace(n, text);
    return m;
  }();
  auto it = files.find(name);
  if (it == files.end()) throw std::logic_error("embedded SQL file missing: " + std::string(name));
  return it->second;
}

}  // namespace persistence
