// OpSlot: an Asio operation placed inside the object that starts it. The session relies on two things
// checked here: a wait's operation really lands in the slot (so an idle socket has no heap block for
// it), and Asio frees it before calling the handler (so the handler can start the next wait).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <memory>

#include "net/websocket_session.hpp"

namespace confab::net {
namespace {

using boost::asio::ip::tcp;
using Socket = WebSocketSession::Socket;

TEST(OpSlot, TakesItsStorageOnceAndSendsTheRestToTheHeap) {
  OpSlot slot;
  void* a = slot.Take(OpSlot::kBytes);
  EXPECT_TRUE(slot.in_use());
  void* b = slot.Take(8);  // the slot is taken: heap
  EXPECT_NE(a, b);
  slot.Give(b);
  EXPECT_TRUE(slot.in_use());
  slot.Give(a);
  EXPECT_FALSE(slot.in_use());
  void* big = slot.Take(OpSlot::kBytes + 1);  // too large: heap, slot stays free
  EXPECT_FALSE(slot.in_use());
  slot.Give(big);
  EXPECT_EQ(slot.Take(1), a);  // free again: the same storage
  slot.Give(a);
}

// A readability wait whose handler waits again, as WebSocketSession's does.
struct Waiter {
  Socket socket;
  OpSlot slot;
  int wakeups = 0;
  bool slot_free_in_handler = false;

  explicit Waiter(boost::asio::io_context& io) : socket(io.get_executor()) {}

  struct Handler {
    using allocator_type = OpSlot::Allocator<void>;
    Waiter* w;
    allocator_type get_allocator() const noexcept { return allocator_type(&w->slot); }
    void operator()(boost::system::error_code ec) {
      if (ec) return;
      w->slot_free_in_handler = !w->slot.in_use();
      char buf[16];
      boost::system::error_code ignored;
      w->socket.read_some(boost::asio::buffer(buf), ignored);
      if (++w->wakeups < 2) w->Wait();
    }
  };
  void Wait() { socket.async_wait(Socket::wait_read, Handler{this}); }
};

TEST(OpSlot, AsioPlacesAWaitInTheSlotAndFreesItBeforeTheHandlerRuns) {
  boost::asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
  tcp::socket peer(io);
  peer.connect(acceptor.local_endpoint());
  Waiter w(io);
  tcp::socket accepted = acceptor.accept();
  w.socket.assign(tcp::v4(), accepted.release());

  w.Wait();
  EXPECT_TRUE(w.slot.in_use());  // the pending wait lives in the slot, not on the heap
  boost::asio::write(peer, boost::asio::buffer("x", 1));
  io.run_one();
  EXPECT_EQ(w.wakeups, 1);
  EXPECT_TRUE(w.slot_free_in_handler);
  EXPECT_TRUE(w.slot.in_use());  // the handler's next wait took it again

  boost::asio::write(peer, boost::asio::buffer("y", 1));
  io.run_one();
  EXPECT_EQ(w.wakeups, 2);
  EXPECT_FALSE(w.slot.in_use());
}

}  // namespace
}  // namespace confab::net
