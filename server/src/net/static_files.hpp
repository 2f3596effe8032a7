#pragma once
// Static files of the web app (web/dist) with an SPA fallback: any GET that is not an API, socket
// or health path and names no file gets index.html, so /m/ID deep links work.
// The whole app is read into memory at construction (it is a few hundred KiB), so serving a file
// never touches the disk on an io thread; a rebuilt app is picked up by restarting the server.
// Threading: immutable after construction, safe from every io thread at once.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/http_types.hpp"

namespace confab::net {

class StaticFiles {
 public:
  // Loads every regular file under `root` (at most kMaxFiles files and kMaxBytes bytes: a --web
  // pointed at the wrong directory must not swallow the disk; what is over is logged and skipped).
  explicit StaticFiles(std::filesystem::path root);
  static constexpr size_t kMaxFiles = 10000;
  static constexpr size_t kMaxBytes = size_t{256} << 20;

  // The response for GET `path` (already percent-decoded). 404 JSON for unsafe paths.
  api::Response Serve(std::string_view path) const;

  const std::filesystem::path& root() const { return root_; }
  bool has_app() const { return has_index_; }

 private:
  struct File {
    std::string body;
    std::string content_type;
  };
  void Load();

  std::filesystem::path root_;
  // Keyed by the path relative to root_ with '/' separators and no "." or empty segments.
  std::unordered_map<std::string, File> files_;
  bool has_index_ = false;
};

// Content-Type for a file name, by extension ("application/octet-stream" when unknown).
std::string_view ContentTypeFor(std::string_view filename);
// True when `path` could escape the root ("..", backslashes, NUL).
bool IsUnsafePath(std::string_view path);

}  // namespace confab::net
