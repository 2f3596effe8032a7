#pragma once
// WebSocketSession: one upgraded connection. Owns the Beast stream, the read buffer and the queue of
// outgoing frames; implements channels::Transport for its channels::Connection.
//
// Lifetime (Boost.Beast style): the session lives while an async read or write holds a
// shared_from_this(); it dies when the socket closes and the last handler returns.
// Backpressure: a client that lets more than `slow_consumer_bytes` pile up behind the frame being
// written is closed (1013) and resumes from its last seq when it reconnects.
// Idle: no data for `idle_timeout` closes it.
// Closing: frames not yet on the wire are dropped; a peer that does not take the close frame within
// a few seconds (it reads nothing) loses its TCP connection instead.
// Memory: an idle socket holds the Beast stream (~3 KB) and a tiny read buffer, nothing else.
// Threading: io thread only.
#include <chrono>
#include <deque>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "channels/transport.hpp"

namespace confab::rooms {
class RoomRegistry;
}
namespace confab::channels {
class Connection;
}

namespace confab::net {

class SessionSet;

struct WebSocketOptions {
  std::chrono::seconds idle_timeout{60};
  size_t slow_consumer_bytes = 4 << 20;
  size_t max_message_bytes = 1 << 20;
};

class WebSocketSession : public channels::Transport, public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(boost::beast::tcp_stream&& stream, rooms::RoomRegistry& rooms, const WebSocketOptions& options,
                   SessionSet& sessions);
  ~WebSocketSession() override;

  // Completes the upgrade of `req` (echoing the `phoenix` subprotocol when offered) and starts reading.
  void Run(boost::beast::http::request<boost::beast::http::string_body> req);

  void Send(channels::SharedFrame frame) override;
  void Close(uint16_t code, std::string_view reason) override;

 private:
  void OnAccept(boost::beast::error_code ec);
  void DoRead();
  void OnRead(boost::beast::error_code ec, size_t bytes);
  void DoWrite();
  void OnWrite(boost::beast::error_code ec, size_t bytes);
  void DoClose();
  void DropUnsent();
  void Finish();

  // permessage-deflate is never negotiated: compiling it out saves ~0.5 KB per socket.
  boost::beast::websocket::stream<boost::beast::tcp_stream, /*deflateSupported=*/false> ws_;
  boost::beast::flat_buffer buffer_;
  rooms::RoomRegistry& rooms_;
  const WebSocketOptions& options_;
  SessionSet& sessions_;
  std::shared_ptr<channels::Connection> connection_;
  std::deque<channels::SharedFrame> queue_;
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;  // no more sends; a close frame goes out once the write in flight ends
  bool finished_ = false;
  boost::beast::websocket::close_reason close_reason_;
  std::unique_ptr<boost::asio::steady_timer> close_deadline_;  // only while closing
  std::string remote_;
};

}  // namespace confab::net
