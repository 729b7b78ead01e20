#include "sql_files.hpp"

#include <map>
#include <stdexcept>
#include <vector>

namespace persistence {

std::vector<std::pair<std::string, std::string>> embedded_sql();

namespace {

// SOCI reads every ':' as the start of a bind name, even in comments, so whole-line comments
// (which say why a query is written as it is) are dropped before a query reaches it.
std::string without_comment_lines(const std::string& text) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || !line.substr(first).starts_with("--")) {
      out.append(line);
      out += '\n';
    }
    pos = end + 1;
  }
  return out;
}

}  // namespace

const std::string& sql_text(std::string_view name) {
  static const std::map<std::string, std::string, std::less<>> files = [] {
    std::map<std::string, std::string, std::less<>> m;
    for (auto& [n, text] : embedded_sql()) m.emplace(n, without_comment_lines(text));
    return m;
  }();
  auto it = files.find(name);
  if (it == files.end()) throw std::logic_error("embedded SQL file missing: " + std::string(name));
  return it->second;
}

}  // namespace persistence
