#include "net/static_files.hpp"

#include <spdlog/spdlog.h>

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

// "a//./b/" → "a/b": the key a request path and a file on disk agree on, as the filesystem would.
std::string Normalize(std::string_view rel) {
  std::string out;
  size_t i = 0;
  while (i <= rel.size()) {
    size_t j = rel.find('/', i);
    if (j == std::string_view::npos) j = rel.size();
    std::string_view seg = rel.substr(i, j - i);
    if (!seg.empty() && seg != ".") {
      if (!out.empty()) out += '/';
      out += seg;
    }
    i = j + 1;
  }
  return out;
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
  Load();
  has_index_ = files_.count("index.html") > 0;
}

void StaticFiles::Load() {
  std::error_code ec;
  if (!std::filesystem::is_directory(root_, ec)) return;
  size_t bytes = 0;
  auto it = std::filesystem::recursive_directory_iterator(
      root_, std::filesystem::directory_options::skip_permission_denied, ec);
  for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    // Symlinked files are followed (as before, when files were opened per request); symlinked
    // directories are not (no loops).
    std::error_code entry_ec;
    if (!it->is_regular_file(entry_ec)) continue;
    const auto size = it->file_size(entry_ec);
    if (entry_ec) continue;
    if (files_.size() >= kMaxFiles || bytes + size > kMaxBytes) {
      spdlog::warn("web: {} holds more than {} files or {} bytes; the rest is not served", root_.string(),
                   kMaxFiles, kMaxBytes);
      break;
    }
    File f;
    if (!ReadFile(it->path(), &f.body)) continue;
    bytes += f.body.size();
    f.content_type = ContentTypeFor(it->path().filename().string());
    files_.emplace(Normalize(it->path().lexically_relative(root_).generic_string()), std::move(f));
  }
  if (ec) spdlog::warn("web: reading {}: {}", root_.string(), ec.message());
}

api::Response StaticFiles::Serve(std::string_view path) const {
  if (IsUnsafePath(path)) return api::Response::Error(404, "not_found");
  api::Response r;
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  // Vite puts content-hashed names under assets/: they never change, so cache them for good; and a
  // missing one is a real 404 (a stale bundle must not be answered with HTML).
  const bool asset = path.rfind("assets/", 0) == 0;
  std::string key = Normalize(path.empty() ? "index.html" : path);
  auto found = files_.find(key);
  if (found == files_.end()) {
    if (asset) return api::Response::Error(404, "not_found");
    // Anything else is a client-side route of the app.
    key = "index.html";
    found = files_.find(key);
  }
  if (found == files_.end()) {
    r.content_type = "text/html; charset=utf-8";
    r.body = kPlaceholder;
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  }
  r.body = found->second.body;
  r.content_type = found->second.content_type;
  r.headers.emplace_back("Cache-Control", asset ? "public, max-age=31536000, immutable" : "no-cache");
  return r;
}

}  // namespace confab::net
