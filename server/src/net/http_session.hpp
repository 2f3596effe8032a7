#pragma once
// HttpSession: one HTTP/1.1 connection (keep-alive). Routes /api/*, /healthz and /metrics to the
// API router, /socket/websocket upgrades to a WebSocketSession, everything else to static files.
// Lifetime: held by its pending async operation (shared_from_this). Threading: io thread only.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>

#include "api/http_types.hpp"

namespace confab::net {

struct ServerContext;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket&& socket, ServerContext& ctx);
  void Run();

 private:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  void DoRead();
  void OnRead(boost::beast::error_code ec, size_t bytes);
  void Handle();
  void Upgrade();
  void Reply(api::Response response);
  void OnWrite(bool keep_alive, boost::beast::error_code ec, size_t bytes);
  void DrainThenClose(size_t drained, boost::beast::error_code ec, size_t bytes);

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  ServerContext& ctx_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  Request req_;
  std::shared_ptr<void> response_;  // keeps the response alive during the write
  bool close_after_reply_ = false;  // the request could not be read to its end
};

}  // namespace confab::net
