#include "persistence/connection.hpp"

#include <fmt/format.h>

namespace persistence {
namespace {

struct ConninfoOptions {
  PQconninfoOption* options;
  ~ConninfoOptions() { if (options) PQconninfoFree(options); }
};

ConninfoOptions parse(std::string_view url) {
  char* err = nullptr;
  std::string text(url);
  PQconninfoOption* options = PQconninfoParse(text.c_str(), &err);
  if (options == nullptr) {
    std::string reason = err ? err : "out of memory";
    if (err) PQfreemem(err);
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    // The message never repeats the URL: it may hold a password.
    throw DatabaseError(fmt::format("the database URL is malformed: {}", reason));
  }
  return ConninfoOptions{options};
}

std::string quote_value(std::string_view v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

std::string to_keyvalue_conninfo(std::string_view url) {
  auto parsed = parse(url);
  std::string out;
  for (auto* o = parsed.options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    if (!out.empty()) out += ' ';
    out += fmt::format("{}={}", o->keyword, quote_value(o->val));
  }
  return out;
}

std::string role_of(std::string_view url) {
  auto parsed = parse(url);
  for (auto* o = parsed.options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "user" && o->val != nullptr) return o->val;
  }
  return {};
}

std::string mask_password(std::string_view url) {
  std::string text(url);
  if (text.starts_with("postgresql://") || text.starts_with("postgres://")) {
    auto scheme_end = text.find("://") + 3;
    auto at = text.find('@', scheme_end);
    auto slash = text.find('/', scheme_end);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      auto colon = text.find(':', scheme_end);
      if (colon != std::string::npos && colon < at) text.replace(colon + 1, at - colon - 1, "***");
    }
    auto q = text.find("password=");
    if (q != std::string::npos) {
      auto end = text.find('&', q);
      text.replace(q + 9, (end == std::string::npos ? text.size() : end) - q - 9, "***");
    }
    return text;
  }
  // key=value form: mask password=...
  auto q = text.find("password=");
  if (q != std::string::npos) {
    auto start = q + 9;
    std::size_t end;
    if (start < text.size() && text[start] == '\'') {
      end = start + 1;
      while (end < text.size() && text[end] != '\'') end += (text[end] == '\\') ? 2 : 1;
      end = std::min(end + 1, text.size());
    } else {
      end = text.find(' ', start);
      if (end == std::string::npos) end = text.size();
    }
    text.replace(start, end - start, "***");
  }
  return text;
}

PgConnection connect_libpq(std::string_view url) {
  PgConnection conn(PQconnectdb(to_keyvalue_conninfo(url).c_str()));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
    std::string reason = conn ? PQerrorMessage(conn.get()) : "out of memory";
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    throw DatabaseError(fmt::format("cannot connect to {}: {}", mask_password(url), reason));
  }
  // Silence NOTICEs such as "relation already exists, skipping" on stderr.
  PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
  return conn;
}

void exec(PGconn* conn, const std::string& sql, std::string_view what) {
  PGresult* res = PQexec(conn, sql.c_str());
  auto status = PQresultStatus(res);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::string reason = PQresultErrorMessage(res);
    PQclear(res);
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    throw DatabaseError(fmt::format("{}: {}", what, reason));
  }
  PQclear(res);
}

}  // namespace persistence
