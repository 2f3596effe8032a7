#pragma once
// Room: one live meeting. Owns the folded state, the head seq, who is subscribed on which io thread,
// the ids of events it has seen (idempotency) and the appends still waiting for the store.
//
// Threading: a room lives on one io thread, its home (IoThreads::HomeOf), and every method must be
// called there; so it needs no locks. It never blocks: store reads (credentials, older history,
// re-reading after a failure) run on the ReaderPool and continue on the home thread. Subscribers
// live on their connections' threads; a broadcast is encoded once here and handed to each thread
// that has subscribers in one post (rooms/fanout.hpp).
//
// Write path: Push validates against the *tentative* state (committed + pending events), takes seq =
// tentative head + 1 and hands the event to the store at once, so several appends are in flight
// (pipelined). Commits are taken back strictly in seq order: only then is the event applied to the
// committed state, acknowledged and broadcast. Nothing not durable is ever broadcast. Every
// kSnapshotEvery events the committed state is written to the store as a snapshot (serialised on
// the reader pool), so the next cold load reads the latest snapshot plus the tail, not the log.
//
// Several writers (docs/cluster.md): with a shared log, another node's room for the same meeting may
// take a seq first. Each append names the id it expects at seq - 1 (AppendRequest::prev_id), so the
// store refuses it with Conflict instead of stacking it on a state that never existed. On Conflict the
// room re-reads the log (broadcasting what it missed), re-validates the refused events against the
// new state and appends them again (optimistic append with catch-up-and-retry); pushes that arrive
// meanwhile wait for the re-read. Any other store failure fails the pending appends ("unavailable").
// Events other nodes committed also arrive over the bus (OnRemoteEvent): the next one in order is
// folded at once, a gap is filled from the log.
//
// Read path: Join answers with the committed state (its canonical JSON, encoded once per head and
// shared by every join until the next commit) or, for a client resuming a little behind, the
// state-class events it missed (the last kResumeWindow are kept in memory); and it subscribes in the
// same handler, so every later event reaches the joiner exactly once: in the reply if committed
// before, as a broadcast if after. A join costs the size of the state, never of the history.
//
// Broadcasts: committed events are collected and fanned out at the end of the io turn (a posted
// flush), so the events of one store batch go out as one "events" frame; one event alone is still a
// plain "event". In a crowded room two flushes are at least FlushInterval(members) apart, so a burst
// (a join storm: one participant_joined per newcomer) costs each member a frame per interval, not one
// per event. Anything else sent (presence, transient events) and every subscribe flushes first, so
// the order on the wire is the commit order.
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/meeting.hpp"
#include "rooms/fanout.hpp"
#include "rooms/io_threads.hpp"
#include "rooms/subscriber.hpp"
#include "store/reader_pool.hpp"
#include "store/store.hpp"
#include "util/status.hpp"
#include "util/token_bucket.hpp"

namespace confab::rooms {

// Turns a broadcast into its wire frame (set by the channels layer: the topic is "meeting:" + id).
using FrameEncoder = std::function<SharedText(std::string_view meeting_id, std::string_view event,
                                              const std::string& payload)>;

struct JoinRequest {
  std::string name;                   // 1..kMaxNameLength code points, checked by the caller
  std::optional<std::string> pid;     // a returning participant…
  std::optional<std::string> secret;  // …proves it with its secret
  std::optional<std::string> token;   // the facilitator token
  std::optional<int64_t> since;       // the last seq the client has (>= 0)
  size_t thread = 0;                  // the io thread (IoThreads index) the subscriber lives on
};

struct JoinResult {
  std::string pid;
  std::string secret;  // only when the participant was created by this join
  std::string name;    // the participant's name in the meeting
  domain::Role role = domain::Role::kParticipant;
  int64_t head_seq = 0;
  bool resumed = false;
  SharedText state_json;               // not resumed: the canonical state (domain::ToJson) at head_seq
  std::string events_json;             // resumed: a JSON array of the stored state-class events after `since`
  std::string seal_key;                // proves authorship of anonymous cards (util/crypto.hpp SealKey)
  std::vector<std::string> own_cards;  // the anonymous cards this participant wrote
};

// How many state-class events a room keeps to answer a resuming join with the events it missed;
// further behind, the join gets the state instead (a few events are cheaper than the state, many
// are not).
inline constexpr size_t kResumeWindow = 256;

// The least time between two broadcasts of committed events in a room of `members`: 10 µs per member,
// at most 50 ms (Phoenix.Tracker's broadcast period is of that order). Fan-out work per room is then
// bounded by about 100,000 frames/s however fast events commit, and a room of 50 waits 0.5 ms at most.
inline std::chrono::microseconds FlushInterval(size_t members) {
  return std::min(std::chrono::microseconds(10 * members), std::chrono::microseconds(50'000));
}

// A meeting's quotas (util/quotas.hpp: members_per_meeting, events_per_meeting_per_second); 0 turns
// one off. They are kept where the state is, so every socket of the meeting counts against them.
struct RoomLimits {
  uint32_t members = 0;            // participants stored; a join that would add one more: "meeting_full"
  uint32_t events_per_second = 0;  // pushes, burst twice as many; past it: "rate_limited"
};

struct PushRequest {
  std::string id;
  std::string type;
  nlohmann::json data;
  domain::Actor actor;
  std::string seal_key;  // the pusher's (JoinResult::seal_key): the room derives Actor::seals from it
};

struct PushResult {
  std::optional<std::string> reason;  // set on failure: a CONTRACT §2 reason code
  std::optional<int64_t> seq;         // set for durable events (absent for transient ones)
};

class Room : public std::enable_shared_from_this<Room> {
 public:
  // Reads the meeting: its latest snapshot, then the events after it. BLOCKS on the store: call it
  // on the reader pool, never on an io thread (RoomRegistry does). NotFound when there is no such
  // meeting. The room lives on threads.at(threads.HomeOf(meeting_id)).
  static Status Load(IoThreads& threads, store::ReaderPool& reader, std::string meeting_id,
                     std::shared_ptr<Room>* out);
  ~Room();
  Room(const Room&) = delete;
  Room& operator=(const Room&) = delete;

  const std::string& meeting_id() const { return meeting_id_; }
  boost::asio::io_context& io() const { return threads_.at(home_); }
  // The committed state and head: what every subscriber has seen.
  const domain::Meeting& state() const { return committed_; }
  int64_t head_seq() const { return committed_head_; }

  // Checks credentials, creates the participant if needed (reply only once durable), then snapshots
  // and subscribes `sub` on thread req.thread (if it is still alive) and calls `done` — both in the
  // same handler. `done` runs on the room's thread and gets a reason ("bad_credentials",
  // "unavailable", "meeting_full") or the result. To keep the order with broadcasts, `done` must reach the
  // subscriber's thread with RunOn (rooms/io_threads.hpp).
  using JoinDone = std::function<void(std::optional<std::string> reason, JoinResult result)>;
  void Join(JoinRequest req, std::weak_ptr<Subscriber> sub, JoinDone done);
  // The subscriber's channel ended (it has already Unsubscribed on its own thread). Ignored when it
  // is not subscribed.
  void Leave(const Subscriber* sub);

  // Validates, sequences and appends one client event; `done` runs on the room's thread once it is
  // durable (seq) or rejected (reason). A retried id gets the original seq and applies nothing.
  // Transient types are broadcast at once without seq and never stored. Past the meeting's event
  // rate (RoomLimits) it is refused with "rate_limited" before anything else is looked at, retries of
  // an id already taken excepted (they cost nothing).
  using PushDone = std::function<void(PushResult)>;
  void Push(PushRequest req, PushDone done);

  // Called on the room's thread for every event this room sees committed, in seq order, with its
  // parsed form (feeds the views). Not called for the log folded at load.
  using CommitHook = std::function<void(const store::StoredEvent& event, const nlohmann::json& parsed)>;
  void set_on_committed(CommitHook hook) { on_committed_ = std::move(hook); }
  void set_encoder(FrameEncoder encoder) { encoder_ = std::move(encoder); }
  void set_limits(RoomLimits limits);

  // Fans `payload` out to every subscriber as `event` (presence diffs, transient events), after the
  // committed events not yet sent.
  void Send(std::string_view event, SharedText payload);

  // An event another writer committed, as its stored JSON (from the bus). Folded and broadcast at once
  // when it is the next one; otherwise the room reads what it is missing from the log.
  void OnRemoteEvent(int64_t seq, std::string json);
  // Reads the log after the head and folds what is new (the bus reconnected: messages may be lost).
  void CatchUp();
  // Other writers append to this meeting's log (a cluster): a push this room would reject may be valid
  // against events it has not heard of yet, so it reads the log before rejecting.
  void set_shared_log(bool shared) { shared_log_ = shared; }
  // Called on the room's thread for every event this room appended itself once it is durable, after
  // its broadcast (the cluster layer publishes it to the other nodes).
  using AppendedHook = std::function<void(int64_t seq, const SharedText& json)>;
  void set_on_appended(AppendedHook hook) { on_appended_ = std::move(hook); }

  size_t subscriber_count() const { return members_.size(); }
  // Nothing subscribed, pending or on its way: the room may be unloaded.
  bool idle() const {
    return members_.empty() && pending_.empty() && in_flight_reads_ == 0 && after_recovery_.empty();
  }
  // When the room last became idle (for unloading).
  std::chrono::steady_clock::time_point idle_since() const { return idle_since_; }

  // State an upper layer keeps per live room, in its own slot (channels: the presence table; cluster:
  // the room's bus subscription); dies with the room.
  struct Attachment {
    virtual ~Attachment() = default;
  };
  enum class Slot { kPresence, kCluster, kCount };
  Attachment* attachment(Slot slot) const { return attachments_[static_cast<size_t>(slot)].get(); }
  void set_attachment(Slot slot, std::unique_ptr<Attachment> a) {
    attachments_[static_cast<size_t>(slot)] = std::move(a);
  }

 private:
  struct Pending;
  struct CachedEvent {
    int64_t seq;
    SharedText json;
  };

  Room(IoThreads& threads, store::ReaderPool& reader, std::string meeting_id);
  // Folds stored events after committed_head_ (read by the caller); news for subscribers once loaded.
  void FoldRead(std::vector<store::StoredEvent>& events);
  void Fold(const nlohmann::json& event, int64_t seq, const std::string& id, bool replayed, SharedText json);
  // caught_up: the log was re-read because this push failed validation.
  void Push(PushRequest req, PushDone done, bool caught_up);
  // Fills req.actor.seals for the cards the push names, so the domain can tell an anonymous card's
  // author (and nobody else) from its seal.
  void AddSeals(PushRequest& req) const;
  void Enqueue(std::unique_ptr<Pending> p);
  void OnAppended(int64_t seq, Status status);
  void Complete(std::unique_ptr<Pending> p);
  // Appends a refused event again after the re-read: validated anew, or answered if it is now stored.
  void Resubmit(std::unique_ptr<Pending> p);
  void Recover();
  // Reads the log after the head; `then` runs once the room is up to date (or the read failed).
  void CatchUpThen(std::function<void()> then);
  void CheckSecret(JoinRequest req, std::weak_ptr<Subscriber> sub, JoinDone done, domain::Role role);
  // caught_up: the log was re-read for a client that had seen more than this room.
  void CompleteJoin(JoinRequest req, std::string pid, std::string secret, domain::Role role,
                    std::weak_ptr<Subscriber> sub, JoinDone done, bool caught_up = false);
  // The committed state's canonical JSON, encoded at most once per head.
  SharedText StateJson();
  // The state-class events after `since` (>= replay_floor_), as a JSON array.
  std::string MissedEvents(int64_t since) const;
  void Subscribe(const std::weak_ptr<Subscriber>& sub, size_t thread);
  // A committed event for every subscriber: sent with the others of this io turn (FlushCommitted).
  void BroadcastCommitted(SharedText json);
  void FlushCommitted();
  void FanOut(Broadcast b);
  void MaybeSnapshot();
  void TouchIdle();
  // Runs `work(store)` on the reader pool and `then(result)` back on this room's thread.
  template <typename Work, typename Then>
  void ReadThen(Work work, Then then);

  IoThreads& threads_;
  const size_t home_;
  store::ReaderPool& reader_;
  store::Store& store_;
  const std::string meeting_id_;
  std::string facilitator_token_hash_;

  domain::Meeting committed_;
  int64_t committed_head_ = 0;
  int64_t committed_last_ts_ = 0;
  domain::Meeting tentative_;  // committed_ + every pending event
  int64_t tentative_head_ = 0;
  int64_t tentative_last_ts_ = 0;
  int64_t last_snapshot_seq_ = 0;  // the newest snapshot stored (or being stored)

  // The last committed state-class events (at most kResumeWindow), by seq: every one after
  // replay_floor_ is here. A join resuming from before the floor gets the state instead.
  std::deque<CachedEvent> replay_;
  int64_t replay_floor_ = 0;
  int64_t loaded_from_snapshot_ = 0;  // the seq of the snapshot the room was loaded from (0: none)
  SharedText state_json_;             // StateJson()'s cache, valid while state_json_seq_ == head
  int64_t state_json_seq_ = -1;
  std::vector<SharedText> unsent_;  // committed events of this io turn, not broadcast yet
  bool flush_posted_ = false;       // a flush handler (posted or on the timer) is on its way
  std::chrono::steady_clock::time_point last_flush_;
  std::unique_ptr<boost::asio::steady_timer> flush_timer_;  // made by the first delayed flush
  // Joins whose participant_joined committed, answered in the flush (one state JSON for all of them).
  std::vector<std::function<void()>> joins_to_answer_;
  // Ids of the events folded since load. A retry of an older id reaches the store, which refuses
  // it as Duplicate; the room then answers with the stored seq.
  std::unordered_map<std::string, int64_t> committed_ids_;
  std::unordered_map<std::string, Pending*> pending_ids_;
  std::deque<std::unique_ptr<Pending>> pending_;  // in seq order
  bool recovering_ = false;  // a pending append failed: later ones will too; wait for the re-read
  bool conflicted_ = false;  // …because another writer took a seq: requests wait and are retried
  // What waits for the re-read, in arrival order: refused appends and requests that came meanwhile.
  std::deque<std::function<void()>> after_recovery_;
  std::string committed_last_id_;  // id of the event at committed_head_ ("" before seq 1)
  std::string tentative_last_id_;  // id of the event at tentative_head_
  int64_t remote_head_ = 0;        // the highest seq heard of from other writers
  bool catching_up_ = false;
  bool shared_log_ = false;
  std::vector<std::function<void()>> after_catch_up_;
  std::unordered_map<std::string, std::string> secret_hashes_;  // pid -> hash, a cache of the store
  int in_flight_reads_ = 0;                                     // store reads the room waits for

  // Who is subscribed, on which thread; per thread, how many, and that thread's Fanout.
  std::unordered_map<const Subscriber*, size_t> members_;
  std::vector<size_t> members_on_;
  std::vector<std::shared_ptr<Fanout>> fanouts_;
  int fanning_out_ = 0;
  std::deque<Broadcast> outbox_;  // broadcasts raised while fanning out, delivered after in order
  std::chrono::steady_clock::time_point idle_since_;
  std::unique_ptr<Attachment> attachments_[static_cast<size_t>(Slot::kCount)];
  CommitHook on_committed_;
  AppendedHook on_appended_;
  FrameEncoder encoder_;
  RoomLimits limits_;
  std::optional<TokenBucket> push_rate_;  // set when limits_.events_per_second is
  bool loaded_ = false;                   // the initial fold is done; later folds are news for on_committed_
};

// Code points in a UTF-8 string (lengths in CONTRACT §2 count code points).
size_t CodePoints(std::string_view s);

}  // namespace confab::rooms
