#pragma once
// The HTTP request and response as the API layer sees them: no sockets, no Beast types, so routes
// are plain functions that unit tests call directly.
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "util/chunk_source.hpp"

namespace confab::api {

struct Request {
  std::string method;                        // "GET", "POST", …
  std::string path;                          // decoded path, no query ("/api/meetings/abc")
  std::map<std::string, std::string> query;  // decoded query parameters (last one wins)
  std::string body;
  std::vector<std::string> params;  // path segments captured by the route pattern
  // Who asked: the peer's address, or the one a trusted proxy names (Quotas::trusted_proxies).
  std::string client_address;
  // The io thread the request arrived on. A handler that hands blocking work to the ReaderPool gives
  // it this executor so the result comes back to a thread that owns no other work of its own.
  boost::asio::any_io_executor executor;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // When set, `body` is ignored and the session sends the source's chunks with
  // `Transfer-Encoding: chunked`, pulling the next chunk (on the reader pool) only after the previous
  // one was written. An error mid-way closes the connection: the client sees a truncated body.
  std::shared_ptr<ChunkSource> stream;

  // {"error": code, "detail"?: detail} with `status`.
  static Response Error(int status, std::string_view code, std::string_view detail = {});
  static Response Json(int status, std::string body);
  static Response Stream(std::string content_type, std::shared_ptr<ChunkSource> source);
};

// How a handler answers: call it exactly once, from any thread (the io thread, a ReaderPool thread,
// the store writer's callback, a room's thread) — the session hands the response over to its own
// thread. It may be called after the handler returned (after a commit, after a read).
// A Respond dropped without being called (a bug, or work dropped at shutdown) closes the connection:
// it holds the session alive, and its last copy going away ends it. It never leaves a client hanging
// on an open connection, but the client gets no answer either — so always answer, errors included.
using Respond = std::function<void(Response)>;
using Handler = std::function<void(Request&, Respond)>;

}  // namespace confab::api
