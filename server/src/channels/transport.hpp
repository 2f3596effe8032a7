#pragma once
// Transport: how a channel Connection reaches its client. Implemented by net::WebSocketSession.
// Threading: called only on the io thread that owns the connection.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace confab::channels {

// An encoded frame, immutable once built: a broadcast is encoded once and the same bytes are queued
// on every subscriber.
using SharedFrame = std::shared_ptr<const std::string>;

class Transport {
 public:
  virtual ~Transport() = default;
  // Queues one text frame. A transport whose queue passes its byte limit closes itself (slow consumer).
  virtual void Send(SharedFrame frame) = 0;
  // Closes the connection with a WebSocket close code (1001 going away, 1008 policy, 1011 error…).
  virtual void Close(uint16_t code, std::string_view reason) = 0;
};

}  // namespace confab::channels
