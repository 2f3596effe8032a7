#pragma once
// HttpSession: one HTTP/1.1 connection (keep-alive). Routes /api/*, the health paths and /metrics to
// the API router, /socket/websocket upgrades to a WebSocketSession, everything else to static files.
//
// Answers: a route answers through an api::Respond, from any thread; the answer is posted back to
// this session's io thread. A streamed answer (api::Response::stream) goes out with
// `Transfer-Encoding: chunked` (HTTP/1.0: unframed, then close): each chunk is produced on the
// reader pool and the next one is asked for only after the previous one was written, so a slow
// client holds one chunk in memory, never the whole body.
//
// Limits (docs/operations.md § Quotas and limits): each request must arrive whole within the
// handshake timeout of the accept or of the previous answer (else 408 if some of it came, or a plain
// close when nothing did); a client address over Quotas::connections_per_address is answered 429
// `too_many_connections` with Retry-After and closed (at once for a direct peer; at its first request
// when the peer is a trusted proxy, since only X-Forwarded-For names the client); an upgrade that
// would take one of the slots kept for plain HTTP is answered 503 `server_full`.
//
// Failures stay local: an exception in one of the session's own handlers is logged and closes this
// connection only; one thrown by a route is the Router's (500 for that request).
//
// Lifetime: held by its pending async operation or pending answer (shared_from_this). Threading: the
// session's own io thread only; the Respond it hands out is the one entry point from other threads.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>
#include <string>

#include "api/http_types.hpp"
#include "net/connection_slot.hpp"
#include "util/status.hpp"

namespace confab::net {

struct ServerContext;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket&& socket, ConnectionSlot slot, ServerContext& ctx);
  void Run();

 private:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  struct PendingAnswer;
  // One piece of a streamed body, as the reader pool hands it back.
  struct Piece {
    Status status;
    std::string data;
    bool last = false;
  };

  void DoRead();
  void OnRead(boost::beast::error_code ec, size_t bytes);
  void OnRequestDeadline();
  // Counts the connection under `client` (Quotas::connections_per_address); false when over it.
  bool CountUnder(const boost::asio::ip::address& client);
  void RefuseTooMany();
  void Handle();
  void Upgrade();
  api::Respond MakeRespond();
  void Reply(api::Response response);
  void OnWrite(bool keep_alive, boost::beast::error_code ec, size_t bytes);
  void DrainThenClose(size_t drained, boost::beast::error_code ec, size_t bytes);

  // Streamed answers (see the header comment).
  void ReplyStream(api::Response response);
  void PullPiece();
  void OnPiece(Piece piece);
  void WritePiece();
  void AfterPiece(boost::beast::error_code ec);

  // A Respond was dropped unanswered: there is nothing to say to the client, so the connection ends.
  void Abandon();
  void CloseNow();
  // Runs one of the session's handlers; an exception closes this connection and goes no further.
  template <typename F>
  void Guarded(const char* where, F&& f);

  const boost::asio::any_io_executor executor_;  // the io thread this connection lives on
  ConnectionSlot slot_;  // before stream_: given back after the descriptor is closed; moves on upgrade
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  ServerContext& ctx_;
  boost::asio::ip::address peer_;            // normalized (net/client_address.hpp)
  boost::asio::steady_timer request_timer_;  // the handshake timeout of the request being read
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  Request req_;
  std::shared_ptr<void> response_;  // keeps the response (and its serializer) alive during the write
  bool close_after_reply_ = false;  // the request could not be read to its end
  bool upgraded_ = false;           // stream_ went to a WebSocketSession
  bool reading_ = false;            // a request read is pending
  bool timed_out_ = false;          // the request timer cancelled that read

  // The streamed answer in flight.
  std::shared_ptr<ChunkSource> source_;
  std::string piece_;  // the chunk being written
  bool last_piece_ = false;
  bool header_sent_ = false;
  bool chunked_ = true;  // false for HTTP/1.0: the body ends when the connection does
  bool stream_keep_alive_ = false;
};

}  // namespace confab::net
