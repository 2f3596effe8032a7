#pragma once
// Presence: who is in a meeting right now, in the Phoenix Presence format (PHOENIX-PROTOCOL.md §8).
// State maps a key (the participant's pid) to {"metas": [meta, …]}; one meta per joined channel, so
// the same pid on two sockets has two metas, each with its own phx_ref, and a leave removes only its
// own. Payloads are JSON texts ready to push (presence_state) or broadcast (presence_diff).
//
// Diffs are batched per room, as Phoenix.Tracker does with its broadcast period: the first change after
// a quiet spell goes out on the next io turn, later ones at most once per kPresenceBatchWindow. Without
// this a join storm into a room of N costs N² frames (one diff per join to everyone already there).
// Memory: one heap node per meta (its key, name, phx_ref and origin, indexed by key and by phx_ref),
// because presence is kept for every joined channel of every live room; two maps of copies cost
// twice as much (docs/benchmarks.md, "Memory per joined connection").
// Threading: owned by one Room; the room's thread only.
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rooms/room.hpp"

namespace confab::channels {

inline constexpr std::chrono::milliseconds kPresenceBatchWindow{50};

// A fresh phx_ref: unique per track (a process-wide counter plus random bits), URL-safe base64.
std::string NewPhxRef();

// The table and the changes not yet broadcast. Pure: no io, no clock.
class PresenceTable {
 public:
  struct Meta {
    std::string name;
    int64_t online_at = 0;  // ms since the Unix epoch
    std::string phx_ref;
  };
  using Metas = std::map<std::string, std::vector<Meta>, std::less<>>;  // by key
  // One tracked meta, and the node that tracks it in a cluster: null for this one, else the table's
  // one copy of that origin's name (a pointer, not a string: there is one entry per joined channel).
  struct Entry {
    std::string key;
    Meta meta;
    const std::string* origin = nullptr;
    std::string_view origin_name() const { return origin ? std::string_view(*origin) : std::string_view(); }
  };

  PresenceTable();
  ~PresenceTable();
  PresenceTable(PresenceTable&&) noexcept;
  PresenceTable& operator=(PresenceTable&&) noexcept;

  // Adds one meta under `key` and returns its phx_ref.
  std::string Track(const std::string& key, std::string name, int64_t online_at);
  // The same with a phx_ref chosen by the caller (a channel picks its own before joining). A phx_ref
  // already tracked is ignored (false).
  bool Track(const std::string& key, std::string name, int64_t online_at, std::string phx_ref,
             std::string origin = {});
  // Removes the meta `phx_ref` of `key`. False when it is not tracked.
  bool Untrack(const std::string& key, std::string_view phx_ref);
  // Removes the meta `phx_ref`, whatever its key. False when it is not tracked.
  bool Untrack(std::string_view phx_ref);
  // The meta `phx_ref`, or null. Valid until the table changes.
  const Entry* Find(std::string_view phx_ref) const;
  // Every meta, by key.
  void ForEach(const std::function<void(const Entry&)>& fn) const;
  // The whole table as a presence_state payload.
  std::string StateJson() const;
  // Every change since the last call as one presence_diff payload, "" when there was none. A meta that
  // joined and left in between is in both halves: clients apply joins before leaves, so it ends up
  // gone both for those who saw it in a presence_state and for those who never saw it.
  std::string TakeDiff();
  size_t keys() const { return keys_; }

 private:
  struct Index;  // Boost.MultiIndex, kept out of this header
  std::unique_ptr<Index> index_;
  size_t keys_ = 0;
  std::map<std::string, size_t, std::less<>> origins_;  // each remote origin: how many metas it tracks
  Metas joins_, leaves_;                                // not yet broadcast
};

// One live room's presence: its table, and the timer that broadcasts the table's diffs.
//
// In a cluster the table also holds the members other nodes track (docs/cluster.md): each under its
// origin (the node and its boot), so when a node dies all of its members leave at once. Local changes
// are reported to an Observer (the cluster layer, which tells the other nodes).
class RoomPresence : public rooms::Room::Attachment {
 public:
  using Meta = PresenceTable::Meta;
  // A member with its key (pid), as other nodes report them.
  struct Member {
    std::string key;
    Meta meta;
  };
  class Observer {
   public:
    virtual ~Observer() = default;
    virtual void OnLocalTrack(const std::string& key, const Meta& meta) = 0;
    virtual void OnLocalUntrack(const std::string& phx_ref) = 0;
  };

  // The presence attached to `room`, created on first use.
  static RoomPresence& Of(rooms::Room& room);
  explicit RoomPresence(rooms::Room& room);

  PresenceTable& table() { return table_; }
  // Tracks a channel's meta, remembering which key its phx_ref belongs to.
  void Track(const std::string& pid, std::string name, int64_t online_at, const std::string& phx_ref);
  // Untracks the meta `phx_ref` of a local channel; false when it is not tracked.
  bool Untrack(const std::string& phx_ref);
  // Schedules the broadcast of the table's pending changes (see the header comment for when).
  void Publish();

  // The metas this node tracks (what it tells other nodes when they ask).
  std::vector<Member> LocalMembers() const;
  // Another node's member joined / left. Each publishes the change.
  void TrackRemote(const std::string& origin, Member m);
  void UntrackRemote(const std::string& origin, const std::string& phx_ref);
  // `origin` tracks exactly `members` now (it answered a sync, or reconnected).
  void ReplaceRemote(const std::string& origin, const std::vector<Member>& members);
  // `origin` is gone: every member it tracked leaves.
  void DropRemote(const std::string& origin);
  void set_observer(Observer* observer) { observer_ = observer; }

 private:
  void Flush();

  rooms::Room& room_;    // owns this
  PresenceTable table_;  // every member, local or remote, with its origin
  Observer* observer_ = nullptr;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point last_sent_{};
  bool scheduled_ = false;
};

}  // namespace confab::channels
