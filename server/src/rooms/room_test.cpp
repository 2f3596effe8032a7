// Room: the write path (sequencing, pipelining, idempotency, failures) and the join snapshot.
#include "rooms/room.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "rooms/room_registry.hpp"
#include "rooms/testing.hpp"
#include "store/forwarding_store.hpp"
#include "store/reader_pool.hpp"
#include "util/thread_role.hpp"

namespace confab::rooms {
namespace {

using testing::CreateMeeting;
using testing::RunUntil;
using testing::TestStore;

// The events of one broadcast: one for "event", several for "events", none otherwise.
std::vector<nlohmann::json> EventsOf(const Broadcast& b) {
  if (b.event == "event") return {nlohmann::json::parse(*b.payload)};
  if (b.event != "events") return {};
  auto batch = nlohmann::json::parse(*b.payload)["events"];
  EXPECT_GE(batch.size(), 2u) << "a batch of one is sent as \"event\"";
  return {batch.begin(), batch.end()};
}

// Records what the room fans out to it.
class RecordingSubscriber : public Subscriber {
 public:
  void Deliver(const Broadcast& b) override {
    // Without an encoder the room sends the payload itself as the frame; it never sends none.
    EXPECT_TRUE(b.frame);
    for (auto& e : EventsOf(b)) events.push_back(std::move(e));
    if (b.event == "event" || b.event == "events") frames.emplace_back(b.event);
    ++deliveries;
  }
  std::vector<int64_t> Seqs() const {
    std::vector<int64_t> out;
    for (const auto& e : events) out.push_back(e.value("seq", int64_t{-1}));
    return out;
  }
  std::vector<nlohmann::json> events;
  std::vector<std::string> frames;  // "event" / "events", one per frame of events
  int deliveries = 0;
};

// Holds appends until Release, then hands their results to the room all in one go, as a store's
// group commit does for one batch.
class GatedStore : public store::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  void Append(store::AppendRequest req, std::function<void(Status)> done) override {
    held_.push_back({std::move(req), std::move(done)});
  }
  // Appends what is held, waits until all of it is durable, then reports every result.
  void Release() {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<Status> results(held_.size());
    size_t left = held_.size();
    for (size_t i = 0; i < held_.size(); ++i) {
      inner_.Append(std::move(held_[i].first), [&, i](Status s) {
        std::lock_guard lock(mu);
        results[i] = std::move(s);
        --left;
        cv.notify_all();
      });
    }
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return left == 0; });
    for (size_t i = 0; i < held_.size(); ++i) held_[i].second(results[i]);
    held_.clear();
  }
  size_t held() const { return held_.size(); }

 private:
  std::vector<std::pair<store::AppendRequest, std::function<void(Status)>>> held_;
};

// The state a join reply carries.
nlohmann::json StateOf(const JoinResult& r) {
  EXPECT_FALSE(r.resumed);
  EXPECT_TRUE(r.state_json);
  return r.state_json ? nlohmann::json::parse(*r.state_json) : nlohmann::json();
}

// Forwards to a real store; fails the appends whose 1-based call number is in `fail`.
class FlakyStore : public store::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  void Append(store::AppendRequest req, std::function<void(Status)> done) override {
    if (fail.contains(++calls)) {
      done(Status::IoError("injected"));
      return;
    }
    inner_.Append(std::move(req), std::move(done));
  }

  std::set<int> fail;  // touched by the test thread only (which is the room's io thread)
  int calls = 0;
};

class RoomTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CreateMeeting(*store_, "m1", "tok");
    ASSERT_TRUE(Room::Load(threads_, reader_, "m1", &room_).ok());
  }

  struct Joined {
    std::optional<std::string> reason;
    JoinResult result;
    bool done = false;
  };
  // Joins (on the room's thread, as a channel does) and waits for the answer.
  Joined Join(JoinRequest req, std::shared_ptr<Subscriber> sub = nullptr, Room* room = nullptr) {
    auto out = std::make_shared<Joined>();
    std::shared_ptr<Room> target = room ? room->shared_from_this() : room_;
    boost::asio::post(
        io_, [target, req = std::move(req), weak = std::weak_ptr<Subscriber>(sub), out]() mutable {
          target->Join(std::move(req), weak, [out](std::optional<std::string> reason, JoinResult r) {
            out->reason = std::move(reason);
            out->result = std::move(r);
            out->done = true;
          });
        });
    EXPECT_TRUE(RunUntil(io_, [&] { return out->done; }));
    return *out;
  }
  Joined NewParticipant(std::string name, std::shared_ptr<Subscriber> sub = nullptr) {
    JoinRequest req;
    req.name = std::move(name);
    return Join(std::move(req), std::move(sub));
  }

  // Pushes without waiting: posted to the room's thread, as a channel does (so pushes made one after
  // the other all run before any commit comes back); the result lands in the returned slot.
  std::shared_ptr<std::optional<PushResult>> PushAsync(const std::string& pid, std::string id,
                                                       std::string type, nlohmann::json data,
                                                       Room* room = nullptr) {
    auto slot = std::make_shared<std::optional<PushResult>>();
    PushRequest req{std::move(id), std::move(type), std::move(data),
                    domain::Actor{pid, "", domain::Role::kParticipant}};
    std::shared_ptr<Room> target = room ? room->shared_from_this() : room_;
    boost::asio::post(io_, [target, req = std::move(req), slot]() mutable {
      target->Push(std::move(req), [slot](PushResult r) { *slot = std::move(r); });
    });
    return slot;
  }
  PushResult Push(const std::string& pid, std::string id, std::string type, nlohmann::json data) {
    auto slot = PushAsync(pid, std::move(id), std::move(type), std::move(data));
    EXPECT_TRUE(RunUntil(io_, [&] { return slot->has_value(); }));
    return slot->value_or(PushResult{"timeout", std::nullopt});
  }
  static nlohmann::json Card(const std::string& card_id, const std::string& title = "Why are builds slow?") {
    return {{"card_id", card_id}, {"title", title}};
  }
  std::vector<store::StoredEvent> StoredEvents(int64_t after = 0, bool replayed_only = false) {
    std::vector<store::StoredEvent> out;
    EXPECT_TRUE(store_->ReadEvents("m1", after, 0, replayed_only, &out).ok());
    return out;
  }
  // The events as a JSON array, as a join reply carries them.
  static nlohmann::json AsArray(const std::vector<store::StoredEvent>& events) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : events) out.push_back(nlohmann::json::parse(e.json));
    return out;
  }
  // Stores a snapshot of `room`'s committed state, as the room itself does every kSnapshotEvery events.
  void PutSnapshotOf(const Room& room) {
    const int64_t ts = StoredEvents().back().ts;
    ASSERT_TRUE(store::testing::PutSnapshotAndWait(
                    *store_, store::Snapshot{"m1", room.head_seq(), ts, domain::ToJson(room.state()).dump()})
                    .ok());
  }

  // Destroyed in reverse: the room, the reader pool (before the store it reads), the store, then the
  // io_context (with whatever handlers it still holds).
  boost::asio::io_context io_;
  TestStore store_;
  store::ReaderPool reader_{*store_, 2};
  IoThreads threads_{io_};
  std::shared_ptr<Room> room_;
};

constexpr int64_t kAny = std::numeric_limits<int64_t>::max();

TEST_F(RoomTest, LoadOfUnknownMeetingIsNotFound) {
  std::shared_ptr<Room> room;
  EXPECT_EQ(Room::Load(threads_, reader_, "nope", &room).code(), Status::Code::kNotFound);
}

TEST_F(RoomTest, NewParticipantIsCreatedDurablyAndGetsTheState) {
  auto other = std::make_shared<RecordingSubscriber>();
  auto first = NewParticipant("Grace", other);
  ASSERT_FALSE(first.reason);

  auto j = NewParticipant("Ada");
  ASSERT_FALSE(j.reason) << *j.reason;
  EXPECT_EQ(j.result.pid.rfind("p_", 0), 0u);
  EXPECT_EQ(j.result.secret.size(), 32u);
  EXPECT_EQ(j.result.role, domain::Role::kParticipant);
  EXPECT_EQ(j.result.head_seq, 3);
  // The state at head_seq, its own participant_joined folded in: what folding the log gives.
  const nlohmann::json state = StateOf(j.result);
  EXPECT_EQ(state, domain::ToJson(room_->state()));
  EXPECT_EQ(state["last_seq"], 3);
  EXPECT_EQ(state["participants"][j.result.pid]["name"], "Ada");
  EXPECT_EQ(state["participants"][first.result.pid]["name"], "Grace");
  EXPECT_TRUE(j.result.events_json.empty());
  // Durable before the answer, credential included; the earlier joiner saw it as a broadcast.
  EXPECT_EQ(room_->head_seq(), 3);
  EXPECT_EQ(StoredEvents().size(), 3u);
  store::Credential cred;
  ASSERT_TRUE(store_->GetCredential("m1", j.result.pid, &cred).ok());
  EXPECT_EQ(cred.secret_hash, HashSecret(j.result.secret));
  EXPECT_EQ(other->Seqs(), std::vector<int64_t>{3});
}

TEST_F(RoomTest, ReturningParticipantNeedsItsSecret) {
  auto j = NewParticipant("Ada");
  ASSERT_FALSE(j.reason);
  JoinRequest again;
  again.name = "Ada";
  again.pid = j.result.pid;
  again.secret = j.result.secret;
  auto ok = Join(again);
  ASSERT_FALSE(ok.reason);
  EXPECT_EQ(ok.result.pid, j.result.pid);
  EXPECT_TRUE(ok.result.secret.empty());  // only handed out once
  EXPECT_EQ(room_->head_seq(), 2);        // no second participant_joined

  again.secret = "wrong";
  EXPECT_EQ(Join(again).reason, "bad_credentials");
  again.secret.reset();
  EXPECT_EQ(Join(again).reason, "bad_credentials");
  again.pid = "p_unknown";
  again.secret = j.result.secret;
  EXPECT_EQ(Join(again).reason, "bad_credentials");
}

TEST_F(RoomTest, FacilitatorTokenGivesTheRole) {
  JoinRequest req;
  req.name = "Fay";
  req.token = "tok";
  auto j = Join(req);
  ASSERT_FALSE(j.reason);
  EXPECT_EQ(j.result.role, domain::Role::kFacilitator);
  req.token = "not-the-token";
  EXPECT_EQ(Join(req).reason, "bad_credentials");
}

TEST_F(RoomTest, PipelinedPushesFromSeveralActorsAreAckedAndBroadcastInSeqOrder) {
  auto watcher = std::make_shared<RecordingSubscriber>();
  std::vector<std::string> pids;
  for (const char* name : {"Ada", "Grace", "Barbara"}) pids.push_back(NewParticipant(name).result.pid);
  ASSERT_FALSE(NewParticipant("Watcher", watcher).reason);
  const int64_t head = room_->head_seq();

  // All pushed before any commit: they are validated against the tentative state and in flight together.
  constexpr int kPushes = 60;
  std::vector<std::shared_ptr<std::optional<PushResult>>> slots;
  std::vector<int64_t> ack_order;
  for (int i = 0; i < kPushes; ++i) {
    PushRequest req{"e" + std::to_string(i), "card_added", Card("k" + std::to_string(i)),
                    domain::Actor{pids[i % 3], "", domain::Role::kParticipant}};
    auto slot = std::make_shared<std::optional<PushResult>>();
    slots.push_back(slot);
    boost::asio::post(io_, [room = room_, req = std::move(req), slot, &ack_order]() mutable {
      room->Push(std::move(req), [slot, &ack_order](PushResult r) {
        ack_order.push_back(r.seq.value_or(-1));
        *slot = std::move(r);
      });
    });
  }
  ASSERT_TRUE(
      RunUntil(io_, [&] { return ack_order.size() == kPushes && watcher->events.size() == kPushes; }));
  std::vector<int64_t> expected;
  for (int i = 0; i < kPushes; ++i) expected.push_back(head + 1 + i);
  EXPECT_EQ(ack_order, expected);  // acks in seq order, seq = push order
  for (int i = 0; i < kPushes; ++i) EXPECT_EQ(slots[i]->value().seq, head + 1 + i);
  EXPECT_EQ(watcher->Seqs(), expected);  // each broadcast once, in order, only after commit
  EXPECT_EQ(room_->head_seq(), head + kPushes);
  auto stored = StoredEvents();
  ASSERT_EQ(stored.size(), static_cast<size_t>(head + kPushes));
  for (size_t i = 0; i < stored.size(); ++i) EXPECT_EQ(stored[i].seq, static_cast<int64_t>(i + 1));
  EXPECT_EQ(stored.back().actor_pid, pids[(kPushes - 1) % 3]);
}

TEST_F(RoomTest, ValidationSeesPendingEvents) {
  auto pid = NewParticipant("Ada").result.pid;
  auto add = PushAsync(pid, "e1", "card_added", Card("k1"));
  // k1 is not committed yet, but it exists in the tentative state.
  auto edit = PushAsync(pid, "e2", "card_edited", Card("k1", "Better title"));
  auto dup = PushAsync(pid, "e3", "card_added", Card("k1"));
  ASSERT_TRUE(RunUntil(io_, [&] { return add->has_value() && edit->has_value() && dup->has_value(); }));
  EXPECT_EQ(add->value().seq, 3);
  EXPECT_EQ(edit->value().seq, 4);
  EXPECT_EQ(dup->value().reason, "duplicate_id");
  EXPECT_EQ(room_->head_seq(), 4);
}

TEST_F(RoomTest, RejectedEventsChangeNothing) {
  auto pid = NewParticipant("Ada").result.pid;
  EXPECT_EQ(Push(pid, "e1", "no_such_type", {}).reason, "unknown_type");
  EXPECT_EQ(Push(pid, "e2", "participant_joined", {{"name", "x"}}).reason, "unknown_type");
  EXPECT_EQ(Push(pid, "e3", "phase_changed", {{"phase", "vote"}}).reason, "not_facilitator");
  EXPECT_EQ(Push("p_stranger", "e4", "card_added", Card("k1")).reason, "not_joined");
  EXPECT_EQ(Push(pid, "e5", "card_added", Card("k1", std::string(141, 'x'))).reason, "title_too_long");
  EXPECT_EQ(room_->head_seq(), 2);
  EXPECT_EQ(StoredEvents().size(), 2u);
}

TEST_F(RoomTest, RetriedIdGetsTheOriginalSeqAndAppliesNothing) {
  auto pid = NewParticipant("Ada").result.pid;
  auto first = PushAsync(pid, "same", "card_added", Card("k1"));
  auto retry_pending = PushAsync(pid, "same", "card_added", Card("k1"));  // while the first is in flight
  ASSERT_TRUE(RunUntil(io_, [&] { return first->has_value() && retry_pending->has_value(); }));
  EXPECT_EQ(first->value().seq, 3);
  EXPECT_EQ(retry_pending->value().seq, 3);
  EXPECT_EQ(Push(pid, "same", "card_added", Card("k1")).seq, 3);  // after the commit
  EXPECT_EQ(StoredEvents().size(), 3u);

  // Across a reload (a restart): the ids come from the log.
  std::shared_ptr<Room> reloaded;
  ASSERT_TRUE(Room::Load(threads_, reader_, "m1", &reloaded).ok());
  auto slot = PushAsync(pid, "same", "card_added", Card("k1"), reloaded.get());
  ASSERT_TRUE(RunUntil(io_, [&] { return slot->has_value(); }));
  EXPECT_EQ(slot->value().seq, 3);
}

TEST_F(RoomTest, TransientEventsAreBroadcastWithoutSeqAndNotStored) {
  auto watcher = std::make_shared<RecordingSubscriber>();
  auto pid = NewParticipant("Ada", watcher).result.pid;
  auto r = Push(pid, "t1", "typing", {{"card_id", "k1"}});
  EXPECT_FALSE(r.reason);
  EXPECT_FALSE(r.seq);
  ASSERT_EQ(watcher->events.size(), 1u);
  EXPECT_FALSE(watcher->events[0].contains("seq"));
  EXPECT_EQ(watcher->events[0]["type"], "typing");
  EXPECT_EQ(watcher->events[0]["actor"]["name"], "Ada");
  EXPECT_EQ(StoredEvents().size(), 2u);
}

TEST_F(RoomTest, MomentsAreStoredButNotReplayed) {
  auto ada = NewParticipant("Ada");
  const std::string pid = ada.result.pid;
  EXPECT_EQ(Push(pid, "r1", "reaction", {{"emoji", "👍"}}).seq, 3);
  auto stored = StoredEvents();
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_FALSE(stored[2].replayed);
  JoinRequest req;
  req.name = "Late";
  auto j = Join(req);
  ASSERT_FALSE(j.reason);
  EXPECT_EQ(j.result.head_seq, 4);
  EXPECT_EQ(StateOf(j.result)["last_seq"], 4);  // the reaction moved the head, nothing else

  // A resume from before it gets the state events only.
  JoinRequest back{"Ada", pid, ada.result.secret, std::nullopt, int64_t{2}};
  auto resumed = Join(back);
  ASSERT_FALSE(resumed.reason);
  EXPECT_TRUE(resumed.result.resumed);
  auto events = nlohmann::json::parse(resumed.result.events_json);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "participant_joined");
  EXPECT_EQ(events[0]["seq"], 4);
}

TEST_F(RoomTest, JoinWithSinceGetsOnlyLaterStateEvents) {
  auto ada = NewParticipant("Ada");
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(
        Push(ada.result.pid, "e" + std::to_string(i), "card_added", Card("k" + std::to_string(i))).seq);
  JoinRequest req{"Ada", ada.result.pid, ada.result.secret, std::nullopt, int64_t{4}};
  auto j = Join(req);
  ASSERT_FALSE(j.reason);
  EXPECT_TRUE(j.result.resumed);
  EXPECT_EQ(j.result.head_seq, 7);
  std::vector<int64_t> seqs;
  for (const auto& e : nlohmann::json::parse(j.result.events_json)) seqs.push_back(e["seq"]);
  EXPECT_EQ(seqs, (std::vector<int64_t>{5, 6, 7}));

  req.since = 7;
  j = Join(req);
  EXPECT_TRUE(j.result.resumed);
  EXPECT_EQ(j.result.events_json, "[]");

  req.since = 99;  // ahead of the log (e.g. a database restored from backup): start over
  j = Join(req);
  EXPECT_FALSE(j.result.resumed);
  EXPECT_EQ(StateOf(j.result), domain::ToJson(room_->state()));
}

// In a crowded room broadcasts are spaced FlushInterval apart: events committed one after the other
// share frames instead of costing every member one frame each.
TEST_F(RoomTest, ACrowdedRoomSpacesItsBroadcasts) {
  EXPECT_EQ(FlushInterval(50), std::chrono::microseconds(500));
  EXPECT_EQ(FlushInterval(100'000), std::chrono::milliseconds(50));
  // Counts frames only: a crowd of 5,000 must cost little to deliver to, even under sanitizers.
  struct Counting : Subscriber {
    void Deliver(const Broadcast&) override { ++frames; }
    int frames = 0;
  };
  auto ada = NewParticipant("Ada");
  ASSERT_FALSE(ada.reason);
  auto watcher = std::make_shared<RecordingSubscriber>();
  std::vector<std::shared_ptr<Counting>> crowd;
  // Returning sockets (no appends): 5,000 members, a 50 ms interval.
  JoinRequest again{"Ada", ada.result.pid, ada.result.secret, std::nullopt, std::nullopt};
  boost::asio::post(io_, [&] { room_->Join(again, watcher, [](auto, auto) {}); });
  for (int i = 1; i < 5000; ++i) {
    crowd.push_back(std::make_shared<Counting>());
    boost::asio::post(io_, [&, sub = crowd.back()] { room_->Join(again, sub, [](auto, auto) {}); });
  }
  ASSERT_TRUE(RunUntil(io_, [&] { return room_->subscriber_count() == 5000; }));
  // Each push waits for its commit, so without spacing each would be a frame of its own; with it,
  // pushes that commit within 50 ms of the last broadcast share the next one.
  constexpr int kPushes = 20;
  std::vector<int64_t> seqs;
  for (int i = 0; i < kPushes; ++i) {
    auto r = Push(ada.result.pid, "e" + std::to_string(i), "card_added", Card("k" + std::to_string(i)));
    ASSERT_TRUE(r.seq);
    seqs.push_back(*r.seq);
  }
  ASSERT_TRUE(RunUntil(io_, [&] { return watcher->events.size() == kPushes; }));
  EXPECT_EQ(watcher->Seqs(), seqs);
  EXPECT_LT(watcher->frames.size(), static_cast<size_t>(kPushes));
  EXPECT_EQ(crowd.back()->frames, static_cast<int>(watcher->frames.size()));
}

// Further behind than the events a room keeps, a resume costs the state, not the history.
TEST_F(RoomTest, JoinFarBehindGetsTheStateInstead) {
  auto ada = NewParticipant("Ada");
  const std::string pid = ada.result.pid;
  ASSERT_TRUE(Push(pid, "add", "card_added", Card("k")).seq);
  std::vector<std::shared_ptr<std::optional<PushResult>>> edits;
  for (size_t i = 0; i < kResumeWindow + 10; ++i) {
    edits.push_back(
        PushAsync(pid, "edit" + std::to_string(i), "card_edited", Card("k", "t" + std::to_string(i))));
  }
  ASSERT_TRUE(RunUntil(io_, [&] { return edits.back()->has_value(); }));
  ASSERT_TRUE(edits.back()->value().seq);
  const int64_t head = room_->head_seq();

  JoinRequest req{"Ada", pid, ada.result.secret, std::nullopt, int64_t{2}};
  auto far = Join(req);
  ASSERT_FALSE(far.reason);
  EXPECT_EQ(far.result.head_seq, head);
  EXPECT_EQ(StateOf(far.result), domain::ToJson(room_->state()));

  req.since = head - static_cast<int64_t>(kResumeWindow);  // just inside the window
  auto near = Join(req);
  ASSERT_TRUE(near.result.resumed);
  EXPECT_EQ(nlohmann::json::parse(near.result.events_json).size(), kResumeWindow);
}

TEST_F(RoomTest, JoinWhileAppendsArePendingSeesEveryEventExactlyOnce) {
  auto pid = NewParticipant("Ada").result.pid;
  std::vector<std::shared_ptr<std::optional<PushResult>>> before, after;
  for (int i = 0; i < 10; ++i)
    before.push_back(PushAsync(pid, "b" + std::to_string(i), "card_added", Card("b" + std::to_string(i))));
  // The join's participant_joined queues behind them; more pushes queue behind it.
  auto sub = std::make_shared<RecordingSubscriber>();
  auto joined = std::make_shared<std::optional<JoinResult>>();
  JoinRequest req;
  req.name = "Late";
  boost::asio::post(io_, [room = room_, req, weak = std::weak_ptr<Subscriber>(sub), joined] {
    room->Join(req, weak, [joined](std::optional<std::string> reason, JoinResult r) {
      if (!reason) *joined = std::move(r);
    });
  });
  for (int i = 0; i < 10; ++i)
    after.push_back(PushAsync(pid, "a" + std::to_string(i), "card_added", Card("a" + std::to_string(i))));
  ASSERT_TRUE(RunUntil(io_, [&] { return joined->has_value() && after.back()->has_value(); }));

  // The state covers up to head_seq; the broadcasts bring exactly what follows.
  // (The reply may come after some of the later pushes committed: it is answered at the end of the
  // io turn in which its own participant_joined committed.)
  ASSERT_TRUE(
      RunUntil(io_, [&] { return static_cast<int64_t>(sub->events.size()) + (*joined)->head_seq == 23; }));
  const nlohmann::json state = StateOf(**joined);
  const int64_t head = (*joined)->head_seq;
  EXPECT_GE(head, 13);  // 2 + 10 before + its own
  EXPECT_EQ(state["last_seq"], head);
  EXPECT_EQ(state["cards"].size(), static_cast<size_t>(head - 3));  // all but meeting_created and two joins
  std::vector<int64_t> after_head;
  for (int64_t s = head + 1; s <= room_->head_seq(); ++s) after_head.push_back(s);
  EXPECT_EQ(sub->Seqs(), after_head);
}

// The results of one store batch reach a subscriber as one "events" frame; joins answered in it
// share one encoding of the state.
TEST_F(RoomTest, EventsOfOneStoreBatchGoOutAsOneFrame) {
  GatedStore gated(*store_);
  store::ReaderPool gated_reader(gated, 1);
  std::shared_ptr<Room> room;
  ASSERT_TRUE(Room::Load(threads_, gated_reader, "m1", &room).ok());
  auto watcher = std::make_shared<RecordingSubscriber>();
  JoinRequest req;
  req.name = "Ada";
  auto slot = std::make_shared<Joined>();
  boost::asio::post(io_, [&, slot] {
    room->Join(req, watcher, [slot](std::optional<std::string> reason, JoinResult r) {
      slot->reason = std::move(reason);
      slot->result = std::move(r);
      slot->done = true;
    });
  });
  ASSERT_TRUE(RunUntil(io_, [&] { return gated.held() == 1; }));
  gated.Release();
  ASSERT_TRUE(RunUntil(io_, [&] { return slot->done; }));
  const std::string pid = slot->result.pid;

  std::vector<std::shared_ptr<std::optional<PushResult>>> pushes;
  for (int i = 0; i < 5; ++i) {
    pushes.push_back(
        PushAsync(pid, "e" + std::to_string(i), "card_added", Card("k" + std::to_string(i)), room.get()));
  }
  // Three newcomers in the same batch.
  std::vector<std::shared_ptr<Joined>> joiners;
  for (int i = 0; i < 3; ++i) {
    auto j = joiners.emplace_back(std::make_shared<Joined>());
    boost::asio::post(io_, [&, j, i] {
      JoinRequest r;
      r.name = "New" + std::to_string(i);
      room->Join(r, std::weak_ptr<Subscriber>(), [j](std::optional<std::string> reason, JoinResult res) {
        j->reason = std::move(reason);
        j->result = std::move(res);
        j->done = true;
      });
    });
  }
  ASSERT_TRUE(RunUntil(io_, [&] { return gated.held() == 8; }));
  gated.Release();
  // Acks go out as results come in; the broadcast follows at the end of that io turn.
  ASSERT_TRUE(RunUntil(io_, [&] { return joiners.back()->done && watcher->events.size() == 8; }));

  EXPECT_EQ(watcher->frames, (std::vector<std::string>{"events"}));
  EXPECT_EQ(watcher->Seqs(), (std::vector<int64_t>{3, 4, 5, 6, 7, 8, 9, 10}));
  for (const auto& j : joiners) {
    ASSERT_FALSE(j->reason) << *j->reason;
    EXPECT_EQ(j->result.head_seq, 10);
    EXPECT_EQ(j->result.state_json, joiners.front()->result.state_json);  // the same bytes, shared
  }
  EXPECT_EQ(StateOf(joiners.front()->result)["participants"].size(), 4u);

  // One event alone is still a plain "event".
  auto one = PushAsync(pid, "last", "card_added", Card("k9"), room.get());
  ASSERT_TRUE(RunUntil(io_, [&] { return gated.held() == 1; }));
  gated.Release();
  ASSERT_TRUE(RunUntil(io_, [&] { return one->has_value() && watcher->frames.size() == 2; }));
  EXPECT_EQ(watcher->frames, (std::vector<std::string>{"events", "event"}));
  EXPECT_EQ(watcher->Seqs().back(), 11);
}

TEST_F(RoomTest, StoreFailureFailsThePipelineThenRecovers) {
  FlakyStore flaky(*store_);
  store::ReaderPool flaky_reader(flaky, 1);
  std::shared_ptr<Room> room;
  ASSERT_TRUE(Room::Load(threads_, flaky_reader, "m1", &room).ok());
  auto watcher = std::make_shared<RecordingSubscriber>();
  JoinRequest req;
  req.name = "Ada";
  auto j = Join(req, watcher, room.get());
  ASSERT_FALSE(j.reason);
  const std::string pid = j.result.pid;
  flaky.fail = {flaky.calls + 2};  // the second of the next pushes fails
  std::vector<std::shared_ptr<std::optional<PushResult>>> slots;
  for (int i = 0; i < 4; ++i)
    slots.push_back(
        PushAsync(pid, "e" + std::to_string(i), "card_added", Card("k" + std::to_string(i)), room.get()));
  ASSERT_TRUE(RunUntil(io_, [&] {
    for (auto& s : slots)
      if (!s->has_value()) return false;
    return true;
  }));
  EXPECT_EQ(slots[0]->value().seq, 3);
  // The failed one is unavailable. The ones built on it were refused by the store (their seq no
  // longer followed the head); after the re-read they were validated again and appended.
  EXPECT_EQ(slots[1]->value().reason, "unavailable");
  EXPECT_EQ(slots[2]->value().seq, 4);
  EXPECT_EQ(slots[3]->value().seq, 5);
  EXPECT_EQ(watcher->Seqs(), (std::vector<int64_t>{3, 4, 5}));
  // A client retries the failed one with the same id (bounded here by a deadline): k1 was never
  // applied, so it takes the next seq.
  PushResult again;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    auto slot = PushAsync(pid, "e1", "card_added", Card("k1"), room.get());
    ASSERT_TRUE(RunUntil(io_, [&] { return slot->has_value(); }));
    again = slot->value();
  } while (again.reason == "unavailable" && std::chrono::steady_clock::now() < deadline);
  EXPECT_FALSE(again.reason) << *again.reason;
  EXPECT_EQ(again.seq, 6);
  EXPECT_EQ(room->head_seq(), 6);
  EXPECT_EQ(StoredEvents().size(), 6u);
  EXPECT_EQ(watcher->Seqs(), (std::vector<int64_t>{3, 4, 5, 6}));
}

// Two rooms of one meeting on one log: what two nodes sharing PostgreSQL are. Each hears the other's
// commits over a "bus" (here: a post to the other's thread, which may lose messages on request).
TEST_F(RoomTest, TwoWritersOnOneLogConvergeOnOneOrder) {
  std::shared_ptr<Room> a = room_, b;
  ASSERT_TRUE(Room::Load(threads_, reader_, "m1", &b).ok());
  bool drop_bus = false;
  auto link = [&](Room& from, const std::shared_ptr<Room>& to) {
    from.set_on_appended([&, weak = std::weak_ptr<Room>(to)](int64_t seq, const SharedText& json) {
      if (drop_bus) return;
      boost::asio::post(io_, [weak, seq, json] {
        if (auto r = weak.lock()) r->OnRemoteEvent(seq, *json);
      });
    });
  };
  link(*a, b);
  link(*b, a);
  auto on_a = std::make_shared<RecordingSubscriber>(), on_b = std::make_shared<RecordingSubscriber>();
  JoinRequest req;
  req.name = "Ada";
  const std::string ada = Join(req, on_a, a.get()).result.pid;
  req.name = "Bo";
  auto jb = Join(req, on_b, b.get());
  ASSERT_FALSE(jb.reason) << *jb.reason;
  const std::string bo = jb.result.pid;

  // Both push at once, many times: every push lands once, in one order both rooms agree on.
  std::vector<std::shared_ptr<std::optional<PushResult>>> slots;
  for (int i = 0; i < 60; ++i) {
    if (i == 40) drop_bus = true;  // the last ones must be found through conflicts and catch-up alone
    const bool on_first = i % 2 == 0;
    slots.push_back(PushAsync(on_first ? ada : bo, "e" + std::to_string(i), "card_added",
                              Card("k" + std::to_string(i)), on_first ? a.get() : b.get()));
  }
  ASSERT_TRUE(RunUntil(io_, [&] {
    for (auto& s : slots)
      if (!s->has_value()) return false;
    return true;
  }));
  std::map<std::string, int64_t> acked;
  for (size_t i = 0; i < slots.size(); ++i) {
    ASSERT_FALSE(slots[i]->value().reason) << i << ": " << *slots[i]->value().reason;
    acked["e" + std::to_string(i)] = *slots[i]->value().seq;
  }
  std::vector<store::StoredEvent> log = StoredEvents();
  ASSERT_EQ(log.size(), 3u + 60u);  // meeting_created and the two participant_joined first
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].seq, static_cast<int64_t>(i + 1));
    if (acked.contains(log[i].id)) {
      EXPECT_EQ(acked[log[i].id], log[i].seq) << log[i].id;
    }
  }
  // Each room reads what it missed once its own appends meet the other's seqs; a last event lost on
  // the bus is read when the room next looks (here: a catch-up, as after a bus reconnect).
  boost::asio::post(io_, [a, b] {
    a->CatchUp();
    b->CatchUp();
  });
  const int64_t head = log.back().seq;
  ASSERT_TRUE(RunUntil(io_, [&] { return a->head_seq() == head && b->head_seq() == head; }));
  std::vector<int64_t> expected;
  for (int64_t s = 4; s <= head; ++s) expected.push_back(s);  // both joined by seq 3
  auto seqs_a = on_a->Seqs(), seqs_b = on_b->Seqs();
  seqs_a.erase(seqs_a.begin(), std::find(seqs_a.begin(), seqs_a.end(), 4));
  EXPECT_EQ(seqs_a, expected);
  EXPECT_EQ(seqs_b, expected);
  EXPECT_EQ(domain::ToJson(a->state()), domain::ToJson(b->state()));
}

// A push naming a card another writer added is judged on the log, not on what this room has heard.
TEST_F(RoomTest, OnASharedLogAPushThatFailsValidationIsJudgedAfterReadingTheLog) {
  std::shared_ptr<Room> b;
  ASSERT_TRUE(Room::Load(threads_, reader_, "m1", &b).ok());
  const std::string ada = NewParticipant("Ada").result.pid;
  JoinRequest req;
  req.name = "Bo";
  const std::string bo = Join(req, nullptr, b.get()).result.pid;
  // Ada's card commits through room_ (another node); b hears nothing of it.
  ASSERT_TRUE(Push(ada, "e1", "card_added", Card("k1")).seq);
  const nlohmann::json note = {{"card_id", "k1"}, {"note_id", "n1"}, {"text", "yes"}, {"kind", "takeaway"}};

  auto alone = PushAsync(bo, "e2", "note_added", note, b.get());
  ASSERT_TRUE(RunUntil(io_, [&] { return alone->has_value(); }));
  EXPECT_EQ(alone->value().reason, "no_such_card");  // a room that is the only writer trusts itself

  b->set_shared_log(true);
  auto shared = PushAsync(bo, "e2", "note_added", note, b.get());
  ASSERT_TRUE(RunUntil(io_, [&] { return shared->has_value(); }));
  EXPECT_FALSE(shared->value().reason) << *shared->value().reason;
  EXPECT_EQ(shared->value().seq, 5);  // meeting_created, two joins, the card, the note
  EXPECT_EQ(b->head_seq(), 5);
}

TEST_F(RoomTest, LeaveStopsDelivery) {
  auto sub = std::make_shared<RecordingSubscriber>();
  auto pid = NewParticipant("Ada", sub).result.pid;
  ASSERT_TRUE(Push(pid, "e1", "card_added", Card("k1")).seq);
  room_->Leave(sub.get());
  ASSERT_TRUE(Push(pid, "e2", "card_added", Card("k2")).seq);
  EXPECT_EQ(sub->Seqs(), std::vector<int64_t>{3});
  EXPECT_TRUE(room_->idle());
}

TEST_F(RoomTest, CommitHookSeesEveryCommittedEventOnceInOrder) {
  std::vector<int64_t> seqs;
  room_->set_on_committed([&](const store::StoredEvent& e, const nlohmann::json& parsed) {
    EXPECT_EQ(parsed["seq"], e.seq);
    EXPECT_EQ(parsed["id"], e.id);
    seqs.push_back(e.seq);
  });
  auto pid = NewParticipant("Ada").result.pid;
  ASSERT_TRUE(Push(pid, "e1", "card_added", Card("k1")).seq);
  EXPECT_EQ(Push(pid, "e2", "card_added", Card("k1")).reason, "duplicate_id");
  Push(pid, "t1", "typing", {});
  EXPECT_EQ(seqs, (std::vector<int64_t>{2, 3}));
}

TEST(RoomRegistryTest, LoadsOnceAndUnloadsIdleRooms) {
  boost::asio::io_context io;
  TestStore store;
  CreateMeeting(*store, "m1");
  store::ReaderPool reader(*store, 2);
  RoomRegistry rooms(io, reader);
  rooms.set_idle_unload(std::chrono::milliseconds(20));
  struct Got {
    Status status;
    std::shared_ptr<Room> room;
    bool done = false;
  };
  Got a, b, c, missing;
  auto into = [](Got& g) {
    return [&g](Status s, std::shared_ptr<Room> room) {
      g.status = std::move(s);
      g.room = std::move(room);
      g.done = true;
    };
  };
  // Two Gets while the room is loading wait for the same load; a Get of a loaded room answers at once.
  rooms.Get("m1", [&, then = into(a)](Status s, std::shared_ptr<Room> room) mutable {
    EXPECT_TRUE(room == nullptr || room->io().get_executor().running_in_this_thread());
    then(std::move(s), std::move(room));
    rooms.Get("m1", into(c));
    EXPECT_TRUE(c.done);
  });
  rooms.Get("m1", into(b));
  rooms.Get("missing", into(missing));
  ASSERT_TRUE(RunUntil(io, [&] { return a.done && b.done && c.done && missing.done; }));
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  ASSERT_TRUE(b.status.ok());
  ASSERT_TRUE(c.status.ok());
  ASSERT_NE(a.room, nullptr);
  EXPECT_EQ(a.room, b.room);
  EXPECT_EQ(a.room, c.room);
  EXPECT_EQ(missing.status.code(), Status::Code::kNotFound);
  EXPECT_EQ(missing.room, nullptr);
  EXPECT_EQ(rooms.loaded(), 1u);
  EXPECT_TRUE(RunUntil(io, [&] { return rooms.loaded() == 0; }));
}

// More than two snapshots' worth of events: the room stores snapshots as it goes; a cold load (the
// latest snapshot plus the tail) equals the live room, and a joiner on it gets the state the whole
// log folds to.
TEST_F(RoomTest, SnapshotsAreStoredAndAColdLoadFromOneMatchesTheLiveRoom) {
  auto ada = NewParticipant("Ada");
  ASSERT_FALSE(ada.reason);
  const std::string pid = ada.result.pid;
  constexpr int kCards = 50;
  const int64_t events = 2 * store::kSnapshotEvery + 150;
  std::vector<std::shared_ptr<std::optional<PushResult>>> slots;
  for (int64_t i = 0; i < events; ++i) {
    const std::string id = "e" + std::to_string(i);
    if (i < kCards) {
      slots.push_back(PushAsync(pid, id, "card_added", Card("k" + std::to_string(i))));
    } else if (i % 7 == 0) {  // a moment now and then: stored, never replayed
      slots.push_back(PushAsync(pid, id, "reaction", {{"emoji", "\U0001F44D"}}));
    } else {
      slots.push_back(PushAsync(pid, id, "card_edited", Card("k" + std::to_string(i % kCards), "t" + id)));
    }
  }
  ASSERT_TRUE(RunUntil(
      io_, [&] { return slots.back()->has_value(); }, std::chrono::seconds(120)));
  for (int64_t i = 0; i < events; ++i) {
    ASSERT_TRUE(slots[i]->has_value()) << i;
    ASSERT_EQ(slots[i]->value().seq, 3 + i) << i << " " << slots[i]->value().reason.value_or("");
  }
  const int64_t head = 2 + events;
  ASSERT_EQ(room_->head_seq(), head);

  // Snapshots at kSnapshotEvery and 2 * kSnapshotEvery: encoded on the reader pool, then queued to
  // the writer. Wait (bounded) until both are stored.
  store::Snapshot first, latest;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    store_->Flush();
    if (store_->LatestSnapshot("m1", kAny, kAny, &latest).ok() && latest.seq >= 2 * store::kSnapshotEvery &&
        store_->LatestSnapshot("m1", 2 * store::kSnapshotEvery - 1, kAny, &first).ok()) {
      break;
    }
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "no snapshot at seq " << 2 * store::kSnapshotEvery;
    std::this_thread::yield();
  }
  EXPECT_EQ(first.seq, store::kSnapshotEvery);
  EXPECT_EQ(latest.seq, 2 * store::kSnapshotEvery);
  const auto stored = StoredEvents();
  ASSERT_EQ(stored.size(), static_cast<size_t>(head));
  EXPECT_EQ(latest.last_ts, stored[latest.seq - 1].ts);
  auto restored = domain::FromJson(nlohmann::json::parse(latest.state_json));
  ASSERT_TRUE(restored);
  EXPECT_EQ(domain::LastSeq(*restored), latest.seq);

  // A cold load starts from the latest snapshot and folds the tail.
  std::shared_ptr<Room> cold;
  ASSERT_TRUE(Room::Load(threads_, reader_, "m1", &cold).ok());
  EXPECT_EQ(cold->head_seq(), room_->head_seq());
  EXPECT_EQ(domain::ToJson(cold->state()), domain::ToJson(room_->state()));

  // A new joiner gets the state: the same as folding the whole log.
  JoinRequest req;
  req.name = "Late";
  auto late = Join(req, nullptr, cold.get());
  ASSERT_FALSE(late.reason) << *late.reason;
  EXPECT_EQ(late.result.head_seq, head + 1);
  domain::Meeting folded;
  for (const auto& e : StoredEvents()) domain::Apply(folded, nlohmann::json::parse(e.json));
  EXPECT_EQ(StateOf(late.result), domain::ToJson(folded));

  // A returning participant resuming from before the snapshot: the state, not the history.
  JoinRequest back{"Ada", pid, ada.result.secret, std::nullopt, int64_t{500}};
  auto far = Join(back, nullptr, cold.get());
  ASSERT_FALSE(far.reason) << *far.reason;
  EXPECT_EQ(far.result.head_seq, head + 1);
  EXPECT_EQ(StateOf(far.result), domain::ToJson(folded));
  // …and from just before the head: only what it missed (here, Late's participant_joined).
  back.since = head;
  auto near = Join(back, nullptr, cold.get());
  ASSERT_TRUE(near.result.resumed);
  EXPECT_EQ(nlohmann::json::parse(near.result.events_json), AsArray(StoredEvents(head, true)));
}

// A retry of an id the room never saw (stored before it was loaded, under the snapshot it was
// loaded from) still gets the original seq, and nothing new is stored.
TEST_F(RoomTest, RetryOfAnIdStoredBeforeTheRoomWasLoadedGetsTheOriginalSeq) {
  auto pid = NewParticipant("Ada").result.pid;
  ASSERT_EQ(Push(pid, "card", "card_added", Card("k1")).seq, 3);
  ASSERT_EQ(Push(pid, "moment", "reaction", {{"emoji", "\U0001F44D"}}).seq, 4);

  // Reloaded by folding the log: the ids are in memory again.
  std::shared_ptr<Room> reloaded;
  ASSERT_TRUE(Room::Load(threads_, reader_, "m1", &reloaded).ok());
  auto again = PushAsync(pid, "card", "card_added", Card("k1"), reloaded.get());
  ASSERT_TRUE(RunUntil(io_, [&] { return again->has_value(); }));
  EXPECT_EQ(again->value().seq, 3);
  EXPECT_FALSE(again->value().reason);

  // Reloaded from a snapshot that covers them: only the store knows the ids.
  PutSnapshotOf(*room_);
  std::shared_ptr<Room> cold;
  ASSERT_TRUE(Room::Load(threads_, reader_, "m1", &cold).ok());
  ASSERT_EQ(cold->head_seq(), 4);
  // k1 exists, so this one fails validation unless it is recognised as a retry…
  auto card = PushAsync(pid, "card", "card_added", Card("k1"), cold.get());
  // …and this one passes validation and is refused by the store as a duplicate.
  auto moment = PushAsync(pid, "moment", "reaction", {{"emoji", "\U0001F44D"}}, cold.get());
  ASSERT_TRUE(RunUntil(io_, [&] { return card->has_value() && moment->has_value(); }));
  EXPECT_FALSE(card->value().reason) << *card->value().reason;
  EXPECT_EQ(card->value().seq, 3);
  EXPECT_FALSE(moment->value().reason) << *moment->value().reason;
  EXPECT_EQ(moment->value().seq, 4);
  EXPECT_EQ(StoredEvents().size(), 4u);

  // Nothing was applied, and the room goes on (once it has re-read the store).
  ASSERT_TRUE(RunUntil(io_, [&] { return cold->idle(); }));
  EXPECT_EQ(cold->head_seq(), 4);
  EXPECT_EQ(domain::ToJson(cold->state()), domain::ToJson(room_->state()));
  auto next = PushAsync(pid, "next", "card_added", Card("k2"), cold.get());
  ASSERT_TRUE(RunUntil(io_, [&] { return next->has_value(); }));
  EXPECT_EQ(next->value().seq, 5);
  EXPECT_EQ(StoredEvents().size(), 5u);
}

// Join and push paths, including every one that needs the store (a returning participant's
// credential, history older than the snapshot, a retry of an id older than it), run on a thread
// marked as an io thread and make no blocking store call there.
TEST_F(RoomTest, JoinAndPushPathsNeverBlockTheIoThread) {
  const uint64_t before = BlockingOnIoThreadCount();
  auto ada = NewParticipant("Ada");
  ASSERT_FALSE(ada.reason);
  const std::string pid = ada.result.pid;
  ASSERT_EQ(Push(pid, "e1", "card_added", Card("k1")).seq, 3);
  PutSnapshotOf(*room_);
  std::shared_ptr<Room> cold;
  ASSERT_TRUE(Room::Load(threads_, reader_, "m1", &cold).ok());  // blocking: from the test thread

  // RunUntil marks this thread as an io thread while it runs the room's handlers.
  JoinRequest back{"Ada", pid, ada.result.secret, std::nullopt, int64_t{1}};
  auto resumed = Join(back, std::make_shared<RecordingSubscriber>(), cold.get());
  ASSERT_FALSE(resumed.reason);
  EXPECT_EQ(StateOf(resumed.result), domain::ToJson(room_->state()));
  JoinRequest fresh;
  fresh.name = "Grace";
  ASSERT_FALSE(Join(fresh, nullptr, cold.get()).reason);
  auto retry = PushAsync(pid, "e1", "card_added", Card("k1"), cold.get());
  auto next = PushAsync(pid, "e2", "card_added", Card("k2"), cold.get());
  auto moment = PushAsync(pid, "r1", "reaction", {{"emoji", "\U0001F44D"}}, cold.get());
  auto typing = PushAsync(pid, "t1", "typing", nlohmann::json::object(), cold.get());
  ASSERT_TRUE(RunUntil(io_, [&] {
    return retry->has_value() && next->has_value() && moment->has_value() && typing->has_value();
  }));
  EXPECT_EQ(retry->value().seq, 3);
  EXPECT_EQ(next->value().seq, 5);
  EXPECT_EQ(moment->value().seq, 6);
  EXPECT_FALSE(typing->value().reason);
  EXPECT_EQ(BlockingOnIoThreadCount(), before);
}

// The invariant itself: a blocking store call on a thread marked as an io thread is caught — counted,
// and in debug builds fatal.
using RoomDeathTest = RoomTest;
TEST_F(RoomDeathTest, BlockingStoreCallOnAnIoThreadIsCaught) {
#ifndef NDEBUG
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // the store and reader pool run threads
  EXPECT_DEATH(
      {
        IoThreadScope io_thread;
        int64_t head = 0;
        (void)store_->HeadSeq("m1", &head);
      },
      "blocking store call");
#else
  const uint64_t before = BlockingOnIoThreadCount();
  {
    IoThreadScope io_thread;
    int64_t head = 0;
    EXPECT_TRUE(store_->HeadSeq("m1", &head).ok());
  }
  EXPECT_EQ(BlockingOnIoThreadCount(), before + 1);
#endif
  // Off the io thread the same call is fine.
  const uint64_t before_ok = BlockingOnIoThreadCount();
  int64_t head = 0;
  EXPECT_TRUE(store_->HeadSeq("m1", &head).ok());
  EXPECT_EQ(head, 1);
  EXPECT_EQ(BlockingOnIoThreadCount(), before_ok);
}

// Two io threads, a room on one of them, subscribers and pushers on both: every subscriber gets every
// event exactly once, in seq order, on its own thread; a joiner's reply and the broadcasts after it
// neither miss nor repeat an event.
class ThreadSubscriber : public Subscriber {
 public:
  ThreadSubscriber(boost::asio::io_context& io, std::mutex& mu, std::condition_variable& cv)
      : io_(io), mu_(mu), cv_(cv) {}

  void Deliver(const Broadcast& b) override {
    if (!io_.get_executor().running_in_this_thread()) wrong_thread.fetch_add(1);
    const std::vector<nlohmann::json> events = EventsOf(b);
    if (events.empty()) return;
    std::lock_guard lock(mu_);
    if (!joined) ++before_reply;
    for (const auto& e : events) broadcast.push_back(e.value("seq", int64_t{-1}));
    cv_.notify_all();
  }
  // The join reply, brought to this thread with RunOn (as a channel does).
  void Joined(std::optional<std::string> reason, const JoinResult& r) {
    if (!io_.get_executor().running_in_this_thread()) wrong_thread.fetch_add(1);
    std::lock_guard lock(mu_);
    error = reason;
    pid = r.pid;
    head = r.head_seq;
    if (r.state_json) replied_state_seq = nlohmann::json::parse(*r.state_json).value("last_seq", int64_t{-1});
    joined = true;
    cv_.notify_all();
  }
  // Called with the mutex held.
  int64_t LastSeen() const { return broadcast.empty() ? head : broadcast.back(); }

  std::atomic<int> wrong_thread{0};
  // Guarded by the mutex.
  bool joined = false;
  std::optional<std::string> error;
  std::string pid;
  int64_t head = -1;
  int64_t replied_state_seq = -1;
  std::vector<int64_t> broadcast;
  int before_reply = 0;

 private:
  boost::asio::io_context& io_;
  std::mutex& mu_;
  std::condition_variable& cv_;
};

TEST(RoomThreadsTest, SubscribersAndPushersOnTwoIoThreadsSeeEveryEventOnceInOrder) {
  boost::asio::io_context io0, io1;
  std::vector<boost::asio::io_context*> ios{&io0, &io1};
  TestStore store;
  CreateMeeting(*store, "m1");
  store::ReaderPool reader(*store, 2);
  RoomRegistry rooms(ios, reader);
  auto guard0 = boost::asio::make_work_guard(io0);
  auto guard1 = boost::asio::make_work_guard(io1);
  auto run = [](boost::asio::io_context& io) {
    MarkIoThread();
    io.run();
  };
  std::thread t0(run, std::ref(io0)), t1(run, std::ref(io1));

  std::mutex mu;
  std::condition_variable cv;
  auto wait = [&](const std::function<bool()>& pred) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(60), pred);
  };

  std::shared_ptr<Room> room;
  rooms.Get("m1", [&](Status s, std::shared_ptr<Room> r) {
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::lock_guard lock(mu);
    room = std::move(r);
    cv.notify_all();
  });
  ASSERT_TRUE(wait([&] { return room != nullptr; }));
  const size_t home = rooms.threads().HomeOf("m1");
  ASSERT_TRUE(&room->io() == ios[home]);

  std::vector<std::shared_ptr<ThreadSubscriber>> subs;
  // A join made from the subscriber's thread, the answer brought back there.
  auto join = [&](size_t thread, std::string name) {
    auto sub = std::make_shared<ThreadSubscriber>(*ios[thread], mu, cv);
    subs.push_back(sub);
    boost::asio::post(*ios[thread], [&, thread, sub, name] {
      RunOn(room->io(), [&, thread, sub, name] {
        JoinRequest req;
        req.name = name;
        req.thread = thread;
        room->Join(req, sub, [&, thread, sub](std::optional<std::string> reason, JoinResult r) {
          RunOn(*ios[thread], [sub, reason, r] { sub->Joined(reason, r); });
        });
      });
    });
    return sub;
  };
  for (size_t i = 0; i < 4; ++i) join(i % 2, "S" + std::to_string(i));
  ASSERT_TRUE(wait([&] {
    for (const auto& s : subs) {
      if (!s->joined) return false;
    }
    return true;
  }));
  std::string pids[2];
  {
    std::lock_guard lock(mu);
    for (const auto& s : subs) ASSERT_FALSE(s->error) << *s->error;
    pids[0] = subs[0]->pid;
    pids[1] = subs[1]->pid;
  }

  // Pushes from both threads, interleaved, each reaching the room by posting; two more joiners in
  // the middle of them, one on each thread.
  constexpr int kPerThread = 150;
  std::vector<int64_t> acked;  // guarded by mu
  int failed = 0;              // guarded by mu
  auto push = [&](size_t thread, int k) {
    boost::asio::post(*ios[thread], [&, thread, k] {
      PushRequest req{"t" + std::to_string(thread) + "-" + std::to_string(k),
                      "card_added",
                      {{"card_id", "c" + std::to_string(thread) + "-" + std::to_string(k)}, {"title", "x"}},
                      domain::Actor{pids[thread], "", domain::Role::kParticipant}};
      RunOn(room->io(), [&, req = std::move(req)]() mutable {
        room->Push(std::move(req), [&](PushResult r) {
          std::lock_guard lock(mu);
          if (r.seq) {
            acked.push_back(*r.seq);
          } else {
            ++failed;
          }
          cv.notify_all();
        });
      });
    });
  };
  for (int k = 0; k < kPerThread; ++k) {
    push(0, k);
    push(1, k);
    if (k == kPerThread / 2) {
      join(0, "Late0");
      join(1, "Late1");
    }
  }
  const int64_t final_head = 1 + 6 + 2 * kPerThread;
  ASSERT_TRUE(wait([&] {
    if (acked.size() + failed < 2u * kPerThread) return false;
    for (const auto& s : subs) {
      if (!s->joined || s->LastSeen() < final_head) return false;
    }
    return true;
  })) << "timed out";

  guard0.reset();
  guard1.reset();
  io0.stop();
  io1.stop();
  t0.join();
  t1.join();
  rooms.Shutdown();

  EXPECT_EQ(failed, 0);
  std::sort(acked.begin(), acked.end());
  EXPECT_EQ(std::adjacent_find(acked.begin(), acked.end()), acked.end()) << "a seq acked twice";
  ASSERT_EQ(acked.size(), 2u * kPerThread);
  EXPECT_EQ(room->head_seq(), final_head);
  int64_t stored_head = 0;
  ASSERT_TRUE(store->HeadSeq("m1", &stored_head).ok());
  EXPECT_EQ(stored_head, final_head);

  std::vector<int64_t> all;
  for (int64_t s = 1; s <= final_head; ++s) all.push_back(s);
  for (size_t i = 0; i < subs.size(); ++i) {
    const ThreadSubscriber& s = *subs[i];
    EXPECT_EQ(s.wrong_thread.load(), 0) << i;
    ASSERT_FALSE(s.error) << i;
    EXPECT_EQ(s.before_reply, 0) << i;
    // The reply holds the state at head, the broadcasts head+1..final, each once.
    EXPECT_EQ(s.replied_state_seq, s.head) << i;
    std::vector<int64_t> after_head(all.begin() + s.head, all.end());
    EXPECT_EQ(s.broadcast, after_head) << "subscriber " << i << " (head " << s.head << ")";
  }
}

TEST(CodePointsTest, CountsCharactersNotBytes) {
  EXPECT_EQ(CodePoints(""), 0u);
  EXPECT_EQ(CodePoints("Ada"), 3u);
  EXPECT_EQ(CodePoints("Zoë"), 3u);
  EXPECT_EQ(CodePoints("👍👍"), 2u);
}

}  // namespace
}  // namespace confab::rooms
