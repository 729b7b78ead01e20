#include "api/server.hpp"

#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

namespace api {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

class Session;

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(ServerLimits l, Handler h) : limits(l), handler(std::move(h)), ioc(l.io_threads), acceptor(ioc), signals(ioc), workers(l.worker_threads) {}

  ServerLimits limits;
  Handler handler;
  net::io_context ioc;
  tcp::acceptor acceptor;
  net::signal_set signals;
  net::thread_pool workers;
  ServerCounters counters;
  std::atomic<bool> stopping{false};
  std::atomic<int> in_flight{0};
  std::function<void()> shutdown_hook;

  std::mutex sessions_mutex;
  std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>> sessions;

  void accept();
  void begin_shutdown();
  void register_session(const std::shared_ptr<Session>& s) {
    std::lock_guard lock(sessions_mutex);
    sessions.insert(s);
  }
  void forget_session(const std::weak_ptr<Session>& s) {
    std::lock_guard lock(sessions_mutex);
    sessions.erase(s);
  }
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<HttpServer::Impl> server) : stream_(std::move(socket)), server_(std::move(server)) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) client_.address = ep.address().to_string();
    server_->counters.connections_open++;
  }
  ~Session() { server_->counters.connections_open--; }

  void run() {
    server_->register_session(shared_from_this());
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::read_header, shared_from_this()));
  }

  // Over the connection cap: one 503 and close, without reading the request.
  void refuse() {
    auto res = std::make_shared<Response>(problem_response(http::status::service_unavailable, "接続数が上限に達しています。",
                                                           "too many connections; try again later"));
    res->set(http::field::retry_after, "1");
    res->keep_alive(false);
    res->prepare_payload();
    stream_.expires_after(std::chrono::seconds(5));
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code, std::size_t) { self->close(); });
  }

  // SIGTERM: a connection waiting for its next request is closed now; one whose request is
  // being handled finishes it first (its response then says Connection: close).
  void stop_if_idle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) self->close();
    });
  }

 private:
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<HttpServer::Impl> server_;
  ClientInfo client_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<Response> response_;
  bool busy_ = false;
  bool first_ = true;

  void read_header() {
    if (server_->stopping) return close();
    parser_.emplace();
    parser_->body_limit(server_->limits.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(server_->limits.header_limit));
    // Between requests a keep-alive connection may wait idle_timeout; a request once begun
    // must arrive within read_timeout, so a slow client cannot hold the connection. So the
    // wait for the first byte of a next request has the idle limit, and the rest the read limit
    // (with one timer over the whole header, a client sending a byte now and then could hold
    // a keep-alive connection for idle_timeout per request).
    if (first_ || buffer_.size() > 0) return read_rest_of_header();
    stream_.expires_after(server_->limits.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec) return self->on_read_error(ec);
      self->buffer_.commit(n);
      self->read_rest_of_header();
    });
  }

  void read_rest_of_header() {
    stream_.expires_after(server_->limits.read_timeout);
    http::async_read_header(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    busy_ = true;
    stream_.expires_after(server_->limits.read_timeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return reply_error(http::status::payload_too_large, "リクエスト本文が大きすぎます。",
                         "request body over the limit of " + std::to_string(server_->limits.body_limit) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return reply_error(http::status::request_header_fields_too_large, "リクエストヘッダーが大きすぎます。",
                         "request header over the limit");
    }
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof) {
      return close();
    }
    if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
      return reply_error(http::status::bad_request, "HTTPリクエストの形式が正しくありません。", "malformed HTTP request: " + ec.message());
    }
    spdlog::debug("http read from {}: {}", client_.address, ec.message());
    close();
  }

  void reply_error(http::status status, std::string_view ja, std::string_view en) {
    busy_ = true;
    auto res = std::make_shared<Response>(problem_response(status, ja, en));
    res->keep_alive(false);
    res->prepare_payload();
    write(std::move(res));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    first_ = false;
    server_->in_flight++;
    // The handler may block on the database: run it on the workers, write on our strand.
    net::post(server_->workers, [self = shared_from_this(), req = parser_->release()]() mutable {
      const bool head = req.method() == http::verb::head;
      Response res;
      try {
        res = self->server_->handler(std::move(req), self->client_);
      } catch (const std::exception& e) {
        spdlog::error("http handler for {} failed: {}", self->client_.address, e.what());
        res = problem_response(http::status::internal_server_error, "サーバー内部でエラーが発生しました。", "internal error");
      }
      if (self->server_->stopping) res.keep_alive(false);
      // A HEAD response keeps the Content-Length of its GET, which the handler set.
      if (!(head && res.has_content_length())) res.prepare_payload();
      net::post(self->stream_.get_executor(), [self, r = std::make_shared<Response>(std::move(res))]() mutable {
        self->server_->in_flight--;
        self->write(std::move(r));
      });
    });
  }

  void write(std::shared_ptr<Response> res) {
    response_ = std::move(res);
    stream_.expires_after(server_->limits.write_timeout);
    http::async_write(stream_, *response_, beast::bind_front_handler(&Session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    busy_ = false;
    const bool keep = response_ && response_->keep_alive();
    response_.reset();
    if (ec || !keep || server_->stopping) return close();
    read_header();
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
    server_->forget_session(weak_from_this());
  }
};

void HttpServer::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (self->stopping || ec == net::error::operation_aborted) return;
      spdlog::warn("accept: {}", ec.message());
      // Out of descriptors and the like: back off briefly rather than spin.
      auto timer = std::make_shared<net::steady_timer>(self->ioc, std::chrono::milliseconds(50));
      timer->async_wait([self, timer](beast::error_code) { self->accept(); });
      return;
    }
    auto session = std::make_shared<Session>(std::move(socket), self);
    if (self->counters.connections_open > self->limits.max_connections) {
      self->counters.connections_refused++;
      session->refuse();
    } else {
      session->run();
    }
    self->accept();
  });
}

void HttpServer::Impl::begin_shutdown() {
  if (stopping.exchange(true)) return;
  spdlog::info("shutting down: no new connections; finishing requests in flight");
  beast::error_code ec;
  acceptor.close(ec);
  signals.cancel(ec);
  if (shutdown_hook) {
    try {
      shutdown_hook();
    } catch (const std::exception& e) {
      spdlog::error("shutdown hook failed: {}", e.what());
    }
  }
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(sessions_mutex);
    for (const auto& w : sessions) {
      if (auto s = w.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->stop_if_idle();
  // Wait for the requests in flight, at most the grace period, then stop the loop.
  auto deadline = std::chrono::steady_clock::now() + limits.shutdown_grace;
  auto timer = std::make_shared<net::steady_timer>(ioc);
  auto poll = std::make_shared<std::function<void()>>();
  *poll = [this, timer, deadline, poll, self = shared_from_this()] {
    if ((in_flight == 0 && counters.connections_open == 0) || std::chrono::steady_clock::now() >= deadline) {
      if (in_flight != 0) spdlog::warn("shutdown: {} request(s) still in flight after the grace period", in_flight.load());
      ioc.stop();
      *poll = nullptr;  // break the cycle
      return;
    }
    timer->expires_after(std::chrono::milliseconds(20));
    timer->async_wait([poll](beast::error_code) {
      if (*poll) (*poll)();
    });
  };
  (*poll)();
}

HttpServer::HttpServer(const std::string& address, unsigned short port, ServerLimits limits, Handler handler)
    : impl_(std::make_shared<Impl>(limits, std::move(handler))) {
  auto& a = impl_->acceptor;
  tcp::endpoint ep(net::ip::make_address(address), port);
  a.open(ep.protocol());
  a.set_option(net::socket_base::reuse_address(true));
  a.bind(ep);
  a.listen(net::socket_base::max_listen_connections);
}

HttpServer::~HttpServer() {
  impl_->workers.join();
}

unsigned short HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }
const ServerCounters& HttpServer::counters() const { return impl_->counters; }

void HttpServer::run(bool handle_signals) {
  auto impl = impl_;
  if (handle_signals) {
    impl->signals.add(SIGTERM);
    impl->signals.add(SIGINT);
    impl->signals.async_wait([impl](beast::error_code ec, int) {
      if (!ec) impl->begin_shutdown();
    });
  }
  impl->accept();
  std::vector<std::thread> extra;
  for (int i = 1; i < impl->limits.io_threads; ++i) extra.emplace_back([impl] { impl->ioc.run(); });
  impl->ioc.run();
  for (auto& t : extra) t.join();
  impl->workers.join();
}

void HttpServer::on_shutdown(std::function<void()> hook) { impl_->shutdown_hook = std::move(hook); }

void HttpServer::stop() {
  net::post(impl_->ioc, [impl = impl_] { impl->begin_shutdown(); });
}

}  // namespace api
