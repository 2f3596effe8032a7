#pragma once
// What a room sends to its subscribers, and what a subscriber is to a room.
#include <memory>
#include <string>
#include <string_view>

namespace confab::rooms {

class Fanout;

// Immutable bytes shared by every receiver (the same type as channels::SharedFrame).
using SharedText = std::shared_ptr<const std::string>;

// One message for every subscriber, encoded once (by the room's FrameEncoder, on the room's thread)
// into `frame`; every subscriber on every thread queues those same bytes.
struct Broadcast {
  std::string_view event;  // a string literal: "event", "presence_diff", …
  SharedText payload;      // a JSON object text
  SharedText frame;        // the wire frame, set before the broadcast leaves the room's thread
};

// A joined channel, as the room sees it. Lives on one io thread (its connection's); Deliver runs
// there.
class Subscriber {
 public:
  virtual ~Subscriber() = default;
  virtual void Deliver(const Broadcast& b) = 0;

  // Leaves the Fanout it was added to (on its own thread). The channel calls it when it ends, so the
  // room's next broadcasts skip it at once; the room is told separately (Room::Leave).
  void Unsubscribe();

 private:
  friend class Fanout;
  std::weak_ptr<Fanout> fanout_;
};

}  // namespace confab::rooms
