#include "web/static_assets.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <system_error>

#include <fmt/format.h>
#include <sodium.h>

#ifndef SHINCHOKU_WEB_SOURCE_ROOT
#define SHINCHOKU_WEB_SOURCE_ROOT "web/static"
#endif

namespace web {

namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw AssetError(fmt::format("{}: cannot be read", file.string()));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw AssetError(fmt::format("{}: cannot be read", file.string()));
  return bytes;
}

bool hidden(const fs::path& name) {
  const std::string s = name.filename().string();
  return !s.empty() && s.front() == '.';
}

}  // namespace

StaticAssets StaticAssets::load(const fs::path& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw AssetError(fmt::format("{}: the web UI's folder does not exist", root.string()));
  StaticAssets out;
  out.root_ = fs::absolute(root, ec).lexically_normal();
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  if (ec) throw AssetError(fmt::format("{}: cannot be listed: {}", root.string(), ec.message()));
  for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) throw AssetError(fmt::format("{}: cannot be listed: {}", root.string(), ec.message()));
    const fs::path& p = it->path();
    if (hidden(p)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) it.disable_recursion_pending();
      continue;
    }
    // is_regular_file follows a link to a file; a link to a folder is listed but not entered.
    if (!it->is_regular_file(ec)) continue;
    std::string key = "/" + p.lexically_relative(root).generic_string();
    Asset a;
    a.body = read_file(p);
    a.content_type = content_type_for(p);
    a.etag = etag_for(a.body);
    out.bytes_ += a.body.size();
    out.files_.emplace(std::move(key), std::move(a));
  }
  return out;
}

const Asset* StaticAssets::find(std::string_view url_path) const {
  auto it = files_.find(url_path);
  return it == files_.end() ? nullptr : &it->second;
}

std::string content_type_for(const fs::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const std::map<std::string, std::string, std::less<>> types{
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},  // RFC 9239
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".map", "application/json; charset=utf-8"},
      {".webmanifest", "application/manifest+json; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
  };
  auto it = types.find(ext);
  return it == types.end() ? "application/octet-stream" : it->second;
}

std::string etag_for(std::string_view bytes) {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw AssetError("libsodium could not start");
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  std::string out = "\"";
  for (std::size_t i = 0; i < 16; ++i) out += fmt::format("{:02x}", digest[i]);
  return out + "\"";
}

fs::path source_tree_root() { return fs::path(SHINCHOKU_WEB_SOURCE_ROOT); }

std::optional<fs::path> default_root(const fs::path& executable, const fs::path& compiled_in) {
  std::error_code ec;
  if (!compiled_in.empty() && fs::is_directory(compiled_in, ec)) return compiled_in;
  if (!executable.empty()) {
    const fs::path installed = (executable.parent_path() / ".." / "share" / "shinchoku" / "web").lexically_normal();
    if (fs::is_directory(installed, ec)) return installed;
  }
  return std::nullopt;
}

fs::path current_executable() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : p;
}

}  // namespace web
