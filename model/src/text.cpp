#include "model/text.hpp"

#include <cstdint>

namespace model {

std::size_t first_invalid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) { ++i; continue; }
    std::size_t len;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
    else return i;
    if (i + len > n) return i;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

bool is_valid_utf8(std::string_view text) { return first_invalid_utf8(text) == std::string_view::npos; }

std::string_view trim(std::string_view text) {
  constexpr std::string_view kIdeographicSpace = "\u3000";
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; };
  bool changed = true;
  while (changed && !text.empty()) {
    changed = false;
    if (is_space(text.front())) { text.remove_prefix(1); changed = true; }
    else if (text.starts_with(kIdeographicSpace)) { text.remove_prefix(kIdeographicSpace.size()); changed = true; }
    if (text.empty()) break;
    if (is_space(text.back())) { text.remove_suffix(1); changed = true; }
    else if (text.ends_with(kIdeographicSpace)) { text.remove_suffix(kIdeographicSpace.size()); changed = true; }
  }
  return text;
}

std::string quoted(std::string_view cell) {
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_field(std::string_view cell) {
  return cell.find_first_of(",\"\r\n") == std::string_view::npos ? std::string(cell) : quoted(cell);
}

}  // namespace model
