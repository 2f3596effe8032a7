#pragma once
// Router: method + path pattern → handler. Patterns are literal segments and `:name` captures,
// e.g. "/api/meetings/:id/events"; captures arrive in Request::params in order.
// Threading: built at start-up, then read-only (safe from every io thread at once).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.hpp"

namespace confab::api {

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);

  // The handler for `req` (filling req.params), or nullopt. Sets *path_known when some route
  // matches the path with another method (→ 405 rather than 404).
  const Handler* Match(Request& req, bool* path_known) const;

  // Dispatches `req`: the matching handler, or a JSON 404/405. `respond` is called once at most,
  // even by a buggy handler; a handler that throws is logged and answered 500 {"error":"internal"}
  // (unless it already answered).
  void Dispatch(Request& req, const Respond& respond) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

// Splits "/a/b?x=1&y=%20" into a decoded path and query map. Returns false on malformed
// percent-encoding.
bool ParseTarget(std::string_view target, std::string* path, std::map<std::string, std::string>* query);
// Percent-decoding ('+' as space in queries only). nullopt on bad escapes.
std::optional<std::string> UrlDecode(std::string_view s, bool plus_is_space);

}  // namespace confab::api
