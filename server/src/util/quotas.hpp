#pragma once
// Quotas: the abuse limits a deployment configures (`confab serve --help`, docs/operations.md). Each
// layer enforces its own: net counts connections per client address, api meeting creations, rooms
// members and events per meeting. 0 turns a limit off.
#include <cstdint>
#include <string>
#include <vector>

namespace confab {

struct Quotas {
  // POST /api/meetings per client address: a bucket of this many that refills over a minute (429).
  uint32_t meetings_per_address_per_minute = 30;
  // Open connections (HTTP and WebSocket) per client address; more are closed at accept.
  uint32_t connections_per_address = 256;
  // Participants a meeting stores; a new one past it is refused with `meeting_full` (members who
  // joined before always rejoin).
  uint32_t members_per_meeting = 200;
  // Client events a meeting accepts per second over all its members (votes, notes and reactions
  // included), with a burst of twice as many; past it a push is refused with `rate_limited`.
  uint32_t events_per_meeting_per_second = 100;
  // Peers whose X-Forwarded-For names the client (a proxy in front, e.g. HAProxy); else the peer
  // address is the client.
  std::vector<std::string> trusted_proxies;
};

}  // namespace confab
