#pragma once
// Static files of the web app (web/dist) with an SPA fallback: any GET that is not an API, socket
// or health path and names no file gets index.html, so /m/ID deep links work.
// Threading: immutable after construction; reads files on the calling (io) thread — the app is a
// few small files the OS keeps in its page cache.
#include <filesystem>
#include <string>
#include <string_view>

#include "api/http_types.hpp"

namespace confab::net {

class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root);

  // The response for GET `path` (already percent-decoded). 404 JSON for unsafe paths.
  api::Response Serve(std::string_view path) const;

  const std::filesystem::path& root() const { return root_; }
  bool has_app() const { return has_index_; }

 private:
  std::filesystem::path root_;
  bool has_index_ = false;
};

// Content-Type for a file name, by extension ("application/octet-stream" when unknown).
std::string_view ContentTypeFor(std::string_view filename);
// True when `path` could escape the root ("..", backslashes, NUL).
bool IsUnsafePath(std::string_view path);

}  // namespace confab::net
