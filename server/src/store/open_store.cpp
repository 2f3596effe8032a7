#include <cctype>
#include <string>

#include "store/pg_store.hpp"
#include "store/sqlite_store.hpp"
#include "store/store.hpp"

namespace confab::store {
namespace {

// "scheme:" prefix per RFC 3986 (letter, then letters, digits, + - .), or empty when `url` has none.
std::string_view SchemeOf(std::string_view url) {
  size_t colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  if (!std::isalpha(static_cast<unsigned char>(url[0]))) return {};
  for (size_t i = 1; i < colon; ++i) {
    unsigned char c = static_cast<unsigned char>(url[i]);
    if (!std::isalnum(c) && c != '+' && c != '-' && c != '.') return {};
  }
  return url.substr(0, colon);
}

}  // namespace

std::string RedactStoreUrl(std::string_view url) {
  std::string out(url.substr(0, url.find('?')));
  const size_t authority = out.find("://");
  if (authority == std::string::npos) return out;
  const size_t at = out.find('@', authority + 3);
  const size_t slash = out.find('/', authority + 3);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return out;
  const size_t colon = out.find(':', authority + 3);
  if (colon != std::string::npos && colon < at) out.erase(colon, at - colon);
  return out;
}

Status OpenStore(std::string_view url, std::unique_ptr<Store>* out) {
  std::string_view scheme = SchemeOf(url);
  std::string_view path = url;
  if (scheme == "postgres" || scheme == "postgresql") {
    // libpq reads the URI itself (user, password, host, port, database, ?options).
    std::unique_ptr<PgStore> store;
    if (Status s = PgStore::Open(std::string(url), &store); !s.ok()) return s;
    *out = std::move(store);
    return Status::Ok();
  }
  if (scheme == "sqlite") {
    path = url.substr(scheme.size() + 1);
    // "sqlite:///abs/path.db" and "sqlite://rel.db" as well as "sqlite:rel.db".
    if (path.substr(0, 2) == "//") path.remove_prefix(2);
  } else if (!scheme.empty()) {
    // Only the scheme is echoed: the rest of a URL may hold a password.
    return Status::Invalid("unknown store scheme \"" + std::string(scheme) +
                           "\"; supported: sqlite:PATH, a bare file path, "
                           "or postgres://user@host:port/db");
  }
  if (path.empty()) return Status::Invalid("store URL names no file: \"" + std::string(url) + "\"");
  std::unique_ptr<SqliteStore> store;
  if (Status s = SqliteStore::Open(std::string(path), &store); !s.ok()) return s;
  *out = std::move(store);
  return Status::Ok();
}

}  // namespace confab::store
