#pragma once
// A real `shinchoku serve` process for HTTP-level tests: fork/exec with its own environment,
// stdout on a pipe (the first line names the URL, whose port is parsed from it), stderr (the
// server's log) in a file the test can show when it fails. The destructor stops the process
// with SIGTERM and waits for it (SIGKILL after a grace period), so no test leaves one behind.
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

extern char** environ;

namespace testing_support {

class ServeProcess {
 public:
  // Runs `binary args…` with the current environment plus `env`, and waits (at most
  // `start_timeout`) for the first line on stdout, `… at http://HOST:PORT/ …`.
  ServeProcess(const std::string& binary, const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
               std::chrono::milliseconds start_timeout = std::chrono::seconds(20)) {
    static std::atomic<int> counter{0};
    log_path_ = std::filesystem::temp_directory_path() / fmt::format("shinchoku-serve-{}-{}.log", ::getpid(), counter++);
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
    std::vector<std::string> argv_s{binary};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::map<std::string, std::string> merged;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string kv(*e);
      auto eq = kv.find('=');
      if (eq != std::string::npos) merged[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& [k, v] : env) merged[k] = v;
    std::vector<std::string> env_s;
    for (const auto& [k, v] : merged) env_s.push_back(k + "=" + v);
    std::vector<char*> argv, envp;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    const std::string log = log_path_.string();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (err >= 0) ::dup2(err, STDERR_FILENO);
      int in = ::open("/dev/null", O_RDONLY);
      if (in >= 0) ::dup2(in, STDIN_FILENO);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(out[1]);
    out_fd_ = out[0];
    const std::string line = first_line(start_timeout);
    auto at = line.find("http://");
    auto colon = at == std::string::npos ? std::string::npos : line.find(':', at + 7);
    if (colon == std::string::npos) {
      const std::string log_text = this->log();
      stop();
      throw std::runtime_error(fmt::format("shinchoku serve did not start: first line {:?}; log:\n{}", line, log_text));
    }
    port_ = static_cast<unsigned short>(std::stoi(line.substr(colon + 1)));
    first_line_ = line;
    // Drain the rest of stdout so that the server never blocks on a full pipe.
    drainer_ = std::thread([this] {
      char buf[4096];
      for (;;) {
        ssize_t n = ::read(out_fd_, buf, sizeof buf);
        if (n <= 0) break;
        std::lock_guard lock(mutex_);
        stdout_.append(buf, static_cast<std::size_t>(n));
      }
    });
  }

  ~ServeProcess() {
    stop();
    if (drainer_.joinable()) drainer_.join();
    if (out_fd_ >= 0) ::close(out_fd_);
    std::error_code ec;
    std::filesystem::remove(log_path_, ec);
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  pid_t pid() const { return pid_; }
  unsigned short port() const { return port_; }
  const std::string& first_stdout_line() const { return first_line_; }
  std::string log() const {
    std::ifstream in(log_path_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string stdout_rest() const {
    std::lock_guard lock(mutex_);
    return stdout_;
  }

  void signal(int sig) const {
    if (pid_ > 0 && !exit_status_) ::kill(pid_, sig);
  }

  // The exit status (as waitpid reports it) once the process has ended within `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    if (exit_status_) return exit_status_;
    if (pid_ <= 0) return std::nullopt;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exit_status_ = status;
        return exit_status_;
      }
      if (r < 0 && errno != EINTR) return std::nullopt;
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // SIGTERM, then SIGKILL when it has not ended within 15 s.
  void stop() {
    if (pid_ <= 0 || exit_status_) return;
    signal(SIGTERM);
    if (!wait_exit(std::chrono::seconds(15))) {
      ::kill(pid_, SIGKILL);
      wait_exit(std::chrono::seconds(5));
    }
  }

 private:
  std::string first_line(std::chrono::milliseconds timeout) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (line.find('\n') == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) break;
      pollfd p{out_fd_, POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(left));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      char c;
      ssize_t n = ::read(out_fd_, &c, 1);
      if (n <= 0) break;  // the process ended before it printed its URL
      line.push_back(c);
    }
    return line;
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
  unsigned short port_ = 0;
  std::string first_line_;
  std::filesystem::path log_path_;
  std::optional<int> exit_status_;
  std::thread drainer_;
  mutable std::mutex mutex_;
  std::string stdout_;
};

}  // namespace testing_support
