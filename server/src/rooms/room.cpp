#include "rooms/room.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <exception>

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
  nlohmann::json event;       // parsed form, applied to the committed state on commit (no re-parse)
  store::StoredEvent stored;  // the row as appended (for the commit hook)
  SharedText json;            // stored and broadcast bytes
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

Room::Room(boost::asio::io_context& io, store::Store& store, std::string meeting_id)
    : io_(io),
      store_(store),
      meeting_id_(std::move(meeting_id)),
      idle_since_(std::chrono::steady_clock::now()) {}

Room::~Room() = default;

Status Room::Load(boost::asio::io_context& io, store::Store& store, std::string meeting_id,
                  std::shared_ptr<Room>* out) {
  store::MeetingRecord rec;
  if (Status s = store.GetMeeting(meeting_id, &rec); !s.ok()) return s;
  std::shared_ptr<Room> room(new Room(io, store, std::move(meeting_id)));
  room->facilitator_token_hash_ = rec.facilitator_token_hash;
  if (Status s = room->ReadLog(); !s.ok()) return s;
  room->loaded_ = true;
  *out = std::move(room);
  return Status::Ok();
}

Status Room::ReadLog() {
  std::vector<store::StoredEvent> events;
  if (Status s = store_.ReadEvents(meeting_id_, committed_head_, 0, false, &events); !s.ok()) return s;
  for (store::StoredEvent& e : events) {
    nlohmann::json parsed = nlohmann::json::parse(e.json, nullptr, false);
    if (parsed.is_discarded()) {
      // The store only holds what a room wrote; a bad row is reported but must not stop the meeting.
      spdlog::error("room {}: stored event seq {} is not JSON", meeting_id_, e.seq);
      parsed = nlohmann::json::object();
    }
    if (loaded_ && on_committed_) on_committed_(e, parsed);
    auto text = std::make_shared<const std::string>(std::move(e.json));
    Fold(parsed, e.seq, e.id, e.replayed, text);
    // An event another writer appended is news to our subscribers (after a conflict).
    if (live_subscribers_ > 0) Send("event", std::move(text));
  }
  tentative_ = committed_;
  tentative_head_ = committed_head_;
  tentative_last_ts_ = committed_last_ts_;
  return Status::Ok();
}

void Room::Fold(const nlohmann::json& event, int64_t seq, const std::string& id, bool replayed,
                SharedText json) {
  SafeApply(committed_, event);
  committed_head_ = seq;
  committed_last_ts_ = std::max(committed_last_ts_, event.value("ts", int64_t{0}));
  committed_ids_[id] = seq;
  if (replayed) replay_.push_back({seq, std::move(json)});
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
    auto it = secret_hashes_.find(*req.pid);
    if (it == secret_hashes_.end()) {
      store::Credential cred;
      Status s = store_.GetCredential(meeting_id_, *req.pid, &cred);
      if (s.code() == Status::Code::kNotFound) return done("bad_credentials", {});
      if (!s.ok()) return done("unavailable", {});
      it = secret_hashes_.emplace(*req.pid, cred.secret_hash).first;
    }
    if (!DigestEquals(HashSecret(*req.secret), it->second)) return done("bad_credentials", {});
    std::string pid = *req.pid;
    return CompleteJoin(req, std::move(pid), "", role, sub, done);
  }

  // A new participant: its participant_joined and credential commit together; reply after that.
  if (recovering_) return done("unavailable", {});
  auto p = std::make_unique<Pending>();
  std::string pid = "p_" + RandomHex(8);
  std::string secret = RandomHex(16);
  p->id = RandomUuid();
  p->event = {{"id", p->id},
              {"type", "participant_joined"},
              {"actor", {{"pid", pid}, {"name", req.name}}},
              {"data", {{"name", req.name}}}};
  p->secret_hash = HashSecret(secret);
  std::vector<store::Credential> creds{{meeting_id_, pid, p->secret_hash}};
  p->join = Pending::JoinWait{std::move(req), std::move(pid), std::move(secret),
                              role,           std::move(sub), std::move(done)};
  Enqueue(std::move(p), std::move(creds));
}

void Room::CompleteJoin(const JoinRequest& req, std::string pid, std::string secret, domain::Role role,
                        const std::weak_ptr<Subscriber>& sub, const JoinDone& done) {
  JoinResult r;
  r.name = domain::ParticipantName(committed_, pid);
  if (r.name.empty()) r.name = req.name;
  r.pid = std::move(pid);
  r.secret = std::move(secret);
  r.role = role;
  r.head_seq = committed_head_;
  int64_t after = 0;
  if (req.since && *req.since <= committed_head_) {
    r.resumed = true;
    after = *req.since;
  }
  auto first = std::upper_bound(replay_.begin(), replay_.end(), after,
                                [](int64_t seq, const CachedEvent& e) { return seq < e.seq; });
  size_t bytes = 2;
  for (auto it = first; it != replay_.end(); ++it) bytes += it->json->size() + 1;
  r.events_json.reserve(bytes);
  r.events_json.push_back('[');
  for (auto it = first; it != replay_.end(); ++it) {
    if (it != first) r.events_json.push_back(',');
    r.events_json.append(*it->json);
  }
  r.events_json.push_back(']');
  // Subscribing in the same handler as the snapshot: events after head_seq arrive as broadcasts.
  if (auto s = sub.lock()) {
    subscribers_.push_back(std::move(s));
    ++live_subscribers_;
  }
  done(std::nullopt, std::move(r));
}

void Room::Leave(const Subscriber* sub) {
  auto it =
      std::find_if(subscribers_.begin(), subscribers_.end(), [&](const auto& s) { return s.get() == sub; });
  if (it == subscribers_.end()) return;
  if (fanning_out_ > 0) {
    it->reset();  // compacted when the fan-out ends
  } else {
    subscribers_.erase(it);
  }
  --live_subscribers_;
  TouchIdle();
}

void Room::Push(PushRequest req, PushDone done) {
  if (auto it = committed_ids_.find(req.id); it != committed_ids_.end()) {
    return done({std::nullopt, it->second});
  }
  if (auto it = pending_ids_.find(req.id); it != pending_ids_.end()) {
    it->second->waiters.push_back(std::move(done));
    return;
  }
  if (recovering_) return done({"unavailable", std::nullopt});
  if (std::string name = domain::ParticipantName(tentative_, req.actor.pid); !name.empty()) {
    req.actor.name = std::move(name);
  }
  if (auto reason = domain::Validate(tentative_, req.actor, req.type, req.data)) {
    return done({std::move(*reason), std::nullopt});
  }
  const domain::EventSpec* spec = domain::FindEventType(req.type);
  if (spec == nullptr) return done({"unknown_type", std::nullopt});

  const int64_t ts = std::max(NowMs(), tentative_last_ts_);
  nlohmann::json event = {{"id", std::move(req.id)},
                          {"type", std::move(req.type)},
                          {"actor", {{"pid", req.actor.pid}, {"name", req.actor.name}}},
                          {"ts", ts},
                          {"data", std::move(req.data)}};
  if (spec->replay == domain::ReplayClass::kTransient) {
    // Not stored, no seq: only the people here now care.
    Send("event", std::make_shared<const std::string>(event.dump()));
    return done({std::nullopt, std::nullopt});
  }
  auto p = std::make_unique<Pending>();
  p->id = event["id"].get<std::string>();
  p->event = std::move(event);
  p->replayed = spec->replay == domain::ReplayClass::kState;
  p->waiters.push_back(std::move(done));
  Enqueue(std::move(p), {});
}

void Room::Enqueue(std::unique_ptr<Pending> p, std::vector<store::Credential> credentials) {
  p->seq = tentative_head_ + 1;
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
  req.credentials = std::move(credentials);
  if (on_committed_) p->stored = e;

  SafeApply(tentative_, p->event);
  tentative_head_ = p->seq;
  tentative_last_ts_ = e.ts;
  pending_ids_[p->id] = p.get();
  const int64_t seq = p->seq;
  pending_.push_back(std::move(p));

  // The callback runs on the store's writer thread; everything else happens back on the io thread.
  store_.Append(std::move(req), [self = shared_from_this(), seq](Status s) {
    boost::asio::io_context& io = self->io_;
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
    Complete(*p);
  }
  if (pending_.empty()) {
    if (recovering_) Recover();
    TouchIdle();
  }
}

void Room::Complete(Pending& p) {
  if (!p.status.ok()) {
    // Every later pending append was built on this one and fails too (its seq no longer follows the
    // head): stop taking new ones until they have drained, then re-read the store.
    if (!recovering_)
      spdlog::warn("room {}: append of seq {} failed: {}", meeting_id_, p.seq, p.status.ToString());
    recovering_ = true;
    for (PushDone& w : p.waiters) w({"unavailable", std::nullopt});
    if (p.join) p.join->done("unavailable", {});
    return;
  }
  Fold(p.event, p.seq, p.id, p.replayed, p.json);
  if (on_committed_) on_committed_(p.stored, p.event);
  if (p.join) secret_hashes_[p.join->pid] = p.secret_hash;
  for (PushDone& w : p.waiters) w({std::nullopt, p.seq});
  Send("event", p.json);
  if (p.join) {
    Pending::JoinWait& j = *p.join;
    CompleteJoin(j.req, std::move(j.pid), std::move(j.secret), j.role, j.sub, j.done);
  }
}

void Room::Recover() {
  recovering_ = false;
  if (Status s = ReadLog(); !s.ok()) {
    spdlog::warn("room {}: re-reading the log failed: {}", meeting_id_, s.ToString());
    tentative_ = committed_;
    tentative_head_ = committed_head_;
    tentative_last_ts_ = committed_last_ts_;
  }
}

void Room::Send(std::string_view event, SharedText payload) {
  FanOut(Broadcast{event, std::move(payload), nullptr});
}

void Room::FanOut(Broadcast b) {
  if (fanning_out_ > 0) {
    // Raised from inside a delivery (a socket closing and leaving): keep the order.
    outbox_.push_back(std::move(b));
    return;
  }
  ++fanning_out_;
  for (;;) {
    const size_t n = subscribers_.size();
    for (size_t i = 0; i < n; ++i) {
      if (subscribers_[i]) subscribers_[i]->Deliver(b);
    }
    if (outbox_.empty()) break;
    b = std::move(outbox_.front());
    outbox_.pop_front();
  }
  --fanning_out_;
  std::erase_if(subscribers_, [](const auto& s) { return !s; });
}

void Room::TouchIdle() {
  if (idle()) idle_since_ = std::chrono::steady_clock::now();
}

}  // namespace confab::rooms
