#pragma once
// The HTTP types the API and its server share, and problem+json responses (RFC 9457).
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http.hpp>

namespace api {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

struct ClientInfo {
  std::string address;  // the peer's IP address
};

// An error response: application/problem+json with type, title, status, detail (Japanese,
// then English), and the field at fault when there is one. Never a stack trace or SQL.
Response problem_response(http::status status, std::string_view detail_ja, std::string_view detail_en,
                          const std::optional<std::string>& field = std::nullopt, unsigned version = 11);

}  // namespace api
