#include "api/router.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <exception>
#include <nlohmann/json.hpp>

namespace confab::api {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Response Response::Error(int status, std::string_view code, std::string_view detail) {
  nlohmann::json body = {{"error", code}};
  if (!detail.empty()) body["detail"] = detail;
  return Json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::Stream(std::string content_type, std::shared_ptr<ChunkSource> source) {
  Response r;
  r.content_type = std::move(content_type);
  r.stream = std::move(source);
  return r;
}

std::optional<std::string> UrlDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool ParseTarget(std::string_view target, std::string* path, std::map<std::string, std::string>* query) {
  size_t q = target.find('?');
  auto decoded = UrlDecode(target.substr(0, q), false);
  if (!decoded) return false;
  *path = std::move(*decoded);
  if (q == std::string_view::npos) return true;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto key = UrlDecode(pair.substr(0, eq), true);
    auto value = UrlDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key || !value) return false;
    (*query)[*key] = std::move(*value);
  }
  return true;
}

void Router::Add(std::string method, std::string pattern, Handler handler) {
  Route r{std::move(method), {}, std::move(handler)};
  for (auto seg : SplitPath(pattern)) r.segments.emplace_back(seg);
  routes_.push_back(std::move(r));
}

const Handler* Router::Match(Request& req, bool* path_known) const {
  auto segments = SplitPath(req.path);
  *path_known = false;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::vector<std::string> params;
    bool ok = true;
    for (size_t i = 0; i < segments.size() && ok; ++i) {
      const std::string& want = route.segments[i];
      if (!want.empty() && want[0] == ':') {
        params.emplace_back(segments[i]);
      } else {
        ok = want == segments[i];
      }
    }
    if (!ok) continue;
    if (route.method != req.method && !(route.method == "GET" && req.method == "HEAD")) {
      *path_known = true;
      continue;
    }
    req.params = std::move(params);
    return &route.handler;
  }
  return nullptr;
}

namespace {

// One answer per request, whatever the handler does: a handler that throws after it answered (or
// after it handed `respond` to async work that will) must not produce a second answer.
struct AnswerOnce {
  explicit AnswerOnce(Respond r) : respond(std::move(r)) {}
  bool Claim() { return !answered.exchange(true); }
  Respond respond;
  std::atomic<bool> answered{false};
};

}  // namespace

void Router::Dispatch(Request& req, const Respond& respond) const {
  bool path_known = false;
  const Handler* handler = Match(req, &path_known);
  if (handler == nullptr) {
    respond(path_known ? Response::Error(405, "method_not_allowed") : Response::Error(404, "not_found"));
    return;
  }
  auto once = std::make_shared<AnswerOnce>(respond);
  Respond guarded = [once, what = req.method + " " + req.path](Response r) {
    if (once->Claim()) {
      once->respond(std::move(r));
    } else {
      spdlog::error("http: {} answered twice; the second answer is dropped", what);
    }
  };
  // A bug in one handler costs that request a 500, never the connection or the process.
  const char* why = nullptr;
  std::string message;
  try {
    (*handler)(req, std::move(guarded));
    return;
  } catch (const std::exception& e) {
    why = "exception";
    message = e.what();
  } catch (...) {
    why = "non-exception";
  }
  spdlog::error("http: {} {} threw ({}): {}", req.method, req.path, why, message);
  if (once->Claim()) once->respond(Response::Error(500, "internal"));
}

}  // namespace confab::api
