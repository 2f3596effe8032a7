#pragma once
// Room: one live meeting. Owns the folded state, the head seq, the subscribers (joined channels), the
// ids already in the log (idempotency) and the appends still waiting for the store.
//
// Write path: Push validates against the *tentative* state (committed + pending events), takes seq =
// tentative head + 1 and hands the event to the store at once, so several appends are in flight
// (pipelined). Commits are taken back on the io thread strictly in seq order: only then is the event
// applied to the committed state, acknowledged and broadcast. Nothing not durable is ever broadcast.
// A store failure fails the pending appends (reason "unavailable"), then the room re-reads the store.
//
// Read path: Join snapshots the committed state-class events and subscribes in the same io handler,
// so every later event reaches the joiner exactly once: in the reply if committed before, as a
// broadcast if after.
//
// Threading: io thread only (the io_context is every room's strand). Store callbacks are posted back.
#include <boost/asio/io_context.hpp>
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
#include "store/store.hpp"
#include "util/status.hpp"

namespace confab::rooms {

// Immutable bytes shared by every receiver (the same type as channels::SharedFrame).
using SharedText = std::shared_ptr<const std::string>;

// One message for every subscriber. The upper layer frames it; the first subscriber to need the
// frame encodes it into `frame`, the rest reuse it (encode once per broadcast).
struct Broadcast {
  std::string_view event;  // a string literal: "event", "presence_diff", …
  SharedText payload;      // a JSON object text
  mutable SharedText frame;
};

// A joined channel, as the room sees it.
class Subscriber {
 public:
  virtual ~Subscriber() = default;
  virtual void Deliver(const Broadcast& b) = 0;
};

struct JoinRequest {
  std::string name;                   // 1..kMaxNameLength code points, checked by the caller
  std::optional<std::string> pid;     // a returning participant…
  std::optional<std::string> secret;  // …proves it with its secret
  std::optional<std::string> token;   // the facilitator token
  std::optional<int64_t> since;       // the last seq the client has (>= 0)
};

struct JoinResult {
  std::string pid;
  std::string secret;  // only when the participant was created by this join
  std::string name;    // the participant's name in the meeting
  domain::Role role = domain::Role::kParticipant;
  int64_t head_seq = 0;
  bool resumed = false;
  std::string events_json;  // a JSON array of the stored state-class events after `since`
};

struct PushRequest {
  std::string id;
  std::string type;
  nlohmann::json data;
  domain::Actor actor;
};

struct PushResult {
  std::optional<std::string> reason;  // set on failure: a CONTRACT §2 reason code
  std::optional<int64_t> seq;         // set for durable events (absent for transient ones)
};

class Room : public std::enable_shared_from_this<Room> {
 public:
  // Reads the meeting and folds its log. NotFound when there is no such meeting.
  static Status Load(boost::asio::io_context& io, store::Store& store, std::string meeting_id,
                     std::shared_ptr<Room>* out);
  ~Room();
  Room(const Room&) = delete;
  Room& operator=(const Room&) = delete;

  const std::string& meeting_id() const { return meeting_id_; }
  boost::asio::io_context& io() const { return io_; }
  // The committed state and head: what every subscriber has seen.
  const domain::Meeting& state() const { return committed_; }
  int64_t head_seq() const { return committed_head_; }

  // Checks credentials, creates the participant if needed (reply only once durable), then snapshots
  // and subscribes `sub` (if it is still alive) and calls `done` — both in the same io handler.
  // `done` gets a reason ("bad_credentials", "unavailable") or the result.
  using JoinDone = std::function<void(std::optional<std::string> reason, JoinResult result)>;
  void Join(JoinRequest req, std::weak_ptr<Subscriber> sub, JoinDone done);
  // Unsubscribes; a subscriber that is not subscribed is ignored.
  void Leave(const Subscriber* sub);

  // Validates, sequences and appends one client event; `done` runs once it is durable (seq) or
  // rejected (reason). A retried id gets the original seq and applies nothing. Transient types are
  // broadcast at once without seq and never stored.
  using PushDone = std::function<void(PushResult)>;
  void Push(PushRequest req, PushDone done);

  // Called on the io thread for every event this room sees committed, in seq order, with its parsed
  // form (feeds the views). Not called for the log folded at load.
  using CommitHook = std::function<void(const store::StoredEvent& event, const nlohmann::json& parsed)>;
  void set_on_committed(CommitHook hook) { on_committed_ = std::move(hook); }

  // Fans `payload` out to every subscriber as `event` (presence diffs, transient events).
  void Send(std::string_view event, SharedText payload);

  size_t subscriber_count() const { return live_subscribers_; }
  bool idle() const { return live_subscribers_ == 0 && pending_.empty(); }
  // When the room last became idle (for unloading).
  std::chrono::steady_clock::time_point idle_since() const { return idle_since_; }

  // State an upper layer keeps per live room (channels: the presence table); dies with the room.
  struct Attachment {
    virtual ~Attachment() = default;
  };
  Attachment* attachment() const { return attachment_.get(); }
  void set_attachment(std::unique_ptr<Attachment> a) { attachment_ = std::move(a); }

 private:
  struct Pending;
  struct CachedEvent {
    int64_t seq;
    SharedText json;
  };

  Room(boost::asio::io_context& io, store::Store& store, std::string meeting_id);
  Status ReadLog();  // folds events after committed_head_ from the store
  void Fold(const nlohmann::json& event, int64_t seq, const std::string& id, bool replayed, SharedText json);
  void Enqueue(std::unique_ptr<Pending> p, std::vector<store::Credential> credentials);
  void OnAppended(int64_t seq, Status status);
  void Complete(Pending& p);
  void Recover();
  void CompleteJoin(const JoinRequest& req, std::string pid, std::string secret, domain::Role role,
                    const std::weak_ptr<Subscriber>& sub, const JoinDone& done);
  void FanOut(Broadcast b);
  void TouchIdle();

  boost::asio::io_context& io_;
  store::Store& store_;
  const std::string meeting_id_;
  std::string facilitator_token_hash_;

  domain::Meeting committed_;
  int64_t committed_head_ = 0;
  int64_t committed_last_ts_ = 0;
  domain::Meeting tentative_;  // committed_ + every pending event
  int64_t tentative_head_ = 0;
  int64_t tentative_last_ts_ = 0;

  std::vector<CachedEvent> replay_;                         // committed state-class events, by seq
  std::unordered_map<std::string, int64_t> committed_ids_;  // event id -> seq
  std::unordered_map<std::string, Pending*> pending_ids_;
  std::deque<std::unique_ptr<Pending>> pending_;  // in seq order
  bool recovering_ = false;  // a pending append failed: later ones will too; reject until drained
  std::unordered_map<std::string, std::string> secret_hashes_;  // pid -> hash, a cache of the store

  std::vector<std::shared_ptr<Subscriber>> subscribers_;  // entries nulled while fanning out
  size_t live_subscribers_ = 0;
  int fanning_out_ = 0;
  std::deque<Broadcast> outbox_;  // broadcasts raised while fanning out, delivered after in order
  std::chrono::steady_clock::time_point idle_since_;
  std::unique_ptr<Attachment> attachment_;
  CommitHook on_committed_;
  bool loaded_ = false;  // the initial fold is done; later folds are news for on_committed_
};

// Code points in a UTF-8 string (lengths in CONTRACT §2 count code points).
size_t CodePoints(std::string_view s);

}  // namespace confab::rooms
