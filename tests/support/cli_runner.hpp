#pragma once
// Runs the real `shinchoku` binary as a user would, against a scratch database.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

namespace testing_support {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs `command` through /bin/sh with the extra environment; captures stdout and stderr.
inline CliResult run_shell(const std::string& command, const std::map<std::string, std::string>& env = {}) {
  static int counter = 0;
  auto err_file = std::filesystem::temp_directory_path() / fmt::format("shinchoku-test-{}-{}.err", ::getpid(), counter++);
  std::string prefix;
  for (const auto& [k, v] : env) prefix += fmt::format("{}={} ", k, shell_quote(v));
  std::string full = fmt::format("{}{} 2>{} </dev/null", prefix, command, shell_quote(err_file.string()));
  CliResult r;
  FILE* pipe = ::popen(full.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 65536> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = slurp(err_file);
  std::filesystem::remove(err_file);
  return r;
}

}  // namespace testing_support
