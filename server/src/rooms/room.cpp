#include "rooms/room.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <exception>
#include <limits>
#include <utility>

#include "util/crypto.hpp"

namespace confab::rooms {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Apply must never take the io thread down, whatever the domain does with an odd event.
void SafeApply(domain::Meeting& m, const nlohmann::json& event) {
  try {
    domain::Apply(m, event);
  } catch (const std::exception& e) {
    spdlog::error("room: Apply threw on seq {}: {}", event.value("seq", int64_t{0}), e.what());
  }
}

// The store reads a room runs on the reader pool (Room::ReadThen): each returns its Status with
// what it read.
auto LogAfter(std::string meeting_id, int64_t after) {
  return [meeting_id = std::move(meeting_id), after](store::Store& s) {
    std::vector<store::StoredEvent> events;
    Status st = s.ReadEvents(meeting_id, after, 0, /*replayed_only=*/false, &events);
    return std::make_pair(std::move(st), std::move(events));
  };
}

auto SeqOfEvent(std::string meeting_id, std::string event_id) {
  return [meeting_id = std::move(meeting_id), event_id = std::move(event_id)](store::Store& s) {
    int64_t seq = 0;
    Status st = s.FindEventSeq(meeting_id, event_id, &seq);
    return std::make_pair(std::move(st), seq);
  };
}

// `prefix` + `[t1,t2,…]` + `suffix` of stored event texts, spliced without re-encoding them.
template <typename It, typename TextOf>
std::string SpliceArray(std::string_view prefix, It first, It last, TextOf text_of, std::string_view suffix) {
  size_t bytes = prefix.size() + 2 + suffix.size();
  for (It it = first; it != last; ++it) bytes += text_of(*it).size() + 1;
  std::string out;
  out.reserve(bytes);
  out.append(prefix).push_back('[');
  for (It it = first; it != last; ++it) {
    if (it != first) out.push_back(',');
    out.append(text_of(*it));
  }
  out.push_back(']');
  out.append(suffix);
  return out;
}

// How often one event is appended again after another writer took its seq, before its pusher is told
// "unavailable" (a meeting hammered from several nodes at once still makes progress: each round one
// of them wins).
constexpr int kMaxAppendAttempts = 32;
// Requests held while the room re-reads the log after a conflict; beyond this they are refused.
constexpr size_t kMaxWaitingForRecovery = 10'000;

}  // namespace

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

// One append in flight: a pushed event, or the participant_joined of a join waiting for it.
struct Room::Pending {
  int64_t seq = 0;
  std::string id;
  nlohmann::json event;  // parsed form, applied to the committed state on commit (no re-parse)
  domain::Actor actor;   // who pushed it (validated again if it must be appended again)
  int attempts = 0;      // appends refused with Conflict so far
  std::vector<store::Credential> credentials;  // a join's new participant, stored with its event
  store::StoredEvent stored;                   // the row as appended (for the commit hook)
  SharedText json;                             // stored and broadcast bytes
  bool replayed = true;
  std::string secret_hash;        // for a join: the new participant's credential
  std::vector<PushDone> waiters;  // the pusher and any retries of the same id
  struct JoinWait {
    JoinRequest req;
    std::string pid, secret;
    domain::Role role;
    std::weak_ptr<Subscriber> sub;
    JoinDone done;
  };
  std::optional<JoinWait> join;
  bool finished = false;
  Status status;
};

template <typename Work, typename Then>
void Room::ReadThen(Work work, Then then) {
  ++in_flight_reads_;
  reader_.Run(io().get_executor(), std::move(work),
              [self = shared_from_this(), then = std::move(then)](auto result) mutable {
                --self->in_flight_reads_;
                then(std::move(result));
                self->TouchIdle();
              });
}

Room::Room(IoThreads& threads, store::ReaderPool& reader, std::string meeting_id)
    : threads_(threads),
      home_(threads.HomeOf(meeting_id)),
      reader_(reader),
      store_(reader.store()),
      meeting_id_(std::move(meeting_id)),
      members_on_(threads.size(), 0),
      fanouts_(threads.size()),
      idle_since_(std::chrono::steady_clock::now()) {}

Room::~Room() = default;

Status Room::Load(IoThreads& threads, store::ReaderPool& reader, std::string meeting_id,
                  std::shared_ptr<Room>* out) {
  store::Store& store = reader.store();
  store::MeetingRecord rec;
  if (Status s = store.GetMeeting(meeting_id, &rec); !s.ok()) return s;
  std::shared_ptr<Room> room(new Room(threads, reader, std::move(meeting_id)));
  room->facilitator_token_hash_ = rec.facilitator_token_hash;

  store::Snapshot snap;
  constexpr int64_t kAny = std::numeric_limits<int64_t>::max();
  Status ss = store.LatestSnapshot(room->meeting_id_, kAny, kAny, &snap);
  if (ss.ok()) {
    nlohmann::json state = nlohmann::json::parse(snap.state_json, nullptr, false);
    std::optional<domain::Meeting> m = state.is_discarded() ? std::nullopt : domain::FromJson(state);
    if (m && domain::LastSeq(*m) == snap.seq) {
      room->committed_ = std::move(*m);
      room->committed_head_ = snap.seq;
      room->committed_last_ts_ = snap.last_ts;
      room->replay_floor_ = snap.seq;
      room->loaded_from_snapshot_ = snap.seq;
      room->last_snapshot_seq_ = snap.seq;
    } else {
      // A snapshot is only a cache of the log: fold the log instead. Snapshots written before the
      // state gained a key (issue 11: facilitator, anonymous_cards, hide_totals) end up here once.
      spdlog::warn(
          "room {}: snapshot at seq {} is not a state this version reads (older or damaged); "
          "folding the whole log",
          room->meeting_id_, snap.seq);
    }
  } else if (ss.code() != Status::Code::kNotFound) {
    return ss;
  }

  // From the snapshot's own event on: its id is what the next append names as prev_id.
  std::vector<store::StoredEvent> events;
  const int64_t from = std::max<int64_t>(0, room->committed_head_ - 1);
  if (Status s = store.ReadEvents(room->meeting_id_, from, 0, false, &events); !s.ok()) return s;
  room->FoldRead(events);
  room->loaded_ = true;
  // A meeting from before snapshots existed (or one whose snapshot write was lost): write one now,
  // so its next load is cheap too.
  room->MaybeSnapshot();
  *out = std::move(room);
  return Status::Ok();
}

void Room::FoldRead(std::vector<store::StoredEvent>& events) {
  for (store::StoredEvent& e : events) {
    if (e.seq <= committed_head_) {  // already folded (a re-read that overlapped)
      if (e.seq == committed_head_) committed_last_id_ = e.id;
      continue;
    }
    if (e.seq != committed_head_ + 1) {
      spdlog::error("room {}: the log skips from seq {} to {}", meeting_id_, committed_head_, e.seq);
      break;
    }
    nlohmann::json parsed = nlohmann::json::parse(e.json, nullptr, false);
    if (parsed.is_discarded()) {
      // The store only holds what a room wrote; a bad row is reported but must not stop the meeting.
      spdlog::error("room {}: stored event seq {} is not JSON", meeting_id_, e.seq);
      parsed = nlohmann::json::object();
    }
    if (loaded_ && on_committed_) on_committed_(e, parsed);
    auto text = std::make_shared<const std::string>(std::move(e.json));
    Fold(parsed, e.seq, e.id, e.replayed, text);
    // An event another writer appended is news to our subscribers.
    if (loaded_ && !members_.empty()) BroadcastCommitted(std::move(text));
  }
  tentative_ = committed_;
  tentative_head_ = committed_head_;
  tentative_last_ts_ = committed_last_ts_;
  tentative_last_id_ = committed_last_id_;
}

void Room::Fold(const nlohmann::json& event, int64_t seq, const std::string& id, bool replayed,
                SharedText json) {
  SafeApply(committed_, event);
  committed_head_ = seq;
  committed_last_ts_ = std::max(committed_last_ts_, event.value("ts", int64_t{0}));
  committed_ids_[id] = seq;
  committed_last_id_ = id;
  if (replayed) {
    replay_.push_back({seq, std::move(json)});
    if (replay_.size() > kResumeWindow) {
      replay_floor_ = replay_.front().seq;
      replay_.pop_front();
    }
  }
}

void Room::MaybeSnapshot() {
  // The same rule BuildSnapshots applies (views/snapshot_policy.hpp, not included: rooms sit below views).
  if (committed_head_ - last_snapshot_seq_ < store::kSnapshotEvery) return;
  last_snapshot_seq_ = committed_head_;
  // Copying the state is cheap next to encoding it: the encoding runs on the reader pool.
  reader_.Post([&store = store_, id = meeting_id_, state = committed_, seq = committed_head_,
                ts = committed_last_ts_] {
    store::Snapshot snap{id, seq, ts, domain::ToJson(state).dump()};
    store.PutSnapshot(std::move(snap), [id, seq](const Status& s) {
      if (!s.ok()) spdlog::warn("room {}: snapshot at seq {} not stored: {}", id, seq, s.ToString());
    });
  });
}

void Room::Join(JoinRequest req, std::weak_ptr<Subscriber> sub, JoinDone done) {
  domain::Role role = domain::Role::kParticipant;
  if (req.token) {
    if (facilitator_token_hash_.empty() || !DigestEquals(HashSecret(*req.token), facilitator_token_hash_)) {
      return done("bad_credentials", {});
    }
    role = domain::Role::kFacilitator;
  }

  if (req.pid) {
    if (!req.secret) return done("bad_credentials", {});
    if (secret_hashes_.count(*req.pid) != 0)
      return CheckSecret(std::move(req), std::move(sub), std::move(done), role);
    const std::string pid = *req.pid;
    ReadThen(
        [id = meeting_id_, pid](store::Store& s) {
          store::Credential cred;
          Status st = s.GetCredential(id, pid, &cred);
          return std::make_pair(std::move(st), std::move(cred.secret_hash));
        },
        [self = shared_from_this(), req = std::move(req), sub = std::move(sub), done = std::move(done),
         role](std::pair<Status, std::string> r) mutable {
          if (r.first.code() == Status::Code::kNotFound) return done("bad_credentials", {});
          if (!r.first.ok()) return done("unavailable", {});
          self->secret_hashes_.emplace(*req.pid, std::move(r.second));
          self->CheckSecret(std::move(req), std::move(sub), std::move(done), role);
        });
    return;
  }

  // A new participant: its participant_joined and credential commit together; reply after that.
  if (recovering_) {
    if (!conflicted_ || after_recovery_.size() >= kMaxWaitingForRecovery) return done("unavailable", {});
    after_recovery_.push_back(
        [self = shared_from_this(), req = std::move(req), sub = std::move(sub),
         done = std::move(done)]() mutable { self->Join(std::move(req), std::move(sub), std::move(done)); });
    return;
  }
  // Counted on the tentative state: joins whose participant is still being stored count too.
  if (limits_.members > 0 && tentative_.participants.size() >= limits_.members)
    return done("meeting_full", {});
  auto p = std::make_unique<Pending>();
  std::string pid = "p_" + RandomHex(8);
  std::string secret = RandomHex(16);
  p->id = RandomUuid();
  p->event = {{"id", p->id},
              {"type", "participant_joined"},
              {"actor", {{"pid", pid}, {"name", req.name}}},
              {"data", {{"name", req.name}}}};
  p->secret_hash = HashSecret(secret);
  p->credentials.push_back({meeting_id_, pid, p->secret_hash});
  p->join = Pending::JoinWait{std::move(req), std::move(pid), std::move(secret),
                              role,           std::move(sub), std::move(done)};
  Enqueue(std::move(p));
}

void Room::CheckSecret(JoinRequest req, std::weak_ptr<Subscriber> sub, JoinDone done, domain::Role role) {
  auto it = secret_hashes_.find(*req.pid);
  if (!DigestEquals(HashSecret(*req.secret), it->second)) return done("bad_credentials", {});
  std::string pid = *req.pid;
  CompleteJoin(std::move(req), std::move(pid), "", role, std::move(sub), std::move(done));
}

void Room::CompleteJoin(JoinRequest req, std::string pid, std::string secret, domain::Role role,
                        std::weak_ptr<Subscriber> sub, JoinDone done, bool caught_up) {
  if (req.since && *req.since > committed_head_ && !caught_up) {
    // The client has seen more than this room: another node committed it (the client was there
    // before a reconnect). Read it first rather than replay the client backwards.
    CatchUpThen([self = shared_from_this(), req = std::move(req), pid = std::move(pid),
                 secret = std::move(secret), role, sub = std::move(sub), done = std::move(done)]() mutable {
      self->CompleteJoin(std::move(req), std::move(pid), std::move(secret), role, std::move(sub),
                         std::move(done), /*caught_up=*/true);
    });
    return;
  }
  JoinResult r;
  r.seal_key = SealKey(secret.empty() ? req.secret.value_or("") : secret);
  for (const auto& [card_id, seal] : domain::AnonymousSeals(committed_)) {
    if (DigestEquals(seal, CardSeal(r.seal_key, card_id))) r.own_cards.push_back(card_id);
  }
  r.name = domain::ParticipantName(committed_, pid);
  if (r.name.empty()) r.name = req.name;
  r.pid = std::move(pid);
  r.secret = std::move(secret);
  r.role = role;
  r.head_seq = committed_head_;
  // Resume only when every state-class event the client misses is still in memory.
  r.resumed = req.since && *req.since <= committed_head_ && *req.since >= replay_floor_;
  if (r.resumed) {
    r.events_json = MissedEvents(*req.since);
  } else {
    r.state_json = StateJson();
  }
  // Subscribing in the same handler as the snapshot: events after head_seq arrive as broadcasts.
  Subscribe(sub, req.thread);
  done(std::nullopt, std::move(r));
}

SharedText Room::StateJson() {
  if (state_json_seq_ != committed_head_ || !state_json_) {
    state_json_ = std::make_shared<const std::string>(domain::ToJson(committed_).dump());
    state_json_seq_ = committed_head_;
  }
  return state_json_;
}

std::string Room::MissedEvents(int64_t since) const {
  auto first = std::upper_bound(replay_.begin(), replay_.end(), since,
                                [](int64_t seq, const CachedEvent& e) { return seq < e.seq; });
  return SpliceArray(
      "", first, replay_.end(), [](const CachedEvent& e) -> const std::string& { return *e.json; }, "");
}

void Room::Subscribe(const std::weak_ptr<Subscriber>& weak, size_t thread) {
  auto sub = weak.lock();
  if (!sub || thread >= fanouts_.size()) return;  // the channel ended while the join was on its way
  // What committed before the joiner's snapshot must not reach it as a broadcast too.
  FlushCommitted();
  if (!members_.emplace(sub.get(), thread).second) return;
  ++members_on_[thread];
  if (!fanouts_[thread]) fanouts_[thread] = std::make_shared<Fanout>();
  RunOn(threads_.at(thread), [f = fanouts_[thread], weak] { f->Add(weak); });
}

void Room::Leave(const Subscriber* sub) {
  auto it = members_.find(sub);
  if (it == members_.end()) return;
  --members_on_[it->second];
  members_.erase(it);
  TouchIdle();
}

void Room::set_limits(RoomLimits limits) {
  limits_ = limits;
  push_rate_.reset();
  if (limits.events_per_second > 0)
    push_rate_.emplace(2.0 * limits.events_per_second, limits.events_per_second);
}

void Room::Push(PushRequest req, PushDone done) {
  // One bucket for every socket of the meeting: the per-socket limit alone lets many sockets together
  // write as fast as they like. Checked before validation, which costs as much as acceptance.
  const bool retry = committed_ids_.count(req.id) != 0 || pending_ids_.count(req.id) != 0;
  if (!retry && push_rate_ && !push_rate_->Take()) return done({"rate_limited", std::nullopt});
  Push(std::move(req), std::move(done), false);
}

void Room::Push(PushRequest req, PushDone done, bool caught_up) {
  if (auto it = committed_ids_.find(req.id); it != committed_ids_.end()) {
    return done({std::nullopt, it->second});
  }
  if (auto it = pending_ids_.find(req.id); it != pending_ids_.end()) {
    it->second->waiters.push_back(std::move(done));
    return;
  }
  if (recovering_) {
    if (!conflicted_ || after_recovery_.size() >= kMaxWaitingForRecovery) {
      return done({"unavailable", std::nullopt});
    }
    after_recovery_.push_back(
        [self = shared_from_this(), req = std::move(req), done = std::move(done)]() mutable {
          self->Push(std::move(req), std::move(done), false);  // its token is taken already
        });
    return;
  }
  if (std::string name = domain::ParticipantName(tentative_, req.actor.pid); !name.empty()) {
    req.actor.name = std::move(name);
  }
  AddSeals(req);
  if (auto reason = domain::Validate(tentative_, req.actor, req.type, req.data)) {
    if (shared_log_ && !caught_up) {
      // The card it names may have been added on another node a moment ago: judge it on the log.
      CatchUpThen([self = shared_from_this(), req = std::move(req), done = std::move(done)]() mutable {
        self->Push(std::move(req), std::move(done), /*caught_up=*/true);
      });
      return;
    }
    if (loaded_from_snapshot_ == 0) return done({std::move(*reason), std::nullopt});
    // Ids older than the snapshot the room was loaded from are not in memory, and a retry of one
    // fails validation against the state it already changed (duplicate_id, …): ask the store before
    // rejecting it, so it gets the original seq.
    ReadThen(SeqOfEvent(meeting_id_, std::move(req.id)),
             [reason = std::move(*reason), done = std::move(done)](std::pair<Status, int64_t> r) {
               if (r.first.ok()) return done({std::nullopt, r.second});
               if (r.first.code() == Status::Code::kNotFound) return done({reason, std::nullopt});
               done({"unavailable", std::nullopt});
             });
    return;
  }
  const domain::EventSpec* spec = domain::FindEventType(req.type);
  if (spec == nullptr) return done({"unknown_type", std::nullopt});

  const int64_t ts = std::max(NowMs(), tentative_last_ts_);
  // What the log keeps: the actor of an anonymous card's event is withheld (docs/domain.md).
  domain::Stored stored = domain::ToStore(tentative_, req.actor, req.type, req.data);
  nlohmann::json event = {{"id", std::move(req.id)},
                          {"type", std::move(req.type)},
                          {"actor", std::move(stored.actor)},
                          {"ts", ts},
                          {"data", std::move(stored.data)}};
  if (spec->replay == domain::ReplayClass::kTransient) {
    // Not stored, no seq: only the people here now care.
    Send("event", std::make_shared<const std::string>(event.dump()));
    return done({std::nullopt, std::nullopt});
  }
  auto p = std::make_unique<Pending>();
  p->id = event["id"].get<std::string>();
  p->event = std::move(event);
  p->actor = std::move(req.actor);
  p->replayed = spec->replay == domain::ReplayClass::kState;
  p->waiters.push_back(std::move(done));
  Enqueue(std::move(p));
}

void Room::AddSeals(PushRequest& req) const {
  if (req.seal_key.empty() || !req.data.is_object()) return;
  for (const char* field : {"card_id", "into_card_id"}) {
    auto it = req.data.find(field);
    if (it != req.data.end() && it->is_string()) {
      const auto& card_id = it->get_ref<const std::string&>();
      req.actor.seals.insert_or_assign(card_id, CardSeal(req.seal_key, card_id));
    }
  }
}

void Room::Enqueue(std::unique_ptr<Pending> p) {
  p->seq = tentative_head_ + 1;
  p->finished = false;  // a resubmitted one carries its last attempt's outcome
  p->status = Status::Ok();
  if (!p->event.contains("ts")) p->event["ts"] = std::max(NowMs(), tentative_last_ts_);
  p->event["seq"] = p->seq;
  p->json = std::make_shared<const std::string>(p->event.dump());

  store::AppendRequest req;
  req.meeting_id = meeting_id_;
  store::StoredEvent& e = req.events.emplace_back();
  e.meeting_id = meeting_id_;
  e.seq = p->seq;
  e.id = p->id;
  e.type = p->event["type"].get<std::string>();
  e.actor_pid = p->event["actor"]["pid"].get<std::string>();
  e.ts = p->event["ts"].get<int64_t>();
  e.replayed = p->replayed;
  e.json = *p->json;
  req.credentials = p->credentials;
  req.prev_id = tentative_last_id_;
  if (on_committed_) p->stored = e;

  SafeApply(tentative_, p->event);
  tentative_head_ = p->seq;
  tentative_last_ts_ = e.ts;
  tentative_last_id_ = p->id;
  pending_ids_[p->id] = p.get();
  const int64_t seq = p->seq;
  pending_.push_back(std::move(p));

  // The callback runs on the store's writer thread; everything else happens back on the room's thread.
  store_.Append(std::move(req), [self = shared_from_this(), seq](Status s) {
    boost::asio::io_context& io = self->io();
    boost::asio::post(
        io, [self = std::move(self), seq, s = std::move(s)]() mutable { self->OnAppended(seq, s); });
  });
}

void Room::OnAppended(int64_t seq, Status status) {
  if (pending_.empty() || seq < pending_.front()->seq) return;
  const size_t index = static_cast<size_t>(seq - pending_.front()->seq);
  if (index >= pending_.size() || pending_[index]->seq != seq) {
    spdlog::error("room {}: append result for unknown seq {}", meeting_id_, seq);
    return;
  }
  pending_[index]->finished = true;
  pending_[index]->status = std::move(status);
  // Results are taken in seq order, whatever order the store reported them in.
  while (!pending_.empty() && pending_.front()->finished) {
    std::unique_ptr<Pending> p = std::move(pending_.front());
    pending_.pop_front();
    pending_ids_.erase(p->id);
    Complete(std::move(p));
  }
  if (pending_.empty()) {
    if (recovering_) {
      Recover();
    } else if (remote_head_ > committed_head_) {
      CatchUp();  // other writers' events that arrived while ours were in flight
    }
    TouchIdle();
  }
}

void Room::Complete(std::unique_ptr<Pending> owned) {
  Pending& p = *owned;
  if (!p.status.ok()) {
    // Every later pending append was built on this one and fails too (its seq no longer follows the
    // head): stop taking new ones until they have drained, then re-read the store.
    if (!recovering_ && p.status.code() != Status::Code::kConflict)
      spdlog::warn("room {}: append of seq {} failed: {}", meeting_id_, p.seq, p.status.ToString());
    recovering_ = true;
    if (p.status.code() == Status::Code::kConflict) {
      // Another writer took the seq: append it again once the room has read what that writer wrote.
      conflicted_ = true;
      auto held = std::make_shared<std::unique_ptr<Pending>>(std::move(owned));
      after_recovery_.push_back([self = shared_from_this(), held] { self->Resubmit(std::move(*held)); });
      return;
    }
    if (p.status.code() == Status::Code::kDuplicate && !p.waiters.empty()) {
      // A retry of an event stored before this room was loaded (its id was not in memory): the
      // pusher gets the original seq, as for any retry.
      ReadThen(SeqOfEvent(meeting_id_, p.id), [waiters = std::move(p.waiters)](std::pair<Status, int64_t> r) {
        for (const PushDone& w : waiters) {
          w(r.first.ok() ? PushResult{std::nullopt, r.second} : PushResult{"unavailable", std::nullopt});
        }
      });
    }
    for (PushDone& w : p.waiters) w({"unavailable", std::nullopt});
    if (p.join) p.join->done("unavailable", {});
    return;
  }
  Fold(p.event, p.seq, p.id, p.replayed, p.json);
  if (on_committed_) on_committed_(p.stored, p.event);
  if (p.join) secret_hashes_[p.join->pid] = p.secret_hash;
  for (PushDone& w : p.waiters) w({std::nullopt, p.seq});
  BroadcastCommitted(p.json);
  if (on_appended_) on_appended_(p.seq, p.json);
  MaybeSnapshot();
  if (p.join) {
    // Answered in the flush, with every other join of this io turn: one state JSON for a join storm.
    joins_to_answer_.push_back([self = shared_from_this(), j = std::move(*p.join)]() mutable {
      self->CompleteJoin(std::move(j.req), std::move(j.pid), std::move(j.secret), j.role, std::move(j.sub),
                         std::move(j.done));
    });
  }
}

void Room::Resubmit(std::unique_ptr<Pending> p) {
  if (auto it = committed_ids_.find(p->id); it != committed_ids_.end()) {
    // The re-read found it stored after all (a retry of it won on another node, or the store failed
    // after committing it).
    for (PushDone& w : p->waiters) w({std::nullopt, it->second});
    if (p->join) {
      // Its participant and credential were stored with it: the join stands.
      Pending::JoinWait& j = *p->join;
      secret_hashes_[j.pid] = p->secret_hash;
      CompleteJoin(std::move(j.req), std::move(j.pid), std::move(j.secret), j.role, std::move(j.sub),
                   std::move(j.done));
    }
    return;
  }
  if (++p->attempts >= kMaxAppendAttempts) {
    spdlog::warn("room {}: event {} lost the race for a seq {} times; giving up", meeting_id_, p->id,
                 p->attempts);
    for (PushDone& w : p->waiters) w({"unavailable", std::nullopt});
    if (p->join) p->join->done("unavailable", {});
    return;
  }
  if (!p->join) {
    // The state moved under it: what was valid may not be any more (a card deleted meanwhile).
    const std::string type = p->event["type"].get<std::string>();
    if (auto reason = domain::Validate(tentative_, p->actor, type, p->event["data"])) {
      for (PushDone& w : p->waiters) w({*reason, std::nullopt});
      return;
    }
    // Whether it is written anonymously depends on the state it now follows (anonymous_cards).
    domain::Stored stored = domain::ToStore(tentative_, p->actor, type, p->event["data"]);
    p->event["actor"] = std::move(stored.actor);
    p->event["data"] = std::move(stored.data);
  }
  p->event.erase("ts");
  p->event.erase("seq");
  Enqueue(std::move(p));
}

void Room::Recover() {
  // recovering_ stays set (new requests wait or are refused) until the store has been re-read.
  ReadThen(LogAfter(meeting_id_, committed_head_),
           [self = shared_from_this()](std::pair<Status, std::vector<store::StoredEvent>> r) {
             self->recovering_ = false;
             self->conflicted_ = false;
             if (!r.first.ok()) {
               spdlog::warn("room {}: re-reading the log failed: {}", self->meeting_id_, r.first.ToString());
               r.second.clear();
             }
             self->FoldRead(r.second);
             std::deque<std::function<void()>> waiting;
             waiting.swap(self->after_recovery_);
             for (auto& w : waiting) w();
           });
}

void Room::OnRemoteEvent(int64_t seq, std::string json) {
  remote_head_ = std::max(remote_head_, seq);
  if (seq <= committed_head_) return;  // our own, or read from the log already
  if (seq == committed_head_ + 1 && pending_.empty() && !recovering_ && !catching_up_) {
    nlohmann::json parsed = nlohmann::json::parse(json, nullptr, false);
    const nlohmann::json* id = parsed.is_object() ? &parsed["id"] : nullptr;
    const nlohmann::json* type = parsed.is_object() ? &parsed["type"] : nullptr;
    if (id && id->is_string() && type && type->is_string()) {
      std::vector<store::StoredEvent> one(1);
      store::StoredEvent& e = one.front();
      e.meeting_id = meeting_id_;
      e.seq = seq;
      e.id = id->get<std::string>();
      e.type = type->get<std::string>();
      e.actor_pid = parsed["actor"].is_object() ? parsed["actor"].value("pid", "") : "";
      e.ts = parsed.value("ts", int64_t{0});
      const domain::EventSpec* spec = domain::FindEventType(e.type);
      e.replayed = spec == nullptr || spec->replay == domain::ReplayClass::kState;
      e.json = std::move(json);
      FoldRead(one);
      return;
    }
    spdlog::warn("room {}: a malformed event came over the bus; reading the log instead", meeting_id_);
  }
  // A gap, or appends of ours in flight (they will conflict, and the re-read folds it): read the log
  // once nothing of ours is pending.
  if (pending_.empty() && !recovering_) CatchUp();
}

void Room::CatchUp() {
  CatchUpThen(nullptr);
}

void Room::CatchUpThen(std::function<void()> then) {
  if (then) after_catch_up_.push_back(std::move(then));
  if (catching_up_) return;
  catching_up_ = true;
  ReadThen(LogAfter(meeting_id_, committed_head_), [self = shared_from_this()](
                                                       std::pair<Status, std::vector<store::StoredEvent>> r) {
    self->catching_up_ = false;
    if (!r.first.ok()) {
      spdlog::warn("room {}: catching up from the log failed: {}", self->meeting_id_, r.first.ToString());
    } else if (self->pending_.empty() && !self->recovering_) {
      self->FoldRead(r.second);
    }
    // With appends of ours in flight the read may be stale for them: they conflict, and the
    // re-read that follows folds it instead.
    std::vector<std::function<void()>> thens;
    thens.swap(self->after_catch_up_);
    for (auto& t : thens) t();
  });
}

void Room::BroadcastCommitted(SharedText json) {
  unsent_.push_back(std::move(json));
  if (flush_posted_) return;
  flush_posted_ = true;
  auto flush = [self = shared_from_this()] {
    self->flush_posted_ = false;
    self->FlushCommitted();
    std::vector<std::function<void()>> joins;
    joins.swap(self->joins_to_answer_);
    for (auto& answer : joins) answer();
  };
  const auto due = last_flush_ + FlushInterval(members_.size());
  if (due <= std::chrono::steady_clock::now()) {
    // Behind the commit results the store has already handed over: they join this batch.
    boost::asio::post(io(), std::move(flush));
    return;
  }
  if (!flush_timer_) flush_timer_ = std::make_unique<boost::asio::steady_timer>(io());
  flush_timer_->expires_at(due);
  flush_timer_->async_wait([flush = std::move(flush)](const boost::system::error_code&) { flush(); });
}

void Room::FlushCommitted() {
  if (unsent_.empty()) return;
  last_flush_ = std::chrono::steady_clock::now();
  std::vector<SharedText> events;
  events.swap(unsent_);
  if (events.size() == 1) return Send("event", std::move(events.front()));
  Send("events", std::make_shared<const std::string>(SpliceArray(
                     "{\"events\":", events.begin(), events.end(),
                     [](const SharedText& e) -> const std::string& { return *e; }, "}")));
}

void Room::Send(std::string_view event, SharedText payload) {
  if (!unsent_.empty()) FlushCommitted();
  Broadcast b{event, std::move(payload), nullptr};
  // Encoded once, here, for every subscriber on every thread.
  b.frame = encoder_ ? encoder_(meeting_id_, event, *b.payload) : b.payload;
  FanOut(std::move(b));
}

void Room::FanOut(Broadcast b) {
  if (fanning_out_ > 0) {
    // Raised from inside a delivery (a socket closing and leaving): keep the order.
    outbox_.push_back(std::move(b));
    return;
  }
  ++fanning_out_;
  for (;;) {
    // One hand-off per thread with subscribers; on the room's own thread, delivered right here.
    for (size_t t = 0; t < members_on_.size(); ++t) {
      if (members_on_[t] == 0) continue;
      RunOn(threads_.at(t), [f = fanouts_[t], b] { f->Deliver(b); });
    }
    if (outbox_.empty()) break;
    b = std::move(outbox_.front());
    outbox_.pop_front();
  }
  --fanning_out_;
}

void Room::TouchIdle() {
  if (idle()) idle_since_ = std::chrono::steady_clock::now();
}

}  // namespace confab::rooms
