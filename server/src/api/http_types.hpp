#pragma once
// The HTTP request and response as the API layer sees them: no sockets, no Beast types, so routes
// are plain functions that unit tests call directly.
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace confab::api {

struct Request {
  std::string method;                         // "GET", "POST", …
  std::string path;                           // decoded path, no query ("/api/meetings/abc")
  std::map<std::string, std::string> query;   // decoded query parameters (last one wins)
  std::string body;
  std::vector<std::string> params;            // path segments captured by the route pattern
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers

  // {"error": code, "detail"?: detail} with `status`.
  static Response Error(int status, std::string_view code, std::string_view detail = {});
  static Response Json(int status, std::string body);
};

// Handlers may answer later (after a commit): they call `respond` exactly once, on the io thread.
using Respond = std::function<void(Response)>;
using Handler = std::function<void(Request&, Respond)>;

}  // namespace confab::api
