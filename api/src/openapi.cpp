#include <stdexcept>
#include <utility>
#include <vector>

#include "api/http_api.hpp"

namespace api {

std::vector<std::pair<std::string, std::string>> embedded_api_files();

const std::string& HttpApi::openapi_document() {
  static const std::string doc = [] {
    for (auto& [name, text] : embedded_api_files()) {
      if (name == "openapi.json") return text;
    }
    throw std::logic_error("openapi.json was not embedded");
  }();
  return doc;
}

}  // namespace api
