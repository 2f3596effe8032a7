#include "net/websocket_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <span>

#include "channels/connection.hpp"
#include "channels/stats.hpp"
#include "net/server_context.hpp"
#include "net/socket_upgrade.hpp"
#include "rooms/room_registry.hpp"

namespace confab::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

namespace {

// Reads land here, per io thread, and are parsed before the next read: no socket owns a read buffer.
// A Phoenix message is a few hundred bytes; anything longer is reassembled by the parser.
constexpr size_t kReadChunk = 64 * 1024;
// How long a closing socket may take to get its last frames out and the peer's close in.
constexpr auto kCloseGrace = std::chrono::seconds(5);

char* ReadBuffer() {
  static thread_local std::unique_ptr<char[]> buffer(new char[kReadChunk]);
  return buffer.get();
}

}  // namespace

WebSocketSession::WebSocketSession(beast::tcp_stream&& stream, rooms::RoomRegistry& rooms,
                                   const WebSocketOptions& options, SessionSet& sessions)
    : socket_(stream.get_executor()),
      timer_(stream.get_executor()),
      parser_(options.max_message_bytes),
      rooms_(rooms),
      options_(options),
      sessions_(sessions) {
  beast::error_code ec;
  auto ep = stream.socket().remote_endpoint(ec);
  if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  handshake_ = std::make_unique<Handshake>(std::move(stream));
  channels::Bump(channels::Stats().connections_total);
  channels::Stats().connections_open.fetch_add(1, std::memory_order_relaxed);
}

WebSocketSession::~WebSocketSession() {
  if (connection_ && !finished_) {  // every path ends in Finish(); this only guards against a new one
    sessions_.Remove(this);
    connection_->OnClosed();
  }
  channels::Stats().connections_open.fetch_sub(1, std::memory_order_relaxed);
}

void WebSocketSession::Run(http::request<http::string_body> req) {
  beast::get_lowest_layer(*handshake_).expires_never();  // the websocket timeout takes over
  websocket::stream_base::timeout timeout{};
  timeout.handshake_timeout = std::chrono::seconds(30);
  timeout.idle_timeout = websocket::stream_base::none();
  timeout.keep_alive_pings = false;
  handshake_->set_option(timeout);
  const auto offered = req[http::field::sec_websocket_protocol];
  const bool phoenix = OffersPhoenixSubprotocol(std::string_view(offered.data(), offered.size()));
  handshake_->set_option(websocket::stream_base::decorator([phoenix](websocket::response_type& res) {
    res.set(http::field::server, "confab");
    if (phoenix) res.set(http::field::sec_websocket_protocol, "phoenix");
  }));
  handshake_->async_accept(req, beast::bind_front_handler(&WebSocketSession::OnAccept, shared_from_this()));
}

void WebSocketSession::OnAccept(beast::error_code ec) {
  if (ec) {
    spdlog::debug("websocket accept from {} failed: {}", remote_, ec.message());
    return;
  }
  // From here on the socket is ours: Beast's stream (and its buffers) go away.
  socket_ = handshake_->next_layer().release_socket();
  handshake_.reset();
  socket_.non_blocking(true, ec);
  if (ec) return;
  sessions_.Add(shared_from_this());
  // This handler runs on the session's io thread: the connection lives there too.
  size_t thread = rooms_.threads().Current();
  if (thread == rooms::IoThreads::kNone) thread = 0;
  connection_ = std::make_shared<channels::Connection>(rooms_, weak_from_this(),
                                                       channels::ConnectionInfo{remote_, thread});
  last_read_ = Clock::now();
  ArmTimer(last_read_ + options_.idle_timeout);
  // Read first: the client may have sent its first frames before this handler ran, and that
  // readiness event is not repeated.
  ReadAvailable();
}

void WebSocketSession::ReadAvailable() {
  char* buffer = ReadBuffer();
  for (;;) {
    beast::error_code ec;
    const size_t n = socket_.read_some(asio::buffer(buffer, kReadChunk), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec) {  // end of stream or reset: nothing more will be sent or received
      peer_closed_ = true;
      Finish();
      return;
    }
    last_read_ = Clock::now();
    if (!Consume(buffer, n) || finished_) return;
    // A short read emptied the socket; data arriving later is a new readiness event.
    if (n < kReadChunk) break;
  }
  WaitReadable();
}

void WebSocketSession::WaitReadable() {
  reading_ = true;
  socket_.async_wait(asio::ip::tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
    self->reading_ = false;
    if (self->finished_) return;
    if (ec) {
      self->Finish();
      return;
    }
    self->ReadAvailable();
  });
}

bool WebSocketSession::Consume(char* data, size_t size) {
  using Event = ws::FrameParser::Event;
  for (;;) {
    const Event e = parser_.Next(&data, &size);
    switch (e.kind) {
      case Event::kNeedMore:
        return true;
      case Event::kMessage:
        if (closing_) break;  // waiting for the peer's close: messages are dropped
        if (e.text) {
          connection_->OnText(e.payload);
        } else {
          connection_->OnBinary(e.payload);
        }
        if (finished_) return false;
        break;
      case Event::kPing:
        if (!closing_) QueueControl(ws::EncodeControl(ws::Opcode::kPong, e.payload), /*is_close=*/false);
        break;
      case Event::kPong:
        break;
      case Event::kClose:
        peer_closed_ = true;
        if (!closing_) {
          // Echo the peer's code (RFC 6455 §5.5.1); the socket closes once the echo is written.
          StartClose(e.code == ws::kCloseNoStatus ? ws::kCloseNormal : e.code, {});
        } else if (close_sent_) {
          Finish();
        }
        return false;
      case Event::kError:
        // The parser is finished and discards the rest; reading goes on only to see the peer go.
        if (!closing_) {
          spdlog::info("{}: {}, closing with {}", remote_, e.payload, e.code);
          StartClose(e.code, e.payload);
        }
        return true;
    }
  }
}

void WebSocketSession::Send(channels::SharedFrame frame) {
  if (closing_ || finished_) return;
  Outgoing& out = pending_.emplace_back();
  out.header_size = static_cast<uint8_t>(ws::EncodeHeader(ws::Opcode::kText, frame->size(), out.header));
  pending_bytes_ += frame->size();
  out.payload = std::move(frame);
  if (!writing_) {
    ScheduleFlush();
    return;
  }
  // Only what waits behind the write in flight counts: one large frame (the join reply of a long
  // meeting) is not a slow consumer, or its client could never join.
  if (pending_bytes_ > options_.slow_consumer_bytes) {
    channels::Bump(channels::Stats().slow_consumer_closes);
    spdlog::info("{}: slow consumer ({} bytes waiting), closing", remote_, pending_bytes_);
    Close(ws::kCloseTryAgainLater, "slow consumer");
  }
}

void WebSocketSession::QueueControl(std::string frame, bool is_close) {
  Outgoing& out = pending_.emplace_back();
  out.payload = std::make_shared<const std::string>(std::move(frame));
  out.is_close = is_close;
  ScheduleFlush();
}

void WebSocketSession::ScheduleFlush() {
  // Everything the current handler queues (a commit batch, a reply and its broadcast) goes in one write.
  if (flush_scheduled_ || writing_) return;
  flush_scheduled_ = true;
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->flush_scheduled_ = false;
    self->Flush();
  });
}

void WebSocketSession::Flush() {
  if (writing_ || finished_ || pending_.empty()) return;
  in_flight_.swap(pending_);  // in_flight_ was empty
  pending_bytes_ = 0;
  gather_.reserve(2 * in_flight_.size());
  for (const Outgoing& out : in_flight_) {
    if (out.header_size) gather_.emplace_back(out.header, out.header_size);
    if (!out.payload->empty()) gather_.emplace_back(out.payload->data(), out.payload->size());
  }
  writing_ = true;
  // A span, so the write op does not copy the buffer list; async_write speculatively writes at once.
  asio::async_write(socket_, std::span<const asio::const_buffer>(gather_),
                    beast::bind_front_handler(&WebSocketSession::OnWrite, shared_from_this()));
}

void WebSocketSession::OnWrite(beast::error_code ec, size_t) {
  writing_ = false;
  const bool close_written = !in_flight_.empty() && in_flight_.back().is_close;
  in_flight_.clear();
  gather_.clear();
  if (ec) {
    Finish();
    return;
  }
  if (close_written) {
    close_sent_ = true;
    if (peer_closed_) {
      Finish();
    } else {
      // Tell the peer nothing more comes; its close (or end of stream) will finish the session.
      beast::error_code ignored;
      socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    }
    return;
  }
  if (!pending_.empty()) {
    Flush();
    return;
  }
  // Idle again: hand the queues' memory back (a joined socket mostly idles).
  std::vector<Outgoing>().swap(in_flight_);
  std::vector<Outgoing>().swap(pending_);
  std::vector<asio::const_buffer>().swap(gather_);
}

void WebSocketSession::Close(uint16_t code, std::string_view reason) {
  StartClose(code, reason);
}

void WebSocketSession::StartClose(uint16_t code, std::string_view reason) {
  if (closing_ || finished_) return;
  closing_ = true;
  pending_.clear();  // the client resumes from its last seq; the write in flight completes
  pending_bytes_ = 0;
  QueueControl(ws::EncodeClose(code, reason), /*is_close=*/true);
  // A peer that reads nothing never lets the writes finish; one that never answers the close is cut.
  ArmTimer(Clock::now() + kCloseGrace);
}

void WebSocketSession::ArmTimer(Clock::time_point at) {
  timer_.expires_at(at);  // cancels an earlier wait, whose handler then sees operation_aborted
  timer_.async_wait(beast::bind_front_handler(&WebSocketSession::OnTimer, shared_from_this()));
}

void WebSocketSession::OnTimer(beast::error_code ec) {
  if (ec || finished_) return;
  if (closing_) {
    Finish();
    return;
  }
  const auto deadline = last_read_ + options_.idle_timeout;
  if (Clock::now() >= deadline) {
    spdlog::debug("{}: idle for {} s, closing", remote_, options_.idle_timeout.count());
    StartClose(ws::kCloseGoingAway, "idle timeout");
  } else {
    ArmTimer(deadline);
  }
}

void WebSocketSession::Finish() {
  if (finished_) return;
  finished_ = true;
  closing_ = true;
  pending_.clear();  // in_flight_ stays until its write completes (with operation_aborted)
  timer_.cancel();
  if (connection_) {
    sessions_.Remove(this);
    connection_->OnClosed();
  }
  beast::error_code ec;
  socket_.close(ec);
}

}  // namespace confab::net
