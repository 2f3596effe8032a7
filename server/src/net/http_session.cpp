#include "net/http_session.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "net/server_context.hpp"
#include "net/socket_upgrade.hpp"

namespace confab::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

constexpr auto kRequestTimeout = std::chrono::seconds(30);
// After a reply that ends the connection, how long and how much of the client's unread input we
// swallow before closing (see DrainThenClose).
constexpr auto kLingerTimeout = std::chrono::seconds(5);
constexpr size_t kLingerMaxBytes = size_t{8} << 20;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool IsApiPath(std::string_view path) {
  return StartsWith(path, "/api/") || path == "/api" || path == "/healthz" || path == "/metrics";
}

// Socket paths other than the WebSocket endpoint (e.g. Phoenix's /socket/longpoll) are not app
// routes: they get a JSON 404, not index.html.
bool IsSocketPath(std::string_view path) {
  return StartsWith(path, "/socket/") || path == "/socket";
}

}  // namespace

HttpSession::HttpSession(boost::asio::ip::tcp::socket&& socket, ServerContext& ctx)
    : stream_(std::move(socket)), ctx_(ctx) {}

void HttpSession::Run() {
  DoRead();
}

void HttpSession::DoRead() {
  parser_.emplace();
  parser_->body_limit(ctx_.max_body_bytes);
  parser_->header_limit(16 * 1024);
  stream_.expires_after(kRequestTimeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::OnRead, shared_from_this()));
}

void HttpSession::OnRead(beast::error_code ec, size_t) {
  if (ec == http::error::end_of_stream || ec == beast::error::timeout) {
    beast::error_code ignored;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    return;
  }
  if (ec == http::error::body_limit) {
    // The rest of the body is still on the wire: answer, then close rather than parse it as a request.
    req_ = parser_->release();
    close_after_reply_ = true;
    Reply(api::Response::Error(413, "message_too_large", "request body over 1 MiB"));
    return;
  }
  if (ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
      parser_->got_some()) {
    req_ = {};
    close_after_reply_ = true;
    Reply(api::Response::Error(400, "invalid_payload", "malformed HTTP request"));
    return;
  }
  if (ec) return;
  req_ = parser_->release();
  Handle();
}

void HttpSession::Handle() {
  api::Request request;
  request.method = std::string(req_.method_string());
  request.body = std::move(req_.body());
  const auto target = req_.target();
  if (!api::ParseTarget(std::string_view(target.data(), target.size()), &request.path, &request.query)) {
    Reply(api::Response::Error(400, "invalid_payload", "malformed URL"));
    return;
  }
  if (request.path == "/socket/websocket") {
    if (!websocket::is_upgrade(req_)) {
      Reply(api::Response::Error(400, "invalid_payload", "expected a WebSocket upgrade"));
    } else if (!IsSupportedVsn(request.query)) {
      Reply(api::Response::Error(403, "unsupported_vsn", "only Phoenix V2 JSON (vsn=2.0.0) is supported"));
    } else {
      Upgrade();
    }
    return;
  }
  if (IsApiPath(request.path) || IsSocketPath(request.path)) {
    // The handler may answer after an asynchronous commit; the session waits without reading.
    ctx_.router.Dispatch(request,
                         [self = shared_from_this()](api::Response r) { self->Reply(std::move(r)); });
    return;
  }
  if (req_.method() != http::verb::get && req_.method() != http::verb::head) {
    Reply(api::Response::Error(405, "method_not_allowed"));
    return;
  }
  Reply(ctx_.static_files.Serve(request.path));
}

void HttpSession::Upgrade() {
  stream_.expires_never();
  auto ws = std::make_shared<WebSocketSession>(std::move(stream_), ctx_.rooms, ctx_.websocket, ctx_.sessions);
  ws->Run(std::move(req_));
}

void HttpSession::Reply(api::Response r) {
  auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status),
                                                                 req_.version());
  res->set(http::field::server, "confab");
  res->set(http::field::content_type, r.content_type);
  for (auto& [name, value] : r.headers) res->set(name, value);
  const bool head = req_.method() == http::verb::head;
  res->body() = std::move(r.body);
  res->keep_alive(req_.keep_alive() && !close_after_reply_);
  res->prepare_payload();
  if (head) res->body().clear();  // Content-Length stays that of the GET
  response_ = res;
  stream_.expires_after(kRequestTimeout);
  http::async_write(stream_, *res,
                    beast::bind_front_handler(&HttpSession::OnWrite, shared_from_this(), res->keep_alive()));
}

void HttpSession::OnWrite(bool keep_alive, beast::error_code ec, size_t) {
  response_.reset();
  if (ec) return;
  if (!keep_alive) {
    beast::error_code ignored;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTimeout);
    DrainThenClose(0, {}, 0);
    return;
  }
  DoRead();
}

// Lingering close (as nginx does): closing a socket with unread input makes the kernel send a RST,
// which can destroy the response before the client has read it (e.g. a 413 sent while the client is
// still uploading the body). So after our FIN we read and discard until the client closes too, for
// at most kLingerTimeout and kLingerMaxBytes.
void HttpSession::DrainThenClose(size_t drained, beast::error_code ec, size_t bytes) {
  drained += bytes;
  if (ec || drained > kLingerMaxBytes) return;  // EOF, timeout or enough: the session ends here
  buffer_.clear();                              // nothing in it is a request any more
  stream_.async_read_some(buffer_.prepare(16384),
                          [self = shared_from_this(), drained](beast::error_code e, size_t n) {
                            self->DrainThenClose(drained, e, n);
                          });
}

}  // namespace confab::net
