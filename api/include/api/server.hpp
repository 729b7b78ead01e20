#pragma once
// The network side of `shinchoku serve` (STYLE.md §1): Boost.Beast on Boost.Asio. One session
// per connection, kept alive by shared_from_this; every read has a body and header limit and
// a timeout; the handler runs on a separate pool of worker threads, so blocking database work
// never stalls the accept loop or other connections. No business rules live here.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "api/http.hpp"

namespace api {

struct ServerLimits {
  std::size_t body_limit = 1024 * 1024;        // 413 above it
  std::size_t header_limit = 16 * 1024;        // 431 above it
  std::chrono::milliseconds read_timeout{10000};   // to read one request once it has begun
  std::chrono::milliseconds idle_timeout{60000};   // a keep-alive connection waiting for its next request
  std::chrono::milliseconds write_timeout{30000};
  int max_connections = 2048;  // beyond: 503 and close
  int io_threads = 1;
  int worker_threads = 8;
  std::chrono::milliseconds shutdown_grace{9000};  // SIGTERM: in-flight work gets this long
};

using Handler = std::function<Response(Request&&, const ClientInfo&)>;

struct ServerCounters {
  std::atomic<long long> connections_open{0};
  std::atomic<long long> connections_refused{0};
};

class HttpServer {
 public:
  // Binds at once (throws std::system_error when the address is taken or invalid); port 0
  // takes a free port, which port() then tells.
  HttpServer(const std::string& address, unsigned short port, ServerLimits limits, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  unsigned short port() const;
  const ServerCounters& counters() const;
  // Serves until stop() or SIGTERM/SIGINT (when handle_signals); returns after the graceful
  // shutdown: the acceptor closed, idle connections closed, requests in flight answered.
  void run(bool handle_signals = true);
  void stop();
  // Called once, on the network thread, when the shutdown begins (SIGTERM or stop()), before
  // the requests in flight are waited for: for work beside the server that must stop too (the
  // reminders' scheduler). It must not block. Set it before run().
  void on_shutdown(std::function<void()> hook);

  struct Impl;  // the Asio state; public only so that the connection class in server.cpp can name it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace api
