#include "pg_array.hpp"

#include <stdexcept>

namespace persistence {

namespace {
void append_quoted(std::string& out, const std::string& item) {
  out += '"';
  for (char c : item) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}
}  // namespace

std::string to_pg_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    append_quoted(out, items[i]);
  }
  return out + "}";
}


std::string to_pg_array(const std::vector<std::optional<std::string>>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    if (items[i]) append_quoted(out, *items[i]);
    else out += "NULL";
  }
  return out + "}";
}

std::string to_pg_array(const std::vector<int>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(items[i]);
  }
  return out + "}";
}

std::vector<std::string> parse_pg_array(std::string_view s) {
  if (s.size() < 2 || s.front() != '{' || s.back() != '}') throw std::invalid_argument("not an array literal");
  s = s.substr(1, s.size() - 2);
  std::vector<std::string> out;
  std::size_t i = 0;
  if (s.empty()) return out;
  while (i <= s.size()) {
    std::string item;
    if (i < s.size() && s[i] == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        item += s[i++];
      }
      ++i;  // closing quote
    } else {
      while (i < s.size() && s[i] != ',') item += s[i++];
    }
    out.push_back(std::move(item));
    if (i >= s.size()) break;
    ++i;  // comma
  }
  return out;
}

}  // namespace persistence
