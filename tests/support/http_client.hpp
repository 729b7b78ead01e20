#pragma once
// A small synchronous HTTP/1.1 client for the HTTP-level tests (Boost.Beast), header-only:
//   - HttpConnection: one keep-alive connection; request(method, target, body, headers);
//   - http_request(port, …): one request on a connection of its own (Connection: close);
//   - RawSocket: plain POSIX socket for what a well-behaved client never sends (half a
//     request, malformed HTTP), with timeouts on every read.
// Every operation runs with a deadline (async operations driven by io_context::run_for), so a
// server that hangs fails the test instead of hanging it.
#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

namespace testing_support {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  bhttp::fields headers;
  std::string body;

  std::string header(std::string_view name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : std::string(it->value());
  }
  bool has_header(std::string_view name) const { return headers.find(name) != headers.end(); }
  std::vector<std::string> all(std::string_view name) const {
    std::vector<std::string> out;
    auto [b, e] = headers.equal_range(name);
    for (auto it = b; it != e; ++it) out.emplace_back(it->value());
    return out;
  }
  // The body parsed, kept with the response: `r.json().at("items")` refers into `r`, so `r`
  // must outlive what refers into it (not a temporary response in a range-for).
  const boost::json::value& json() const {
    if (!parsed_) {
      boost::system::error_code ec;
      auto v = boost::json::parse(body, ec);
      if (ec) throw std::runtime_error("response body is not JSON (status " + std::to_string(status) + "): " + body.substr(0, 300));
      parsed_ = std::move(v);
    }
    return *parsed_;
  }

 private:
  mutable std::optional<boost::json::value> parsed_;
};

class HttpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class HttpConnection {
 public:
  explicit HttpConnection(unsigned short port, std::chrono::milliseconds timeout = std::chrono::seconds(30))
      : stream_(ioc_), timeout_(timeout) {
    net::ip::tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
    beast::error_code ec;
    bool done = false;
    stream_.async_connect(ep, [&](beast::error_code e) {
      ec = e;
      done = true;
    });
    drive(done, "connect");
    if (ec) throw HttpError("connect to port " + std::to_string(port) + ": " + ec.message());
  }

  HttpResponse request(bhttp::verb method, const std::string& target, const std::string& body = {}, const Headers& headers = {},
                       bool keep_alive = true) {
    bhttp::request<bhttp::string_body> req{method, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    bool has_type = false;
    for (const auto& [k, v] : headers) {
      req.insert(k, v);
      if (beast::iequals(k, "Content-Type")) has_type = true;
    }
    if (!body.empty() && !has_type) req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
    req.keep_alive(keep_alive);
    req.prepare_payload();
    beast::error_code ec;
    bool done = false;
    bhttp::async_write(stream_, req, [&](beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    drive(done, "write");
    if (ec) throw HttpError("write " + target + ": " + ec.message());
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.skip(method == bhttp::verb::head);
    done = false;
    bhttp::async_read(stream_, buffer_, parser, [&](beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    drive(done, "read");
    if (ec) throw HttpError("read " + target + ": " + ec.message());
    auto res = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res.base()) out.headers.insert(f.name_string(), f.value());
    out.body = std::move(res.body());
    return out;
  }

  HttpResponse get(const std::string& target, const Headers& headers = {}) { return request(bhttp::verb::get, target, {}, headers); }

 private:
  // Runs the io_context until the operation is done or the timeout passes (then the socket is
  // closed, the operation completes with an error, and HttpError is thrown).
  void drive(bool& done, const char* what) {
    ioc_.restart();
    ioc_.run_for(timeout_);
    if (!done) {
      stream_.socket().close();
      ioc_.restart();
      ioc_.run();
      throw HttpError(std::string("timed out: ") + what);
    }
  }

  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::chrono::milliseconds timeout_;
};

inline bhttp::verb verb_of(const std::string& method) {
  auto v = bhttp::string_to_verb(method);
  if (v == bhttp::verb::unknown) throw std::invalid_argument("unknown method " + method);
  return v;
}

// One request on a fresh connection that asks to be closed afterwards.
inline HttpResponse http_request(unsigned short port, const std::string& method, const std::string& target, const std::string& body = {},
                                 const Headers& headers = {}) {
  HttpConnection c(port);
  return c.request(verb_of(method), target, body, headers, false);
}

// A plain TCP socket with timeouts, for requests no HTTP library would send.
class RawSocket {
 public:
  explicit RawSocket(unsigned short port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw HttpError("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
      throw HttpError("connect to port " + std::to_string(port) + " refused");
    }
  }
  ~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  // False when the peer has closed the connection (EPIPE/ECONNRESET).
  bool send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads until the peer closes or `timeout` passes; `closed` tells which.
  struct ReadResult {
    std::string data;
    bool closed = false;
  };
  ReadResult read_until_close(std::chrono::milliseconds timeout) {
    ReadResult r;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) return r;
      pollfd p{fd_, POLLIN, 0};
      int n = ::poll(&p, 1, static_cast<int>(left));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return r;
      char buf[4096];
      ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
      if (got <= 0) {
        r.closed = true;
        return r;
      }
      r.data.append(buf, static_cast<std::size_t>(got));
    }
  }

 private:
  int fd_ = -1;
};

// The status code of a raw HTTP response ("HTTP/1.1 400 Bad Request…"), 0 when there is none.
inline int raw_status(const std::string& response) {
  if (response.size() < 12 || response.compare(0, 5, "HTTP/") != 0) return 0;
  auto sp = response.find(' ');
  return sp == std::string::npos ? 0 : std::atoi(response.c_str() + sp + 1);
}

}  // namespace testing_support
