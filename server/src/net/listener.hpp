#pragma once
// Listener: accepts TCP connections and starts an HttpSession for each, spreading them over the io
// threads in turn (a connection then lives on its thread for good). Threading: the acceptor runs on
// the first io thread.
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <vector>

#include "util/status.hpp"

namespace confab::net {

struct ServerContext;

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Accepts on `io`; each new connection goes to the next of `spread` (round robin).
  Listener(boost::asio::io_context& io, std::vector<boost::asio::io_context*> spread, ServerContext& ctx);
  // Binds and listens on `endpoint` (port 0 picks a free port).
  Status Open(const boost::asio::ip::tcp::endpoint& endpoint);
  void Run();
  void Stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const;

 private:
  void DoAccept();

  boost::asio::io_context& io_;
  std::vector<boost::asio::io_context*> spread_;
  size_t next_ = 0;
  boost::asio::ip::tcp::acceptor acceptor_;
  ServerContext& ctx_;
};

}  // namespace confab::net
