#pragma once
// The HTTP API (issue 5) as a plain function from a request to a response (STYLE.md house
// rule 2): routing, sessions, permissions, status codes, JSON. It reaches storage only through
// the Backend port, and is tested without sockets as well as behind the real server.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/backend.hpp"
#include "api/http.hpp"
#include "api/metrics.hpp"
#include "engine/sheet_commands.hpp"
#include "model/grade_scale.hpp"
#include "model/plan.hpp"
#include "model/workflow.hpp"

namespace api {

// A file of the web UI, held in memory by whoever provides it (app/ loads web/static at start).
struct StaticFile {
  std::string_view body;
  std::string_view content_type;
  std::string_view etag;  // strong and quoted
};

// Finds a web UI file by its decoded URL path ("/index.html", "/app.js"); nullopt when there
// is none.
using StaticFiles = std::function<std::optional<StaticFile>(std::string_view path)>;

struct ApiSettings {
  int session_idle_seconds = 30 * 60;       // OWASP ASVS 4.0.3 §3.3.2
  int session_lifetime_seconds = 12 * 3600;
  bool secure_cookies = false;              // set when TLS is terminated in front of the server
  int max_page = 200;                       // largest limit= of a list
  std::function<TimePoint()> clock = [] { return std::chrono::system_clock::now(); };
  // The web UI. Unset: the API only. Set: GET and HEAD of a path outside /api/ that no route
  // serves answer with its file, "/" and paths without a file with /index.html (the UI routes
  // by the URL's fragment), each with the UI's security headers and ETag/If-None-Match.
  StaticFiles static_files;
};

// The headers of every web UI response (the UI's Content Security Policy: no inline script).
inline constexpr std::string_view kStaticContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

// One route as the OpenAPI document must describe it.
struct RouteInfo {
  std::string method;  // GET, POST, PATCH, DELETE
  std::string path;    // /api/v1/sheets/{id}
};

class HttpApi {
 public:
  HttpApi(Backend& backend, const model::PlanSeed& plan, const model::Workflow& workflow, const model::GradeScale& grades,
          engine::Rules rules, ApiSettings settings);
  ~HttpApi();

  Response handle(Request&& request, const ClientInfo& client);

  Metrics& metrics();
  static std::vector<RouteInfo> routes();
  // The OpenAPI 3.1 document served at /api/v1/openapi.json.
  static const std::string& openapi_document();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace api
