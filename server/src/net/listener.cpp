#include "net/listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "net/http_session.hpp"

namespace confab::net {

Listener::Listener(boost::asio::io_context& io, std::vector<boost::asio::io_context*> spread,
                   ServerContext& ctx)
    : io_(io), spread_(std::move(spread)), acceptor_(io), ctx_(ctx) {
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
  DoAccept();
}

void Listener::Stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

boost::asio::ip::tcp::endpoint Listener::local_endpoint() const {
  boost::system::error_code ec;
  return acceptor_.local_endpoint(ec);
}

void Listener::DoAccept() {
  boost::asio::io_context& target = *spread_[next_++ % spread_.size()];
  acceptor_.async_accept(target, [self = shared_from_this(), &target](boost::system::error_code ec,
                                                                      boost::asio::ip::tcp::socket socket) {
    if (ec == boost::asio::error::operation_aborted) return;
    if (ec) {
      // Out of file descriptors and the like: log, and keep accepting the others.
      spdlog::warn("accept failed: {}", ec.message());
    } else {
      socket.set_option(boost::asio::ip::tcp::no_delay(true), ec);
      // The session starts on the thread that owns its socket, and stays there.
      boost::asio::post(target, [socket = std::move(socket), &ctx = self->ctx_]() mutable {
        std::make_shared<HttpSession>(std::move(socket), ctx)->Run();
      });
    }
    if (self->acceptor_.is_open()) self->DoAccept();
  });
}

}  // namespace confab::net
