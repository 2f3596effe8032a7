#include "net/websocket_session.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <span>

#include "channels/connection.hpp"
#include "channels/frame.hpp"
#include "channels/stats.hpp"
#include "net/server_context.hpp"
#include "net/socket_upgrade.hpp"
#include "rooms/io_threads.hpp"
#include "rooms/room_registry.hpp"

namespace confab::net {

static_assert(WebSocketOptions{}.max_message_bytes == channels::kMaxFrameBytes);

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
// RFC 6455 §7.4.1: a message that did not arrive in time breaks the server's policy.
constexpr uint16_t kClosePolicyViolation = 1008;

// The io_context behind Beast's type-erased executor: the session's own socket uses its executor type.
asio::io_context& ContextOf(const asio::any_io_executor& ex) {
  return ex.target<asio::io_context::executor_type>()->context();
}

char* ReadBuffer() {
  static thread_local std::unique_ptr<char[]> buffer(new char[kReadChunk]);
  return buffer.get();
}

}  // namespace

// The readability wait's handler: its operation goes in the session's wait_slot_.
class WebSocketSession::ReadableHandler {
 public:
  using allocator_type = OpSlot::Allocator<void>;
  explicit ReadableHandler(std::shared_ptr<WebSocketSession> self) : self_(std::move(self)) {}
  allocator_type get_allocator() const noexcept { return allocator_type(&self_->wait_slot_); }
  void operator()(beast::error_code ec) {
    WebSocketSession& s = *self_;
    s.reading_ = false;
    if (s.finished_) return;
    if (ec) return s.Finish();
    s.ReadAvailable();
  }

 private:
  std::shared_ptr<WebSocketSession> self_;
};

WebSocketSession::WebSocketSession(beast::tcp_stream&& stream, ConnectionSlot slot, ServerContext& ctx)
    : slot_(std::move(slot)),
      socket_(ContextOf(stream.get_executor()).get_executor()),
      parser_(ctx.websocket.max_message_bytes),
      ctx_(ctx) {
  handshake_ = std::make_unique<Handshake>(std::move(stream));
  channels::Bump(channels::Stats().connections_total);
  channels::Stats().connections_open.fetch_add(1, std::memory_order_relaxed);
}

WebSocketSession::~WebSocketSession() {
  ctx_.sessions.Remove(*this);      // never leave a dangling pointer in the wheel
  if (connection_ && !finished_) {  // every path ends in Finish(); this only guards against a new one
    connection_->OnClosed();
  }
  channels::Stats().connections_open.fetch_sub(1, std::memory_order_relaxed);
  ctx_.gate.SocketClosed();  // slot_ gives back the connection itself
}

void WebSocketSession::Run(http::request<http::string_body> req) {
  beast::get_lowest_layer(*handshake_).expires_never();  // the websocket timeout takes over
  websocket::stream_base::timeout timeout{};
  timeout.handshake_timeout = ctx_.handshake_timeout;  // writing the 101: the request is already in
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
    spdlog::debug("websocket accept from {} failed: {}", Remote(), ec.message());
    return;
  }
  // From here on the socket is ours: Beast's stream (and its buffers) go away. The descriptor moves
  // to a socket of the io_context's own executor type (re-registered with the same reactor).
  {
    asio::ip::tcp::socket beast_socket = handshake_->next_layer().release_socket();
    handshake_.reset();
    const auto protocol = beast_socket.local_endpoint(ec).protocol();
    if (ec) return;
    const auto fd = beast_socket.release(ec);
    if (ec) return;
    socket_.assign(protocol, fd, ec);
    if (ec) {
      ::close(fd);
      return;
    }
  }
  socket_.non_blocking(true, ec);
  if (ec) return;
  // This handler runs on the session's io thread: the connection lives there too.
  size_t thread = ctx_.rooms.threads().Current();
  if (thread == rooms::IoThreads::kNone) thread = 0;
  thread_ = static_cast<uint32_t>(thread);
  last_read_ = Clock::now();
  ctx_.sessions.Add(*this);
  connection_ = std::make_shared<channels::Connection>(ctx_.rooms, weak_from_this(),
                                                       channels::ConnectionInfo{Remote(), thread});
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
  TrackMessage();
  WaitReadable();
}

void WebSocketSession::WaitReadable() {
  // An operation that did not fit would silently go back to the heap, one block per idle socket.
  static_assert(
      sizeof(asio::detail::reactive_wait_op<ReadableHandler, Socket::executor_type>) <= OpSlot::kBytes,
      "the readability wait no longer fits in OpSlot: raise OpSlot::kBytes");
  reading_ = true;
  socket_.async_wait(Socket::wait_read, ReadableHandler(shared_from_this()));
}

bool WebSocketSession::Consume(char* data, size_t size) {
  using Event = ws::FrameParser::Event;
  for (;;) {
    const Event e = parser_.Next(&data, &size);
    switch (e.kind) {
      case Event::kNeedMore:
        return true;
      case Event::kMessage:
        message_start_ = {};  // the frame timeout starts again with the next message's first byte
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
          spdlog::info("{}: {}, closing with {}", Remote(), e.payload, e.code);
          StartClose(e.code, e.payload);
        }
        return true;
    }
  }
}

WebSocketSession::Outgoing& WebSocketSession::Queue() {
  if (!writes_) writes_ = std::make_unique<Writes>();
  return writes_->pending.emplace_back();
}

void WebSocketSession::Send(channels::SharedFrame frame) {
  if (closing_ || finished_) return;
  Outgoing& out = Queue();
  out.header_size = static_cast<uint8_t>(ws::EncodeHeader(ws::Opcode::kText, frame->size(), out.header));
  writes_->pending_bytes += frame->size();
  out.payload = std::move(frame);
  if (!writing_) {
    ScheduleFlush();
    return;
  }
  // Only what waits behind the write in flight counts: one large frame (the join reply of a long
  // meeting) is not a slow consumer, or its client could never join.
  if (writes_->pending_bytes > ctx_.websocket.slow_consumer_bytes) {
    channels::Bump(channels::Stats().slow_consumer_closes);
    spdlog::info("{}: slow consumer ({} bytes waiting), closing", Remote(), writes_->pending_bytes);
    Close(ws::kCloseTryAgainLater, "slow consumer");
  }
}

void WebSocketSession::QueueControl(std::string frame, bool is_close) {
  Outgoing& out = Queue();
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
  if (writing_ || finished_ || !writes_ || writes_->pending.empty()) return;
  Writes& w = *writes_;
  w.in_flight.swap(w.pending);  // in_flight was empty
  w.pending_bytes = 0;
  w.gather.reserve(2 * w.in_flight.size());
  for (const Outgoing& out : w.in_flight) {
    if (out.header_size) w.gather.emplace_back(out.header, out.header_size);
    if (!out.payload->empty()) w.gather.emplace_back(out.payload->data(), out.payload->size());
  }
  writing_ = true;
  // A span, so the write op does not copy the buffer list; async_write speculatively writes at once.
  asio::async_write(socket_, std::span<const asio::const_buffer>(w.gather),
                    beast::bind_front_handler(&WebSocketSession::OnWrite, shared_from_this()));
}

void WebSocketSession::OnWrite(beast::error_code ec, size_t) {
  writing_ = false;
  Writes& w = *writes_;  // kept while a write is in flight
  const bool close_written = !w.in_flight.empty() && w.in_flight.back().is_close;
  w.in_flight.clear();
  w.gather.clear();
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
  if (!w.pending.empty()) {
    Flush();
    return;
  }
  // Idle again: hand the queues' memory back (a joined socket mostly idles).
  writes_.reset();
}

void WebSocketSession::Close(uint16_t code, std::string_view reason) {
  StartClose(code, reason);
}

void WebSocketSession::StartClose(uint16_t code, std::string_view reason) {
  if (closing_ || finished_) return;
  closing_ = true;
  if (writes_) {  // the client resumes from its last seq; the write in flight completes
    writes_->pending.clear();
    writes_->pending_bytes = 0;
  }
  QueueControl(ws::EncodeClose(code, reason), /*is_close=*/true);
  // A peer that reads nothing never lets the writes finish; one that never answers the close is cut.
  close_by_ = Clock::now() + kCloseGrace;
  ctx_.sessions.Schedule(*this);
}

std::string WebSocketSession::Remote() const {
  // Asked of the socket each time: only logs (and the connection, once) want it, and keeping it cost
  // every session 28 bytes. A socket already reset has no peer any more.
  beast::error_code ec;
  const auto ep =
      handshake_ ? handshake_->next_layer().socket().remote_endpoint(ec) : socket_.remote_endpoint(ec);
  if (ec) return "?";
  std::string out = ep.address().to_string(ec);
  if (ep.address().is_v6()) out = "[" + out + "]";
  return out + ":" + std::to_string(ep.port());
}

void WebSocketSession::TrackMessage() {
  if (closing_ || parser_.idle()) {
    message_start_ = {};
    return;
  }
  // Consume cleared it when a message completed: a partial one now began in the last read.
  if (message_start_ != Clock::time_point{}) return;  // the same message goes on
  message_start_ = last_read_;
  ctx_.sessions.Schedule(*this);  // the deadline moved closer
}

Clock::time_point WebSocketSession::deadline() const {
  if (closing_) return close_by_;
  const auto idle = last_read_ + ctx_.websocket.idle_timeout;
  if (message_start_ == Clock::time_point{}) return idle;
  return std::min(idle, message_start_ + ctx_.websocket.frame_timeout);
}

void WebSocketSession::OnDeadline() {
  if (finished_) return;
  if (closing_) {
    Finish();
    return;
  }
  if (message_start_ != Clock::time_point{} &&
      Clock::now() >= message_start_ + ctx_.websocket.frame_timeout) {
    spdlog::info("{}: a message still incomplete after {} s, closing with 1008", Remote(),
                 ctx_.websocket.frame_timeout.count());
    StartClose(kClosePolicyViolation, "message too slow");
    return;
  }
  spdlog::debug("{}: idle for {} s, closing", Remote(), ctx_.websocket.idle_timeout.count());
  StartClose(ws::kCloseGoingAway, "idle timeout");
}

void WebSocketSession::Finish() {
  if (finished_) return;
  finished_ = true;
  closing_ = true;
  if (writes_) writes_->pending.clear();  // in_flight stays until its write completes (operation_aborted)
  ctx_.sessions.Remove(*this);
  if (connection_) connection_->OnClosed();
  beast::error_code ec;
  socket_.close(ec);
}

}  // namespace confab::net
