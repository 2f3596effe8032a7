#include "net/static_files.hpp"

#include <array>
#include <fstream>
#include <sstream>
#include <utility>

namespace confab::net {
namespace {

constexpr std::string_view kPlaceholder = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Confab</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>Confab is running</h1>
<p>The web app is not built yet. Run <code>scripts/start</code> (or <code>npm run build</code> in
<code>web/</code>) and reload. The API and the socket at <code>/socket/websocket</code> work already.</p>
</body></html>
)";

bool ReadFile(const std::filesystem::path& p, std::string* out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = std::move(ss).str();
  return true;
}

}  // namespace

std::string_view ContentTypeFor(std::string_view filename) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".webp", "image/webp"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},
      {".md", "text/markdown; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  }};
  size_t dot = filename.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  std::string_view ext = filename.substr(dot);
  for (const auto& [e, type] : kTypes) {
    if (e == ext) return type;
  }
  return "application/octet-stream";
}

bool IsUnsafePath(std::string_view path) {
  if (path.find('\0') != std::string_view::npos || path.find('\\') != std::string_view::npos) return true;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (path.substr(i, j - i) == "..") return true;
    i = j + 1;
  }
  return false;
}

StaticFiles::StaticFiles(std::filesystem::path root) : root_(std::move(root)) {
  std::error_code ec;
  has_index_ = std::filesystem::is_regular_file(root_ / "index.html", ec);
}

api::Response StaticFiles::Serve(std::string_view path) const {
  if (IsUnsafePath(path)) return api::Response::Error(404, "not_found");
  api::Response r;
  // Every leading slash goes: root_ / "/etc/passwd" would be "/etc/passwd" ("//etc/passwd", "/%2fetc").
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::string rel(path.empty() ? "index.html" : path);
  std::error_code ec;
  std::filesystem::path file = root_ / rel;
  bool is_index = rel == "index.html";
  if (!std::filesystem::is_regular_file(file, ec)) {
    // A missing asset is a real 404; anything else is a client-side route of the app.
    if (rel.rfind("assets/", 0) == 0) return api::Response::Error(404, "not_found");
    file = root_ / "index.html";
    is_index = true;
  }
  if (is_index && !has_index_) {
    r.content_type = "text/html; charset=utf-8";
    r.body = kPlaceholder;
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  }
  if (!ReadFile(file, &r.body)) return api::Response::Error(404, "not_found");
  r.content_type = ContentTypeFor(file.filename().string());
  // Vite puts content-hashed names under assets/: they never change, so cache them for good.
  r.headers.emplace_back("Cache-Control", rel.rfind("assets/", 0) == 0 ? "public, max-age=31536000, immutable"
                                                                       : "no-cache");
  return r;
}

}  // namespace confab::net
