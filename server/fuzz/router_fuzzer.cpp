// Fuzzes the HTTP request target parsing and routing (api/router.hpp) and the upgrade checks that read
// its query (net/socket_upgrade.hpp).
//
// Input: a method line, then the request target ("GET\n/api/meetings/x/events?after=3"); without a
// newline the whole input is the target of a GET. The router holds the server's real route table
// (the patterns of api/*_api.cpp) with handlers that report which route ran.
// Invariants:
//  - ParseTarget of a target re-encoded from what it decoded gives the same path and query;
//  - Dispatch answers exactly once: the route a plain matcher (below) picks, with its captures; else
//    405 when the path matches some route under another method, else 404; a handler that throws
//    costs a 500, one that answers twice is answered once;
//  - an error body is JSON whatever bytes its detail holds.
#include <spdlog/spdlog.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "api/router.hpp"
#include "net/socket_upgrade.hpp"

namespace {

using namespace confab::api;

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "router invariant broken: %s\n", what);
    abort();
  }
}

struct RouteSpec {
  const char* method;
  const char* pattern;
};
// api/health_api.cpp, meetings_api.cpp, views_api.cpp; two extra routes whose handlers misbehave.
constexpr RouteSpec kRoutes[] = {
    {"GET", "/livez"},
    {"GET", "/healthz"},
    {"GET", "/readyz"},
    {"GET", "/metrics"},
    {"POST", "/api/meetings"},
    {"GET", "/api/meetings/:id"},
    {"GET", "/api/meetings/:id/events"},
    {"GET", "/api/meetings/:id/analytics"},
    {"GET", "/api/meetings/:id/audit"},
    {"GET", "/api/meetings/:id/summary.md"},
    {"GET", "/api/meetings/:id/summary"},
    {"GET", "/api/meetings/:id/state"},
    {"GET", "/api/analytics/features"},
    {"DELETE", "/api/meetings/:id/throws"},
    {"DELETE", "/api/meetings/:id/twice"},
};
constexpr size_t kThrows = 13, kTwice = 14;

std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  std::string cur;
  bool in = false;
  for (char c : path) {
    if (c == '/') {
      if (in) out.push_back(cur);
      cur.clear();
      in = false;
    } else {
      cur.push_back(c);
      in = true;
    }
  }
  if (in) out.push_back(cur);
  return out;
}

// The first route whose pattern fits the path and whose method fits (GET also answers HEAD).
struct Expected {
  int status = 404;
  size_t route = 0;
  std::vector<std::string> params;
};
Expected PlainMatch(const std::string& method, const std::string& path) {
  Expected want;
  const auto segs = Segments(path);
  for (size_t i = 0; i < std::size(kRoutes); ++i) {
    const auto pat = Segments(kRoutes[i].pattern);
    if (pat.size() != segs.size()) continue;
    std::vector<std::string> params;
    bool fits = true;
    for (size_t k = 0; k < pat.size() && fits; ++k) {
      if (pat[k][0] == ':') {
        params.push_back(segs[k]);
      } else {
        fits = pat[k] == segs[k];
      }
    }
    if (!fits) continue;
    if (method != kRoutes[i].method && !(method == "HEAD" && std::string(kRoutes[i].method) == "GET")) {
      want.status = 405;
      continue;
    }
    want.status = i == kThrows ? 500 : 200;
    want.route = i;
    want.params = params;
    return want;
  }
  return want;
}

const Router& TheRouter() {
  static const Router* router = [] {
    auto* r = new Router;
    for (size_t i = 0; i < std::size(kRoutes); ++i) {
      r->Add(kRoutes[i].method, kRoutes[i].pattern, [i](Request& req, Respond respond) {
        if (i == kThrows) throw std::runtime_error("handler bug");
        nlohmann::json body = {{"route", i}, {"params", req.params}};
        const std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        respond(Response::Json(200, text));
        if (i == kTwice) respond(Response::Json(200, text));
      });
    }
    return r;
  }();
  return *router;
}

// Percent-encodes every byte but unreserved ones (and '/' in a path).
std::string Encode(std::string_view s, bool path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || (path && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);  // the router logs handlers that throw
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string method = "GET";
  std::string_view target = input;
  if (const size_t nl = input.find('\n'); nl != std::string_view::npos) {
    method = std::string(input.substr(0, nl));
    target = input.substr(nl + 1);
  }

  Request req;
  req.method = method;
  if (!ParseTarget(target, &req.path, &req.query)) {
    // Refused only for a bad escape: a '%' not followed by two hex digits.
    bool bad_escape = false;
    for (size_t i = 0; i < target.size(); ++i) {
      if (target[i] == '%' &&
          (i + 2 >= target.size() || !std::isxdigit(static_cast<unsigned char>(target[i + 1])) ||
           !std::isxdigit(static_cast<unsigned char>(target[i + 2])))) {
        bad_escape = true;
      }
    }
    Check(bad_escape, "ParseTarget refuses only bad escapes");
    return 0;
  }

  // Re-encoding what was decoded parses back to the same thing.
  std::string again = Encode(req.path, true);
  if (!req.query.empty()) {
    again += '?';
    for (const auto& [k, v] : req.query) again += Encode(k, false) + "=" + Encode(v, false) + "&";
  }
  std::string path2;
  std::map<std::string, std::string> query2;
  Check(ParseTarget(again, &path2, &query2), "a re-encoded target parses");
  Check(path2 == req.path, "the path survives re-encoding");
  Check(query2 == req.query, "the query survives re-encoding");
  Check(req.path.find('?') == std::string::npos || target.find("%3F") != std::string_view::npos ||
            target.find("%3f") != std::string_view::npos,
        "a '?' in the path comes only from an escape");

  // The upgrade's checks read the same query (and any header bytes).
  const auto vsn = req.query.find("vsn");
  Check(confab::net::IsSupportedVsn(req.query) ==
            (vsn != req.query.end() && vsn->second.size() > 2 && vsn->second.rfind("2.", 0) == 0),
        "vsn=2.x and nothing else is supported");
  (void)confab::net::OffersPhoenixSubprotocol(input);

  const Expected want = PlainMatch(req.method, req.path);
  int calls = 0;
  Response got;
  TheRouter().Dispatch(req, [&](Response r) {
    ++calls;
    got = std::move(r);
  });
  Check(calls == 1, "Dispatch answers exactly once");
  Check(got.status == want.status, "the status the plain matcher expects");
  const nlohmann::json body = nlohmann::json::parse(got.body, nullptr, false);
  Check(body.is_object(), "every answer here is a JSON object");
  if (want.status == 200) {
    Check(body["route"] == want.route, "the route the plain matcher picks");
    Check(req.params == want.params, "the captures in order");
  }

  // An error whose detail is any bytes (a path echoed back, say) is still JSON.
  const Response err = Response::Error(400, "invalid_payload", input);
  Check(nlohmann::json::parse(err.body, nullptr, false).is_object(), "an error body is JSON");
  return 0;
}
