#include "net/listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "net/connection_slot.hpp"
#include "net/http_session.hpp"
#include "net/server_context.hpp"

namespace confab::net {

namespace {

std::string Suppressed(uint64_t n) {
  return n == 0 ? std::string() : " (" + std::to_string(n) + " more suppressed)";
}

}  // namespace

Listener::Listener(boost::asio::io_context& io, std::vector<boost::asio::io_context*> spread,
                   ServerContext& ctx)
    : io_(io), spread_(std::move(spread)), acceptor_(io), ctx_(ctx), retry_(io) {
  if (spread_.empty()) spread_.push_back(&io_);
}

Status Listener::Open(const boost::asio::ip::tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Status::IoError("cannot listen on " + endpoint.address().to_string() + ":" +
                           std::to_string(endpoint.port()) + ": " + ec.message());
  return Status::Ok();
}

void Listener::Run() {
  // A close that makes room under the cap wakes the listener on its own thread. Weak: the gate
  // outlives the listener.
  ctx_.gate.set_on_room([weak = weak_from_this(), &io = io_] {
    boost::asio::post(io, [weak] {
      if (auto self = weak.lock()) self->DoAccept();
    });
  });
  DoAccept();
}

void Listener::Stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  retry_.cancel();
}

boost::asio::ip::tcp::endpoint Listener::local_endpoint() const {
  boost::system::error_code ec;
  return acceptor_.local_endpoint(ec);
}

void Listener::DoAccept() {
  if (!acceptor_.is_open()) return;
  if (ctx_.gate.TryPause()) {
    if (uint64_t n = 0; full_log_.Allow(std::chrono::steady_clock::now(), &n))
      spdlog::warn("at the connection cap ({} open): not accepting until one closes{}", ctx_.gate.open(),
                   Suppressed(n));
    return;  // the gate's on_room resumes
  }
  boost::asio::io_context& target = *spread_[next_++ % spread_.size()];
  acceptor_.async_accept(target, [self = shared_from_this(), &target](boost::system::error_code ec,
                                                                      boost::asio::ip::tcp::socket socket) {
    if (ec == boost::asio::error::operation_aborted) return;
    if (ec) return self->OnAcceptError(ec);
    self->backoff_.Reset();
    self->ctx_.gate.Accepted();
    ConnectionSlot slot(&self->ctx_.gate);  // given back if the session never starts
    socket.set_option(boost::asio::ip::tcp::no_delay(true), ec);
    // The session starts on the thread that owns its socket, and stays there.
    boost::asio::post(target,
                      [socket = std::move(socket), slot = std::move(slot), &ctx = self->ctx_]() mutable {
                        std::make_shared<HttpSession>(std::move(socket), std::move(slot), ctx)->Run();
                      });
    self->DoAccept();
  });
}

void Listener::OnAcceptError(const boost::system::error_code& ec) {
  // The connection that failed is still in the backlog: accepting again at once fails again at once.
  const auto delay = backoff_.Next();
  if (uint64_t n = 0; error_log_.Allow(std::chrono::steady_clock::now(), &n))
    spdlog::warn("accept failed: {}; retrying in {} ms{}", ec.message(), delay.count(), Suppressed(n));
  retry_.expires_after(delay);
  retry_.async_wait([self = shared_from_this()](boost::system::error_code e) {
    if (!e) self->DoAccept();
  });
}

}  // namespace confab::net
