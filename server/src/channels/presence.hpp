#pragma once
// Presence: who is in a meeting right now, in the Phoenix Presence format (PHOENIX-PROTOCOL.md §8).
// State maps a key (the participant's pid) to {"metas": [meta, …]}; one meta per joined channel, so
// the same pid on two sockets has two metas, each with its own phx_ref, and a leave removes only its
// own. Payloads are JSON texts ready to push (presence_state) or broadcast (presence_diff).
// Threading: owned by one Room; io thread only.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "rooms/room.hpp"

namespace confab::channels {

// A fresh phx_ref: unique per track (a process-wide counter plus random bits), URL-safe base64.
std::string NewPhxRef();

class PresenceTable : public rooms::Room::Attachment {
 public:
  struct Meta {
    std::string name;
    int64_t online_at = 0;  // ms since the Unix epoch
    std::string phx_ref;
  };

  // Adds one meta under `key`. Returns its phx_ref; `diff` gets the presence_diff payload.
  std::string Track(const std::string& key, std::string name, int64_t online_at, std::string* diff);
  // Removes the meta `phx_ref` of `key`. False (and no diff) when it is not tracked.
  bool Untrack(const std::string& key, std::string_view phx_ref, std::string* diff);
  // The whole table as a presence_state payload.
  std::string StateJson() const;
  size_t keys() const { return by_key_.size(); }

  // The table attached to `room`, created on first use.
  static PresenceTable& Of(rooms::Room& room);

 private:
  std::map<std::string, std::vector<Meta>, std::less<>> by_key_;
};

}  // namespace confab::channels
