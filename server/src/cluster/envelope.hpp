#pragma once
// The messages nodes exchange over the bus (docs/cluster.md § Bus messages), and their text form:
// one header line of space-separated fields, then the body.
//
//   e    ORIGIN SEQ               \n event JSON as stored     a room committed an event
//   pj   ORIGIN PID ONLINE_AT REF \n name                     a member joined on ORIGIN
//   pl   ORIGIN REF               \n                          …and left
//   ps   ORIGIN                   \n [[pid,online_at,ref,name],…]   every member ORIGIN tracks there
//   sync ORIGIN                   \n                          "tell me your members" (answered by ps)
//   hb   ORIGIN                   \n                          ORIGIN is alive (on the nodes subject)
//   bye  ORIGIN                   \n                          ORIGIN is stopping
//
// ORIGIN is "NODE/BOOT": the node id and a random id of this process, so a restarted node is a new
// origin and the members of its previous life can be dropped at once. Pure: no io.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channels/presence.hpp"

namespace confab::cluster {

enum class Kind { kEvent, kPresenceJoin, kPresenceLeave, kPresenceState, kSync, kHeartbeat, kBye };

struct Envelope {
  Kind kind = Kind::kHeartbeat;
  std::string origin;
  int64_t seq = 0;                                      // kEvent
  std::string body;                                     // kEvent: the event JSON
  std::vector<channels::RoomPresence::Member> members;  // kPresenceJoin (one), kPresenceState
  std::string phx_ref;                                  // kPresenceLeave
};

// Subjects: one per meeting (events and presence), one for node liveness.
std::string MeetingSubject(std::string_view meeting_id);
inline constexpr std::string_view kNodesSubject = "confab.nodes";

std::string Encode(const Envelope& e);
// nullopt for anything malformed (a message from a newer or broken node is ignored, not trusted).
std::optional<Envelope> Decode(std::string_view text);

// Node ids name origins and must survive the header's spaces: letters, digits, "_", "-", ".", ":".
bool ValidNodeId(std::string_view id);

}  // namespace confab::cluster
