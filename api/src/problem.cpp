#include <boost/json.hpp>

#include "api/http.hpp"

namespace api {

Response problem_response(http::status status, std::string_view detail_ja, std::string_view detail_en,
                          const std::optional<std::string>& field, unsigned version) {
  boost::json::object body;
  const auto code = static_cast<unsigned>(status);
  body["type"] = "https://shinchoku.invalid/problems/" + std::to_string(code);
  body["title"] = std::string(http::obsolete_reason(status));
  body["status"] = code;
  body["detail"] = std::string(detail_ja) + " / " + std::string(detail_en);
  body["detail_ja"] = std::string(detail_ja);
  body["detail_en"] = std::string(detail_en);
  if (field) body["field"] = *field;
  Response res{status, version};
  res.set(http::field::content_type, "application/problem+json; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  res.body() = boost::json::serialize(body);
  return res;
}

}  // namespace api
