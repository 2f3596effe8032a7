#include "net/http_session.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <chrono>
#include <exception>

#include "net/client_address.hpp"
#include "net/server_context.hpp"
#include "net/socket_upgrade.hpp"
#include "store/reader_pool.hpp"

namespace confab::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

// Writing an answer (reading a request has the handshake timeout).
constexpr auto kRequestTimeout = std::chrono::seconds(30);
// What a refused client is told to wait before it tries again.
constexpr const char* kRetryAfterTooMany = "10";
constexpr const char* kRetryAfterFull = "5";
// After a reply that ends the connection, how long and how much of the client's unread input we
// swallow before closing (see DrainThenClose).
constexpr auto kLingerTimeout = std::chrono::seconds(5);
constexpr size_t kLingerMaxBytes = size_t{8} << 20;

std::string_view Sv(beast::string_view s) {
  return {s.data(), s.size()};
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool IsApiPath(std::string_view path) {
  return StartsWith(path, "/api/") || path == "/api" || path == "/healthz" || path == "/readyz" ||
         path == "/livez" || path == "/metrics";
}

// Socket paths other than the WebSocket endpoint (e.g. Phoenix's /socket/longpoll) are not app
// routes: they get a JSON 404, not index.html.
bool IsSocketPath(std::string_view path) {
  return StartsWith(path, "/socket/") || path == "/socket";
}

// The header of a streamed answer and the serializer that writes it, kept alive together.
struct StreamHeader {
  explicit StreamHeader(http::response<http::empty_body> r) : res(std::move(r)), sr(res) {}
  http::response<http::empty_body> res;
  http::response_serializer<http::empty_body> sr;
};

}  // namespace

// The session's stake in one unanswered request. Answering posts the response to the session's
// thread; if every copy of the Respond goes away unanswered, the session is released on its own
// thread too (Abandon), not on whichever thread happened to drop it.
struct HttpSession::PendingAnswer {
  explicit PendingAnswer(std::shared_ptr<HttpSession> s) : session(std::move(s)) {}
  ~PendingAnswer() {
    if (answered.load()) return;
    boost::asio::any_io_executor ex = session->executor_;
    boost::asio::post(ex, [s = std::move(session)] { s->Guarded("abandon", [&] { s->Abandon(); }); });
  }
  std::shared_ptr<HttpSession> session;
  std::atomic<bool> answered{false};
};

HttpSession::HttpSession(boost::asio::ip::tcp::socket&& socket, ConnectionSlot slot, ServerContext& ctx)
    : executor_(socket.get_executor()),
      slot_(std::move(slot)),
      stream_(std::move(socket)),
      ctx_(ctx),
      request_timer_(executor_) {}

template <typename F>
void HttpSession::Guarded(const char* where, F&& f) {
  try {
    f();
    return;
  } catch (const std::exception& e) {
    spdlog::error("http: {} threw: {}; closing the connection", where, e.what());
  } catch (...) {
    spdlog::error("http: {} threw a non-exception; closing the connection", where);
  }
  CloseNow();
}

void HttpSession::Run() {
  Guarded("start", [&] {
    beast::error_code ec;
    const auto peer = stream_.socket().remote_endpoint(ec);
    if (ec) return CloseNow();  // reset before it started
    peer_ = Normalize(peer.address());
    // A direct client counts from the accept, so idle connections count too. Behind a trusted proxy
    // only the request names the client (Handle).
    if (!IsTrusted(peer_, ctx_.trusted_proxies) && !CountUnder(peer_)) return RefuseTooMany();
    DoRead();
  });
}

bool HttpSession::CountUnder(const boost::asio::ip::address& client) {
  if (!ctx_.per_address.enabled() || AddressCounts::Counts(slot_.address(), client)) return true;
  AddressCounts::Entry* entry = ctx_.per_address.Acquire(client);
  if (!entry) return false;
  slot_.set_address(entry);  // a proxied connection now carrying another client gives the old one back
  return true;
}

void HttpSession::RefuseTooMany() {
  // Said even before the request was read (a direct client over the limit): the lingering close
  // (DrainThenClose) swallows the request, so the answer is not lost to a reset.
  close_after_reply_ = true;
  auto r = api::Response::Error(
      429, "too_many_connections",
      "at most " + std::to_string(ctx_.per_address.limit()) + " open connections per client address");
  r.headers.emplace_back("Retry-After", kRetryAfterTooMany);
  Reply(std::move(r));
}

void HttpSession::DoRead() {
  parser_.emplace();
  parser_->body_limit(ctx_.max_body_bytes);
  parser_->header_limit(16 * 1024);
  // The whole request within the handshake timeout: a byte now and then does not keep it open. Our own
  // timer rather than the stream's, which would close the socket before a 408 could be said.
  stream_.expires_never();
  reading_ = true;
  timed_out_ = false;
  request_timer_.expires_after(ctx_.handshake_timeout);
  request_timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->Guarded("request timer", [&] { self->OnRequestDeadline(); });
  });
  http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t n) {
    self->Guarded("request", [&] { self->OnRead(ec, n); });
  });
}

void HttpSession::OnRequestDeadline() {
  if (!reading_) return;
  timed_out_ = true;
  stream_.cancel();  // the read ends with operation_aborted
}

void HttpSession::OnRead(beast::error_code ec, size_t) {
  reading_ = false;
  request_timer_.cancel();
  if (ec && timed_out_) {
    if (parser_->got_some() || buffer_.size() > 0) {
      // Part of a request came: say why the connection ends.
      req_ = {};
      close_after_reply_ = true;
      Reply(api::Response::Error(
          408, "request_timeout",
          "the request did not arrive within " + std::to_string(ctx_.handshake_timeout.count()) + " s"));
    } else {
      CloseNow();  // an idle connection (or keep-alive between requests): nothing to answer
    }
    return;
  }
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
  request.executor = executor_;
  request.method = std::string(req_.method_string());
  request.body = std::move(req_.body());
  boost::asio::ip::address client = peer_;
  if (IsTrusted(peer_, ctx_.trusted_proxies)) {
    std::vector<std::string_view> forwarded;
    for (auto [it, end] = req_.equal_range("X-Forwarded-For"); it != end; ++it)
      forwarded.push_back(Sv(it->value()));
    client = ClientAddress(peer_, ctx_.trusted_proxies, forwarded);
    if (!CountUnder(client)) return RefuseTooMany();
  }
  request.client_address = client.to_string();
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
    // The handler may answer later, from another thread; the session waits without reading.
    ctx_.router.Dispatch(request, MakeRespond());
    return;
  }
  if (req_.method() != http::verb::get && req_.method() != http::verb::head) {
    Reply(api::Response::Error(405, "method_not_allowed"));
    return;
  }
  Reply(ctx_.static_files.Serve(request.path));
}

void HttpSession::Upgrade() {
  if (!ctx_.gate.TryOpenSocket()) {
    // The last slots under the descriptor cap are for plain HTTP (health checks, the API).
    close_after_reply_ = true;
    auto r = api::Response::Error(503, "server_full", "the server holds all the sockets it can; try again");
    r.headers.emplace_back("Retry-After", kRetryAfterFull);
    Reply(std::move(r));
    return;
  }
  upgraded_ = true;  // from here on stream_ is moved-from: the WebSocketSession owns the socket
  stream_.expires_never();
  auto ws = std::make_shared<WebSocketSession>(std::move(stream_), std::move(slot_), ctx_);
  ws->Run(std::move(req_));
}

api::Respond HttpSession::MakeRespond() {
  auto pending = std::make_shared<PendingAnswer>(shared_from_this());
  return [pending](api::Response r) {
    if (pending->answered.exchange(true)) return;  // the Router already makes this impossible
    // Always posted, even from this very thread: the handler may still be running up the stack.
    boost::asio::post(pending->session->executor_, [s = pending->session, r = std::move(r)]() mutable {
      s->Guarded("reply", [&] { s->Reply(std::move(r)); });
    });
  };
}

void HttpSession::Abandon() {
  spdlog::error("http: {} {} was never answered; closing the connection", Sv(req_.method_string()),
                Sv(req_.target()));
  CloseNow();
}

void HttpSession::CloseNow() {
  if (upgraded_) return;
  beast::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

void HttpSession::Reply(api::Response r) {
  if (r.stream) {
    ReplyStream(std::move(r));
    return;
  }
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
  http::async_write(
      stream_, *res,
      [self = shared_from_this(), keep_alive = res->keep_alive()](beast::error_code ec, size_t n) {
        self->Guarded("write", [&] { self->OnWrite(keep_alive, ec, n); });
      });
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
                            self->Guarded("drain", [&] { self->DrainThenClose(drained, e, n); });
                          });
}

// --- Streamed answers ---------------------------------------------------------------------------
// The first piece is produced before the header goes out, so a source that fails at once still
// gets a proper 503; after the header, a failure can only cut the body short.

void HttpSession::ReplyStream(api::Response r) {
  http::response<http::empty_body> res(static_cast<http::status>(r.status), req_.version());
  res.set(http::field::server, "confab");
  res.set(http::field::content_type, r.content_type);
  for (auto& [name, value] : r.headers) res.set(name, value);
  chunked_ = req_.version() >= 11;
  // Without chunking the end of the body is the end of the connection.
  stream_keep_alive_ = chunked_ && req_.keep_alive() && !close_after_reply_;
  res.keep_alive(stream_keep_alive_);
  if (chunked_) res.chunked(true);
  auto header = std::make_shared<StreamHeader>(std::move(res));
  response_ = header;
  header_sent_ = false;
  last_piece_ = false;
  piece_.clear();
  if (req_.method() == http::verb::head) {
    // HEAD: the GET's header (chunked, so no length to state) and no body; the source is never read.
    header_sent_ = true;
    stream_.expires_after(kRequestTimeout);
    http::async_write_header(
        stream_, header->sr, [self = shared_from_this()](beast::error_code ec, size_t n) {
          self->Guarded("stream header", [&] { self->OnWrite(self->stream_keep_alive_, ec, n); });
        });
    return;
  }
  source_ = std::move(r.stream);
  PullPiece();
}

void HttpSession::PullPiece() {
  ctx_.reader.Run(
      executor_,
      [source = source_](store::Store&) {
        Piece p;
        try {
          p.status = source->Next(&p.data, &p.last);
        } catch (const std::exception& e) {
          p.status = Status::Unavailable(std::string("chunk source threw: ") + e.what());
        } catch (...) {
          p.status = Status::Unavailable("chunk source threw");
        }
        return p;
      },
      [self = shared_from_this()](Piece p) {
        self->Guarded("stream", [&] { self->OnPiece(std::move(p)); });
      });
}

void HttpSession::OnPiece(Piece p) {
  if (!p.status.ok()) {
    source_.reset();
    if (!header_sent_) {
      spdlog::warn("http: {}: stream failed before its first byte: {}", Sv(req_.target()),
                   p.status.ToString());
      Reply(api::Response::Error(503, "unavailable"));
      return;
    }
    spdlog::warn("http: {}: stream failed mid-way, closing: {}", Sv(req_.target()), p.status.ToString());
    CloseNow();  // the client sees a body without its last chunk: truncated, never mistaken for whole
    return;
  }
  piece_ = std::move(p.data);
  last_piece_ = p.last;
  if (header_sent_) {
    WritePiece();
    return;
  }
  header_sent_ = true;
  auto header = std::static_pointer_cast<StreamHeader>(response_);
  stream_.expires_after(kRequestTimeout);
  http::async_write_header(stream_, header->sr, [self = shared_from_this()](beast::error_code ec, size_t) {
    self->Guarded("stream header", [&] {
      if (!ec) self->WritePiece();
    });
  });
}

void HttpSession::WritePiece() {
  auto then = [self = shared_from_this()](beast::error_code ec, size_t) {
    self->Guarded("stream write", [&] { self->AfterPiece(ec); });
  };
  stream_.expires_after(kRequestTimeout);
  if (piece_.empty()) {
    // An empty chunk would read as the end of the body: skip it.
    AfterPiece({});
  } else if (chunked_) {
    boost::asio::async_write(stream_, http::make_chunk(boost::asio::buffer(piece_)), std::move(then));
  } else {
    boost::asio::async_write(stream_, boost::asio::buffer(piece_), std::move(then));
  }
}

void HttpSession::AfterPiece(beast::error_code ec) {
  if (ec) return;  // the client went away (or timed out): the session ends here
  if (!last_piece_) {
    PullPiece();
    return;
  }
  source_.reset();
  piece_.clear();
  piece_.shrink_to_fit();  // an idle keep-alive connection holds no chunk
  if (!chunked_) {
    OnWrite(false, {}, 0);
    return;
  }
  stream_.expires_after(kRequestTimeout);
  boost::asio::async_write(
      stream_, http::make_chunk_last(), [self = shared_from_this()](beast::error_code e, size_t n) {
        self->Guarded("stream end", [&] { self->OnWrite(self->stream_keep_alive_, e, n); });
      });
}

}  // namespace confab::net
