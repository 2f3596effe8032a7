#pragma once
// Connection: the Phoenix socket of one client — its joined channels (topic → join_ref), heartbeats,
// rate limit, and the translation between frames and room calls. Knows nothing of bytes on the wire
// beyond the frame codec (channels/frame.hpp) and nothing of TCP (it talks to a Transport).
// Threading: a connection lives on one io thread (its socket's, ConnectionInfo::thread) and every
// method runs there. Rooms live on their own threads: the connection reaches a room by posting to
// it, and the room's answers (join replies, acks) come back by posting here.
#include <memory>
#include <string>
#include <string_view>

#include "channels/transport.hpp"

namespace confab::rooms {
class RoomRegistry;
}

namespace confab::channels {

struct ConnectionInfo {
  std::string remote;  // "ip:port", for logs
  size_t thread = 0;   // the io thread (IoThreads index) the connection runs on
};

// The frame every subscriber of a room receives for a broadcast: installed on the registry so a
// room encodes each broadcast once, on its own thread, for all threads.
void InstallBroadcastEncoder(rooms::RoomRegistry& rooms);

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(rooms::RoomRegistry& rooms, std::weak_ptr<Transport> transport, ConnectionInfo info);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // One complete text frame from the client. Malformed frames are answered or ignored per
  // PHOENIX-PROTOCOL.md; never throws.
  void OnText(std::string_view frame);
  // A binary frame (V2 binary push). Confab has no binary events: answered with an error reply.
  void OnBinary(std::string_view frame);
  // The transport is gone: leave every joined room (presence leave).
  void OnClosed();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace confab::channels
