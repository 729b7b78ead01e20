#pragma once
// The web UI's files (web/static), read once when the server starts and kept in memory. The
// server answers from this fixed map: no request reads the disk, and no request path — with
// "..", percent-encoded dots or slashes, anything — can name a file that is not in it.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace web {

// The folder cannot be read, or one of its files.
class AssetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Asset {
  std::string body;
  std::string content_type;  // text types with "; charset=utf-8"
  std::string etag;          // strong and quoted: "<the first 128 bits of the SHA-256 of body, hex>"
};

class StaticAssets {
 public:
  StaticAssets() = default;

  // Every regular file under `root` by its URL path ("/index.html", "/css/app.css"). Files and
  // folders whose names begin with "." are left out; symbolic links to files are read, links
  // to folders are not followed. Throws AssetError when root is not a folder or a file cannot
  // be read.
  static StaticAssets load(const std::filesystem::path& root);

  // The file at a decoded URL path ("/app.js"), or nullptr. Exact match only: no
  // normalisation, so "/./app.js" or "/x/../app.js" are not files.
  const Asset* find(std::string_view url_path) const;

  const std::filesystem::path& root() const { return root_; }
  const std::map<std::string, Asset, std::less<>>& files() const { return files_; }
  std::size_t bytes() const { return bytes_; }

 private:
  std::filesystem::path root_;
  std::map<std::string, Asset, std::less<>> files_;
  std::size_t bytes_ = 0;
};

// The Content-Type for a file name by its extension (case-insensitive): .html .js .mjs .css
// .svg .json .txt .map .webmanifest with charset=utf-8, .png .jpg .gif .webp .ico .woff .woff2;
// application/octet-stream for anything else.
std::string content_type_for(const std::filesystem::path& file);

// The strong ETag of these bytes (the same bytes give the same ETag in every server process).
std::string etag_for(std::string_view bytes);

// The web/static of the source tree this binary was built from (compiled in).
std::filesystem::path source_tree_root();
// Where the files are when the configuration does not say: `compiled_in` when it is a folder,
// else <the executable's folder>/../share/shinchoku/web when that is one (an installed
// binary, see web/CMakeLists.txt's install rule); nullopt when neither is.
std::optional<std::filesystem::path> default_root(const std::filesystem::path& executable,
                                                  const std::filesystem::path& compiled_in = source_tree_root());
// This process's executable (/proc/self/exe); empty when it cannot be told.
std::filesystem::path current_executable();

}  // namespace web
