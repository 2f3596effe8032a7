#include "cluster/room_link.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "cluster/cluster_node.hpp"

namespace confab::cluster {

void RoomLink::Attach(ClusterNode& node, rooms::Room& room) {
  std::unique_ptr<RoomLink> link(new RoomLink(node, room));
  RoomLink& ref = *link;
  room.set_attachment(rooms::Room::Slot::kCluster, std::move(link));
  ref.Resync();
}

RoomLink* RoomLink::Of(rooms::Room& room) {
  return static_cast<RoomLink*>(room.attachment(rooms::Room::Slot::kCluster));
}

RoomLink::RoomLink(ClusterNode& node, rooms::Room& room)
    : node_(node), room_(room), subject_(MeetingSubject(room.meeting_id())) {
  std::weak_ptr<rooms::Room> weak = room.weak_from_this();
  boost::asio::io_context* io = &room.io();
  const std::string own = node.origin();
  // On a bus thread: decode, then hand over to the room's thread.
  Status s = node.bus().Subscribe(
      subject_,
      [weak, io, own, &node](std::string_view, std::string_view data) {
        std::optional<Envelope> e = Decode(data);
        if (!e) {
          spdlog::warn("cluster: ignoring a malformed message on a meeting subject");
          return;
        }
        if (e->origin == own && e->kind != Kind::kSync) return;  // our own news, echoed
        if (e->origin != own && e->kind != Kind::kEvent) node.Heard(e->origin);
        boost::asio::post(*io, [weak, e = std::move(*e)]() mutable {
          auto room = weak.lock();
          if (!room) return;
          if (RoomLink* link = Of(*room)) link->OnMessage(std::move(e));
        });
      },
      &sub_);
  if (!s.ok()) spdlog::warn("cluster: cannot subscribe to {}: {}", subject_, s.ToString());

  room.set_shared_log(true);
  channels::RoomPresence::Of(room).set_observer(this);
  room.set_on_appended([this](int64_t seq, const rooms::SharedText& json) {
    Envelope e;
    e.kind = Kind::kEvent;
    e.origin = node_.origin();
    e.seq = seq;
    e.body = *json;
    Publish(e);
  });
}

RoomLink::~RoomLink() {
  // The presence attachment outlives this one (slots go in reverse order); it must not call back.
  if (room_.attachment(rooms::Room::Slot::kPresence) != nullptr) {
    channels::RoomPresence::Of(room_).set_observer(nullptr);
  }
  room_.set_on_appended(nullptr);
}

void RoomLink::Publish(const Envelope& e) {
  // Lost messages are recovered from the log and by the next sync; a failure is only worth a debug line.
  if (Status s = node_.bus().Publish(subject_, Encode(e)); !s.ok()) {
    spdlog::debug("cluster: publish on {} failed: {}", subject_, s.ToString());
  }
}

void RoomLink::Resync() {
  Envelope mine;
  mine.kind = Kind::kPresenceState;
  mine.origin = node_.origin();
  mine.members = channels::RoomPresence::Of(room_).LocalMembers();
  Publish(mine);
  Envelope ask;
  ask.kind = Kind::kSync;
  ask.origin = node_.origin();
  Publish(ask);
}

void RoomLink::DropOrigin(const std::string& origin) {
  channels::RoomPresence::Of(room_).DropRemote(origin);
}

void RoomLink::OnMessage(Envelope e) {
  channels::RoomPresence& presence = channels::RoomPresence::Of(room_);
  switch (e.kind) {
    case Kind::kEvent:
      room_.OnRemoteEvent(e.seq, std::move(e.body));
      break;
    case Kind::kPresenceJoin:
      presence.TrackRemote(e.origin, std::move(e.members.at(0)));
      break;
    case Kind::kPresenceLeave:
      presence.UntrackRemote(e.origin, e.phx_ref);
      break;
    case Kind::kPresenceState:
      presence.ReplaceRemote(e.origin, e.members);
      break;
    case Kind::kSync:
      if (e.origin == node_.origin()) {
        // Our own sync came back: the subscription is live, so anything committed from here on
        // reaches us over the bus; what was committed before, the log has.
        room_.CatchUp();
      } else {
        Envelope mine;
        mine.kind = Kind::kPresenceState;
        mine.origin = node_.origin();
        mine.members = presence.LocalMembers();
        Publish(mine);
      }
      break;
    case Kind::kHeartbeat:
    case Kind::kBye:
      break;  // on the nodes subject only
  }
}

void RoomLink::OnLocalTrack(const std::string& key, const channels::RoomPresence::Meta& meta) {
  Envelope e;
  e.kind = Kind::kPresenceJoin;
  e.origin = node_.origin();
  e.members.push_back({key, meta});
  Publish(e);
}

void RoomLink::OnLocalUntrack(const std::string& phx_ref) {
  Envelope e;
  e.kind = Kind::kPresenceLeave;
  e.origin = node_.origin();
  e.phx_ref = phx_ref;
  Publish(e);
}

}  // namespace confab::cluster
