#include "net/websocket_session.hpp"

#include <spdlog/spdlog.h>

#include "channels/connection.hpp"
#include "channels/stats.hpp"
#include "net/server_context.hpp"
#include "net/socket_upgrade.hpp"

namespace confab::net {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;

namespace {

// While a socket is idle its pending read reserves only this much: Beast would otherwise prepare a
// whole TCP frame (1536 B) per silent socket. Most Phoenix frames (heartbeats, joins) fit.
constexpr size_t kFirstReadBytes = 128;
// The rest of a longer message, per read.
constexpr size_t kMessageReadBytes = 16 * 1024;
// How long a closing socket may take to get its last frame and the close frame out.
constexpr auto kCloseGrace = std::chrono::seconds(5);

}  // namespace

WebSocketSession::WebSocketSession(beast::tcp_stream&& stream, rooms::RoomRegistry& rooms,
                                   const WebSocketOptions& options, SessionSet& sessions)
    : ws_(std::move(stream)), rooms_(rooms), options_(options), sessions_(sessions) {
  beast::error_code ec;
  auto ep = ws_.next_layer().socket().remote_endpoint(ec);
  if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  channels::Bump(channels::Stats().connections_total);
  channels::Stats().connections_open.fetch_add(1, std::memory_order_relaxed);
}

WebSocketSession::~WebSocketSession() {
  channels::Stats().connections_open.fetch_sub(1, std::memory_order_relaxed);
}

void WebSocketSession::Run(http::request<http::string_body> req) {
  beast::get_lowest_layer(ws_).expires_never();  // the websocket timeout takes over
  websocket::stream_base::timeout timeout{};
  timeout.handshake_timeout = std::chrono::seconds(30);
  timeout.idle_timeout = options_.idle_timeout;
  timeout.keep_alive_pings = false;  // Phoenix clients heartbeat at the application level
  ws_.set_option(timeout);
  ws_.read_message_max(options_.max_message_bytes);
  ws_.auto_fragment(false);
  // Small permanent write buffer: most frames are a few hundred bytes; memory per idle socket counts.
  ws_.write_buffer_bytes(512);
  const auto offered = req[http::field::sec_websocket_protocol];
  const bool phoenix = OffersPhoenixSubprotocol(std::string_view(offered.data(), offered.size()));
  ws_.set_option(websocket::stream_base::decorator([phoenix](websocket::response_type& res) {
    res.set(http::field::server, "confab");
    if (phoenix) res.set(http::field::sec_websocket_protocol, "phoenix");
  }));
  ws_.async_accept(req, beast::bind_front_handler(&WebSocketSession::OnAccept, shared_from_this()));
}

void WebSocketSession::OnAccept(beast::error_code ec) {
  if (ec) {
    spdlog::debug("websocket accept from {} failed: {}", remote_, ec.message());
    return;
  }
  sessions_.Add(this);
  connection_ = std::make_shared<channels::Connection>(rooms_, weak_from_this(), channels::ConnectionInfo{remote_});
  DoRead();
}

void WebSocketSession::DoRead() {
  const size_t limit = buffer_.size() == 0 ? kFirstReadBytes : kMessageReadBytes;
  ws_.async_read_some(buffer_, limit, beast::bind_front_handler(&WebSocketSession::OnRead, shared_from_this()));
}

void WebSocketSession::OnRead(beast::error_code ec, size_t) {
  if (ec) {
    if (ec == websocket::error::message_too_big) {
      spdlog::info("{}: frame over {} bytes, closing", remote_, options_.max_message_bytes);
    }
    Finish();
    return;
  }
  if (!ws_.is_message_done()) {  // read_message_max still bounds the whole message
    DoRead();
    return;
  }
  auto data = buffer_.cdata();
  std::string_view text(static_cast<const char*>(data.data()), data.size());
  if (ws_.got_text()) {
    connection_->OnText(text);
  } else {
    connection_->OnBinary(text);
  }
  // Nothing of a message outlives its handling: an idle socket keeps no read buffer.
  buffer_.clear();
  buffer_.shrink_to_fit();
  if (!finished_) DoRead();
}

void WebSocketSession::Send(channels::SharedFrame frame) {
  if (closing_ || finished_) return;
  queued_bytes_ += frame->size();
  queue_.push_back(std::move(frame));
  if (!writing_) {
    DoWrite();
    return;
  }
  // Only what waits behind the write in flight counts: one large frame (the join reply of a long
  // meeting) is not a slow consumer, or its client could never join.
  const size_t waiting = queued_bytes_ - queue_.front()->size();
  if (waiting > options_.slow_consumer_bytes) {
    channels::Bump(channels::Stats().slow_consumer_closes);
    spdlog::info("{}: slow consumer ({} bytes waiting), closing", remote_, waiting);
    Close(static_cast<uint16_t>(websocket::close_code::try_again_later), "slow consumer");
  }
}

void WebSocketSession::DoWrite() {
  writing_ = true;
  ws_.text(true);
  ws_.async_write(boost::asio::buffer(*queue_.front()),
                  beast::bind_front_handler(&WebSocketSession::OnWrite, shared_from_this()));
}

void WebSocketSession::OnWrite(beast::error_code ec, size_t) {
  writing_ = false;
  if (ec) {
    Finish();
    return;
  }
  queued_bytes_ -= queue_.front()->size();
  queue_.pop_front();
  if (closing_) {
    DoClose();
  } else if (!queue_.empty()) {
    DoWrite();
  }
}

void WebSocketSession::Close(uint16_t code, std::string_view reason) {
  if (closing_ || finished_) return;
  closing_ = true;
  close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code),
                                          beast::string_view(reason.data(), reason.size()));
  DropUnsent();  // the client resumes from its last seq
  // A peer that reads nothing never lets the write in flight, or the close handshake, finish.
  close_deadline_ = std::make_unique<boost::asio::steady_timer>(ws_.get_executor(), kCloseGrace);
  close_deadline_->async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->Finish();
  });
  if (!writing_) DoClose();
}

void WebSocketSession::DropUnsent() {
  // The frame being written must stay alive (and queued) until its write completes.
  const size_t keep = writing_ ? 1 : 0;
  while (queue_.size() > keep) {
    queued_bytes_ -= queue_.back()->size();
    queue_.pop_back();
  }
}

void WebSocketSession::DoClose() {
  ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code) { self->Finish(); });
}

void WebSocketSession::Finish() {
  if (finished_) return;
  finished_ = true;
  closing_ = true;
  DropUnsent();
  if (close_deadline_) close_deadline_->cancel();
  if (connection_) {
    sessions_.Remove(this);
    connection_->OnClosed();
  }
  beast::error_code ec;
  beast::get_lowest_layer(ws_).socket().close(ec);
}

}  // namespace confab::net
