#pragma once
// Checks responses against api/openapi.json: finds the operation of a method and a concrete
// path, the response of a status, and validates the body against its schema. It knows the
// part of JSON Schema the document uses: type (one or a list), properties, required, items,
// enum, additionalProperties, oneOf and local $ref. Returns what is wrong, empty when valid.
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

namespace testing_support {

class OpenApi {
 public:
  explicit OpenApi(const std::string& text) : doc_(boost::json::parse(text).as_object()) {}

  const boost::json::object& doc() const { return doc_; }

  // The path template (/api/v1/sheets/{id}) that a concrete path (/api/v1/sheets/12) matches.
  std::optional<std::string> path_template(const std::string& path) const {
    const auto segs = split(path);
    for (const auto& [tmpl, item] : doc_.at("paths").as_object()) {
      const auto t = split(std::string(tmpl));
      if (t.size() != segs.size()) continue;
      bool ok = true;
      for (std::size_t i = 0; i < t.size() && ok; ++i) ok = (t[i].front() == '{') || t[i] == segs[i];
      if (ok) return std::string(tmpl);
    }
    return std::nullopt;
  }

  bool describes(const std::string& method, const std::string& path_template) const {
    const auto* item = doc_.at("paths").as_object().if_contains(path_template);
    return item && item->as_object().contains(lower(method));
  }

  // Problems of a response; empty when the document describes it and the body matches.
  std::vector<std::string> check(const std::string& method, const std::string& path, unsigned status, const std::string& content_type,
                                 const std::string& body) const {
    std::vector<std::string> errors;
    auto tmpl = path_template(path.substr(0, path.find('?')));
    if (!tmpl) return {"no path in the document matches " + path};
    const auto* op = doc_.at("paths").as_object().at(*tmpl).as_object().if_contains(lower(method));
    if (!op) return {method + " " + *tmpl + " is not in the document"};
    const auto* resp = op->as_object().at("responses").as_object().if_contains(std::to_string(status));
    if (!resp) return {method + " " + *tmpl + " does not describe status " + std::to_string(status)};
    const boost::json::object& r = resolve(*resp).as_object();
    const auto* content = r.if_contains("content");
    if (!content) {
      if (!body.empty()) errors.push_back("a body where the document describes none");
      return errors;
    }
    const std::string media = content_type.substr(0, content_type.find(';'));
    const auto* entry = content->as_object().if_contains(media);
    if (!entry) return {"content type " + media + " not described for " + std::to_string(status)};
    const auto& schema = entry->as_object().at("schema");
    if (media.find("json") == std::string::npos) return errors;
    if (media.ends_with("ndjson")) {
      // One JSON value per line, each an instance of the schema.
      std::size_t start = 0, line = 1;
      while (start < body.size()) {
        const auto end = body.find('\n', start);
        const std::string text = body.substr(start, end == std::string::npos ? std::string::npos : end - start);
        boost::system::error_code ec;
        auto value = boost::json::parse(text, ec);
        if (ec) errors.push_back("line " + std::to_string(line) + " is not JSON: " + ec.message());
        else validate(value, schema, "line " + std::to_string(line), errors);
        if (end == std::string::npos) break;
        start = end + 1;
        ++line;
      }
      return errors;
    }
    boost::system::error_code ec;
    auto value = boost::json::parse(body, ec);
    if (ec) return {"body is not JSON: " + ec.message()};
    validate(value, schema, "$", errors);
    return errors;
  }

 private:
  boost::json::object doc_;

  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  static std::vector<std::string> split(const std::string& path) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : path) {
      if (c == '/') {
        if (!cur.empty()) out.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
  }

  const boost::json::value& resolve(const boost::json::value& v) const {
    const auto* ref = v.is_object() ? v.as_object().if_contains("$ref") : nullptr;
    if (!ref) return v;
    std::string r(ref->as_string());  // #/components/schemas/Name
    const boost::json::value* at = &doc_.at("components");
    for (const auto& part : split(r.substr(r.find("components") + 10))) at = &at->as_object().at(part);
    return resolve(*at);
  }

  static bool has_type(const boost::json::value& v, std::string_view t) {
    if (t == "null") return v.is_null();
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "boolean") return v.is_bool();
    if (t == "integer") return v.is_int64() || v.is_uint64();
    if (t == "number") return v.is_number();
    return false;
  }

  void validate(const boost::json::value& v, const boost::json::value& schema_in, const std::string& where,
                std::vector<std::string>& errors) const {
    const auto& schema = resolve(schema_in).as_object();
    if (const auto* one = schema.if_contains("oneOf")) {
      int matches = 0;
      for (const auto& s : one->as_array()) {
        std::vector<std::string> e;
        validate(v, s, where, e);
        if (e.empty()) ++matches;
      }
      if (matches != 1) errors.push_back(where + ": matches " + std::to_string(matches) + " of oneOf");
      return;
    }
    if (const auto* t = schema.if_contains("type")) {
      bool ok = false;
      if (t->is_string()) ok = has_type(v, t->as_string());
      else for (const auto& x : t->as_array()) ok = ok || has_type(v, x.as_string());
      if (!ok) {
        errors.push_back(where + ": type is not " + boost::json::serialize(*t) + " (" + boost::json::serialize(v).substr(0, 80) + ")");
        return;
      }
    }
    if (const auto* e = schema.if_contains("enum")) {
      bool ok = false;
      for (const auto& x : e->as_array()) ok = ok || x == v;
      if (!ok) errors.push_back(where + ": not one of " + boost::json::serialize(*e));
    }
    if (v.is_object()) {
      const auto& o = v.as_object();
      if (const auto* req = schema.if_contains("required")) {
        for (const auto& k : req->as_array()) {
          if (!o.contains(k.as_string())) errors.push_back(where + ": missing " + std::string(k.as_string()));
        }
      }
      const auto* props = schema.if_contains("properties");
      const auto* extra = schema.if_contains("additionalProperties");
      for (const auto& [k, x] : o) {
        const auto* p = props ? props->as_object().if_contains(k) : nullptr;
        if (p) validate(x, *p, where + "." + std::string(k), errors);
        else if (extra && extra->is_bool() && !extra->as_bool()) errors.push_back(where + ": unexpected " + std::string(k));
        else if (extra && extra->is_object()) validate(x, *extra, where + "." + std::string(k), errors);
      }
    }
    if (v.is_array()) {
      if (const auto* items = schema.if_contains("items")) {
        std::size_t i = 0;
        for (const auto& x : v.as_array()) validate(x, *items, where + "[" + std::to_string(i++) + "]", errors);
      }
    }
  }
};

}  // namespace testing_support
