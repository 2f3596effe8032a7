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
// Idle: no data received for `idle_timeout` closes it (1001). Slow: a message not complete
// `frame_timeout` after its first byte arrived closes it (1008), so a byte now and then cannot hold a
// half-sent frame (and the parser's buffer) open for minutes. A session has no timer of its own: its
// thread's SessionSet keeps it in a wheel of one-second slots (server_context.hpp), because a timer and
// its pending wait cost ~300 bytes on every one of 10,000 mostly idle sockets. So deadlines are kept
// to within a second.
// Closing: frames not yet handed to the kernel are dropped; the close frame follows the write in
// flight; the socket is closed once the peer answers the close, or after a grace period.
// Memory: at this layer an idle socket holds this object and Asio's per-descriptor state, nothing
// else. The one operation it always has pending (the readability wait) is placed in `wait_slot_`, not
// on the heap; write queues exist only while something is queued (docs/benchmarks.md, "Memory per
// joined connection").
// Lifetime (Asio style): the session lives while a pending wait or write holds a shared_from_this();
// it dies when the socket closes and the last handler returns. The SessionSet only points at it.
// Threading: its own io thread only (the one its socket was accepted onto), and that io_context must be
// run by one thread (the read path relies on
// reading the socket dry before it waits again, with no other thread polling in between).
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "channels/transport.hpp"
#include "net/connection_slot.hpp"
#include "net/ws_frame.hpp"

namespace confab::channels {
class Connection;
}

namespace confab::net {

class SessionSet;
struct ServerContext;

struct WebSocketOptions {
  std::chrono::seconds idle_timeout{60};
  // A message whose first byte arrived must be complete this long after (1008 otherwise): a byte now
  // and then must not hold a half-sent frame open for minutes.
  std::chrono::seconds frame_timeout{10};
  size_t slow_consumer_bytes = 4 << 20;
  // A message longer than the channel layer's largest frame could only be refused after buffering
  // it: the parser refuses it at its header instead (1009). websocket_session.cpp checks the two agree.
  size_t max_message_bytes = 64 << 10;
};

// A session's place in its thread's deadline wheel (SessionSet): a node of a circular list whose head is
// one of the wheel's slots. Unlinked: both null.
struct SessionLink {
  SessionLink* prev = nullptr;
  SessionLink* next = nullptr;
  bool linked() const { return next != nullptr; }
  void Unlink() {
    if (!next) return;
    prev->next = next;
    next->prev = prev;
    prev = next = nullptr;
  }
};

// Room for one Asio operation inside the object that starts it. A handler whose associated allocator
// is an OpSlot::Allocator gets its operation placed here while the slot is free, and on the heap
// otherwise; Asio frees the operation before it calls the handler, so a handler can start the next one.
class OpSlot {
 public:
  // The readability wait's operation with the io_context's executor and a shared_ptr for handler
  // (websocket_session.cpp checks it fits).
  static constexpr size_t kBytes = 80;

  template <typename T>
  class Allocator {
   public:
    using value_type = T;
    explicit Allocator(OpSlot* slot) : slot_(slot) {}
    template <typename U>
    Allocator(const Allocator<U>& other) : slot_(other.slot_) {}  // NOLINT: rebinding is implicit
    T* allocate(size_t n) { return static_cast<T*>(slot_->Take(sizeof(T) * n)); }
    void deallocate(T* p, size_t) { slot_->Give(p); }
    template <typename U>
    bool operator==(const Allocator<U>& other) const {
      return slot_ == other.slot_;
    }
    template <typename U>
    bool operator!=(const Allocator<U>& other) const {
      return slot_ != other.slot_;
    }

   private:
    template <typename U>
    friend class Allocator;
    OpSlot* slot_;
  };

  void* Take(size_t bytes) {
    if (!used_ && bytes <= kBytes) {
      used_ = true;
      return storage_;
    }
    return ::operator new(bytes);
  }
  void Give(void* p) {
    if (p == storage_) {
      used_ = false;
    } else {
      ::operator delete(p);
    }
  }
  bool in_use() const { return used_; }

 private:
  alignas(void*) unsigned char storage_[kBytes];  // Asio's operations hold pointers and integers
  bool used_ = false;
};

class WebSocketSession : public channels::Transport,
                         public SessionLink,
                         public std::enable_shared_from_this<WebSocketSession> {
 public:
  // The socket's executor is the io_context's own (8 bytes), not the type-erased any_io_executor (48):
  // every session and its pending operation carry one.
  using Socket =
      boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

  // `slot` is the connection's claim on the limits (its socket slot was taken by TryOpenSocket).
  WebSocketSession(boost::beast::tcp_stream&& stream, ConnectionSlot slot, ServerContext& ctx);
  ~WebSocketSession() override;

  // Completes the upgrade of `req` (echoing the `phoenix` subprotocol when offered) and starts reading.
  void Run(boost::beast::http::request<boost::beast::http::string_body> req);

  void Send(channels::SharedFrame frame) override;
  void Close(uint16_t code, std::string_view reason) override;

  // For SessionSet's sweep, on the session's thread: the time after which OnDeadline must run.
  std::chrono::steady_clock::time_point deadline() const;
  // The deadline passed: an open session closes as idle (1001) or too slow (1008), a closing one is cut.
  void OnDeadline();

 private:
  friend class SessionSet;
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
  // What a socket holds only while it has something to write (most are idle).
  struct Writes {
    std::vector<Outgoing> pending;                  // queued since the last flush
    std::vector<Outgoing> in_flight;                // the frames of the write in flight
    std::vector<boost::asio::const_buffer> gather;  // their buffers, header and payload per frame
    size_t pending_bytes = 0;
  };
  class ReadableHandler;

  void OnAccept(boost::beast::error_code ec);
  void ReadAvailable();
  void WaitReadable();
  // After reading: notes when a message started arriving (or finished), for the frame timeout.
  void TrackMessage();
  // Parses bytes just read and hands messages to the connection. False when reading must stop.
  bool Consume(char* data, size_t size);
  Outgoing& Queue();
  void QueueControl(std::string frame, bool is_close);
  void ScheduleFlush();
  void Flush();
  void OnWrite(boost::beast::error_code ec, size_t bytes);
  void StartClose(uint16_t code, std::string_view reason);
  void Finish();
  std::string Remote() const;  // the peer's "ip:port", for logs

  ConnectionSlot slot_;  // declared before socket_: given back after the descriptor is closed
  Socket socket_;
  std::unique_ptr<Handshake> handshake_;  // only until the upgrade completes
  ws::FrameParser parser_;
  ServerContext& ctx_;
  std::shared_ptr<channels::Connection> connection_;
  std::unique_ptr<Writes> writes_;  // null while nothing is queued or being written
  std::chrono::steady_clock::time_point last_read_;
  std::chrono::steady_clock::time_point message_start_{};  // a message is partly received since; {} none
  std::chrono::steady_clock::time_point close_by_;         // once closing: when the grace period ends
  uint32_t thread_ = 0;                                    // the io thread (IoThreads index) it runs on
  bool flush_scheduled_ = false;
  bool writing_ = false;
  bool reading_ = false;      // a readability wait is pending
  bool closing_ = false;      // no more sends; the close frame is queued or written
  bool close_sent_ = false;   // our close frame reached the kernel
  bool peer_closed_ = false;  // the peer's close frame arrived (or its stream ended)
  bool finished_ = false;
  OpSlot wait_slot_;  // the readability wait's operation
};

}  // namespace confab::net
