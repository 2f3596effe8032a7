#pragma once
// RoomLink: one loaded room's side of the bus, attached to the room (Room::Slot::kCluster).
//
// Publishes what the room commits and its members' joins and leaves; folds other nodes' events into
// the room and their members into its presence. When it is created (the room was loaded here) and
// after a bus reconnect it asks the other nodes for their members ("sync") and, once its own sync
// has come back over the bus — proof that its subscription is live — re-reads the log, so nothing
// committed between the room's load and its subscription is missed.
//
// Threading: the room's thread, except the subscription's handler, which decodes and posts there.
#include <memory>
#include <string>

#include "channels/presence.hpp"
#include "cluster/bus.hpp"
#include "cluster/envelope.hpp"
#include "rooms/room.hpp"

namespace confab::cluster {

class ClusterNode;

class RoomLink : public rooms::Room::Attachment, public channels::RoomPresence::Observer {
 public:
  // Attaches a link to `room` (on its thread): subscribes and syncs.
  static void Attach(ClusterNode& node, rooms::Room& room);
  // The room's link, or nullptr.
  static RoomLink* Of(rooms::Room& room);
  ~RoomLink() override;

  // Asks again for everything this room may have missed (after a bus reconnect).
  void Resync();
  // `origin` is dead: its members leave.
  void DropOrigin(const std::string& origin);

  void OnLocalTrack(const std::string& key, const channels::RoomPresence::Meta& meta) override;
  void OnLocalUntrack(const std::string& phx_ref) override;

 private:
  RoomLink(ClusterNode& node, rooms::Room& room);
  void OnMessage(Envelope e);
  void Publish(const Envelope& e);

  ClusterNode& node_;
  rooms::Room& room_;  // owns this
  const std::string subject_;
  std::unique_ptr<Subscription> sub_;
};

}  // namespace confab::cluster
