#pragma once
// Listener: accepts TCP connections and starts an HttpSession for each, spreading them over the io
// threads in turn (a connection then lives on its thread for good). Each connection takes a slot of
// the AcceptGate: at the descriptor cap the listener pauses (no accept pending, no CPU) until a
// connection closes; a failed accept (EMFILE, …) is retried after a backoff, not at once, and logged
// at most once per 10 s (net/accept_gate.hpp says why). Threading: the acceptor runs on the first io
// thread; the gate wakes it from any thread by posting there.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <vector>

#include "net/accept_gate.hpp"
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
  void OnAcceptError(const boost::system::error_code& ec);

  boost::asio::io_context& io_;
  std::vector<boost::asio::io_context*> spread_;
  size_t next_ = 0;
  boost::asio::ip::tcp::acceptor acceptor_;
  ServerContext& ctx_;
  boost::asio::steady_timer retry_;  // the backoff after a failed accept
  Backoff backoff_;
  LogLimiter error_log_;
  LogLimiter full_log_;
};

}  // namespace confab::net
