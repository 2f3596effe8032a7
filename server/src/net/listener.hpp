#pragma once
// Listener: accepts TCP connections and starts an HttpSession for each. Threading: io thread only.
#include <memory>

#include <boost/asio/ip/tcp.hpp>

#include "util/status.hpp"

namespace confab::net {

struct ServerContext;

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(boost::asio::io_context& io, ServerContext& ctx);
  // Binds and listens on `endpoint` (port 0 picks a free port).
  Status Open(const boost::asio::ip::tcp::endpoint& endpoint);
  void Run();
  void Stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const;

 private:
  void DoAccept();

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  ServerContext& ctx_;
};

}  // namespace confab::net
