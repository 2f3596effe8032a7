#pragma once
// WebSocketSession: one upgraded connection. Beast does the HTTP upgrade (it validates the request and
// answers 101 with the `phoenix` subprotocol); then the session takes the TCP socket and speaks RFC 6455
// itself (net/ws_frame.hpp), because the per-frame cost of a Beast write (one async op, one sendmsg,
// one TCP segment per frame) was most of the server's CPU under fan-out. Implements channels::Transport
// for its channels::Connection.
//
// Writes: Send() queues the shared frame (the payload bytes are those of the broadcast, never copied;
// only the 2-10 byte header is the session's) and schedules a flush at the end of the current io
// handler. A flush gathers every queued frame into ONE async_write (writev); frames queued while it is
// in flight go in the next one. So a socket costs one syscall per burst, not per frame.
// Reads: an idle socket holds no read buffer. The session waits for readability, then reads into a
// per-thread buffer and parses in place; only a frame split across reads is copied (by the parser).
// Backpressure: a client that lets more than `slow_consumer_bytes` pile up behind the write in flight
// is closed (1013) and resumes from its last seq when it reconnects.
// Idle: no data received for `idle_timeout` closes it (1001). One timer per session, re-armed only
// when it fires (it checks the time of the last read).
// Closing: frames not yet handed to the kernel are dropped; the close frame follows the write in
// flight; the socket is closed once the peer answers the close, or after a grace period.
// Lifetime (Asio style): the session lives while a pending wait, write or timer holds a
// shared_from_this(); it dies when the socket closes and the last handler returns.
// Threading: its own io thread only (the one its socket was accepted onto), and that io_context must be
// run by one thread (the read path relies on
// reading the socket dry before it waits again, with no other thread polling in between).
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "channels/transport.hpp"
#include "net/ws_frame.hpp"

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
  WebSocketSession(boost::beast::tcp_stream&& stream, rooms::RoomRegistry& rooms,
                   const WebSocketOptions& options, SessionSet& sessions);
  ~WebSocketSession() override;

  // Completes the upgrade of `req` (echoing the `phoenix` subprotocol when offered) and starts reading.
  void Run(boost::beast::http::request<boost::beast::http::string_body> req);

  boost::asio::any_io_executor executor() { return socket_.get_executor(); }

  void Send(channels::SharedFrame frame) override;
  void Close(uint16_t code, std::string_view reason) override;

 private:
  // Beast's stream, used for the upgrade only (permessage-deflate is never negotiated).
  using Handshake = boost::beast::websocket::stream<boost::beast::tcp_stream, /*deflateSupported=*/false>;

  // One frame to write: its header, then the shared payload. Control frames the session makes itself
  // (pong, close) are whole frames in `payload` with no separate header.
  struct Outgoing {
    channels::SharedFrame payload;
    uint8_t header[ws::kMaxHeaderBytes];
    uint8_t header_size = 0;
    bool is_close = false;
  };

  void OnAccept(boost::beast::error_code ec);
  void ReadAvailable();
  void WaitReadable();
  // Parses bytes just read and hands messages to the connection. False when reading must stop.
  bool Consume(char* data, size_t size);
  void QueueControl(std::string frame, bool is_close);
  void ScheduleFlush();
  void Flush();
  void OnWrite(boost::beast::error_code ec, size_t bytes);
  void StartClose(uint16_t code, std::string_view reason);
  void ArmTimer(std::chrono::steady_clock::time_point at);
  void OnTimer(boost::beast::error_code ec);
  void Finish();

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;       // idle timeout; once closing, the close grace period
  std::unique_ptr<Handshake> handshake_;  // only until the upgrade completes
  ws::FrameParser parser_;
  rooms::RoomRegistry& rooms_;
  const WebSocketOptions& options_;
  SessionSet& sessions_;
  std::shared_ptr<channels::Connection> connection_;
  std::vector<Outgoing> pending_;                  // queued since the last flush
  std::vector<Outgoing> in_flight_;                // the frames of the write in flight
  std::vector<boost::asio::const_buffer> gather_;  // their buffers, header and payload per frame
  size_t pending_bytes_ = 0;
  std::chrono::steady_clock::time_point last_read_;
  bool flush_scheduled_ = false;
  bool writing_ = false;
  bool reading_ = false;      // a readability wait is pending
  bool closing_ = false;      // no more sends; the close frame is queued or written
  bool close_sent_ = false;   // our close frame reached the kernel
  bool peer_closed_ = false;  // the peer's close frame arrived (or its stream ended)
  bool finished_ = false;
  std::string remote_;
};

}  // namespace confab::net
