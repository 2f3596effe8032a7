// Room: the write path (sequencing, pipelining, idempotency, failures) and the join snapshot.
#include "rooms/room.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "rooms/room_registry.hpp"
#include "rooms/testing.hpp"

namespace confab::rooms {
namespace {

using testing::CreateMeeting;
using testing::RunUntil;
using testing::TestStore;

// Records what the room fans out to it.
class RecordingSubscriber : public Subscriber {
 public:
  void Deliver(const Broadcast& b) override {
    if (b.event == "event") events.push_back(nlohmann::json::parse(*b.payload));
    if (!b.frame) b.frame = std::make_shared<const std::string>("encoded");
    ++deliveries;
  }
  std::vector<int64_t> Seqs() const {
    std::vector<int64_t> out;
    for (const auto& e : events) out.push_back(e.value("seq", int64_t{-1}));
    return out;
  }
  std::vector<nlohmann::json> events;
  int deliveries = 0;
};

// Forwards to a real store; fails the appends whose 1-based call number is in `fail`.
class FlakyStore : public store::Store {
 public:
  explicit FlakyStore(store::Store& inner) : inner_(inner) {}
  void Append(store::AppendRequest req, std::function<void(Status)> done) override {
    if (fail.contains(++calls)) {
      done(Status::IoError("injected"));
      return;
    }
    inner_.Append(std::move(req), std::move(done));
  }
  void Flush() override { inner_.Flush(); }
  Status GetMeeting(std::string_view id, store::MeetingRecord* out) override {
    return inner_.GetMeeting(id, out);
  }
  Status HeadSeq(std::string_view id, int64_t* out) override { return inner_.HeadSeq(id, out); }
  Status ReadEvents(std::string_view id, int64_t after, size_t limit, bool replayed_only,
                    std::vector<store::StoredEvent>* out) override {
    return inner_.ReadEvents(id, after, limit, replayed_only, out);
  }
  Status ScanEvents(std::string_view id, int64_t after,
                    const std::function<bool(const store::StoredEvent&)>& fn) override {
    return inner_.ScanEvents(id, after, fn);
  }
  Status ScanAll(const std::function<bool(const store::StoredEvent&)>& fn) override {
    return inner_.ScanAll(fn);
  }
  Status FindEventSeq(std::string_view id, std::string_view event_id, int64_t* seq) override {
    return inner_.FindEventSeq(id, event_id, seq);
  }
  Status GetCredential(std::string_view id, std::string_view pid, store::Credential* out) override {
    return inner_.GetCredential(id, pid, out);
  }
  Status ListMeetings(std::vector<store::MeetingRecord>* out) override { return inner_.ListMeetings(out); }
  store::StoreStats Stats() const override { return inner_.Stats(); }
  std::string Describe() const override { return "flaky:" + inner_.Describe(); }

  std::set<int> fail;
  int calls = 0;

 private:
  store::Store& inner_;
};

class RoomTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CreateMeeting(*store_, "m1", "tok");
    ASSERT_TRUE(Room::Load(io_, *store_, "m1", &room_).ok());
  }

  struct Joined {
    std::optional<std::string> reason;
    JoinResult result;
    bool done = false;
  };
  // Joins and waits for the answer.
  Joined Join(JoinRequest req, std::shared_ptr<Subscriber> sub = nullptr, Room* room = nullptr) {
    auto out = std::make_shared<Joined>();
    (room ? room : room_.get())
        ->Join(std::move(req), sub, [out](std::optional<std::string> reason, JoinResult r) {
          out->reason = std::move(reason);
          out->result = std::move(r);
          out->done = true;
        });
    EXPECT_TRUE(RunUntil(io_, [&] { return out->done; }));
    return *out;
  }
  Joined NewParticipant(std::string name, std::shared_ptr<Subscriber> sub = nullptr) {
    JoinRequest req;
    req.name = std::move(name);
    return Join(std::move(req), std::move(sub));
  }

  // Pushes without waiting; the result lands in the returned slot.
  std::shared_ptr<std::optional<PushResult>> PushAsync(const std::string& pid, std::string id,
                                                       std::string type, nlohmann::json data,
                                                       Room* room = nullptr) {
    auto slot = std::make_shared<std::optional<PushResult>>();
    PushRequest req{std::move(id), std::move(type), std::move(data),
                    domain::Actor{pid, "", domain::Role::kParticipant}};
    (room ? room : room_.get())->Push(std::move(req), [slot](PushResult r) { *slot = std::move(r); });
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
  std::vector<store::StoredEvent> StoredEvents() {
    std::vector<store::StoredEvent> out;
    EXPECT_TRUE(store_->ReadEvents("m1", 0, 0, false, &out).ok());
    return out;
  }

  boost::asio::io_context io_;
  TestStore store_;
  std::shared_ptr<Room> room_;
};

TEST_F(RoomTest, LoadOfUnknownMeetingIsNotFound) {
  std::shared_ptr<Room> room;
  EXPECT_EQ(Room::Load(io_, *store_, "nope", &room).code(), Status::Code::kNotFound);
}

TEST_F(RoomTest, NewParticipantIsCreatedDurablyAndGetsTheLog) {
  auto other = std::make_shared<RecordingSubscriber>();
  auto first = NewParticipant("Grace", other);
  ASSERT_FALSE(first.reason);

  auto j = NewParticipant("Ada");
  ASSERT_FALSE(j.reason) << *j.reason;
  EXPECT_EQ(j.result.pid.rfind("p_", 0), 0u);
  EXPECT_EQ(j.result.secret.size(), 32u);
  EXPECT_EQ(j.result.role, domain::Role::kParticipant);
  EXPECT_EQ(j.result.head_seq, 3);
  EXPECT_FALSE(j.result.resumed);
  auto events = nlohmann::json::parse(j.result.events_json);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["type"], "meeting_created");
  EXPECT_EQ(events[2]["type"], "participant_joined");
  EXPECT_EQ(events[2]["actor"]["pid"], j.result.pid);
  EXPECT_EQ(events[2]["data"]["name"], "Ada");
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
    room_->Push(std::move(req), [slot, &ack_order](PushResult r) {
      ack_order.push_back(r.seq.value_or(-1));
      *slot = std::move(r);
    });
  }
  ASSERT_TRUE(RunUntil(io_, [&] { return ack_order.size() == kPushes; }));
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
  ASSERT_TRUE(Room::Load(io_, *store_, "m1", &reloaded).ok());
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
  auto pid = NewParticipant("Ada").result.pid;
  EXPECT_EQ(Push(pid, "r1", "reaction", {{"emoji", "👍"}}).seq, 3);
  auto stored = StoredEvents();
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_FALSE(stored[2].replayed);
  JoinRequest req;
  req.name = "Late";
  auto j = Join(req);
  ASSERT_FALSE(j.reason);
  for (const auto& e : nlohmann::json::parse(j.result.events_json)) EXPECT_NE(e["type"], "reaction");
  EXPECT_EQ(j.result.head_seq, 4);
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
  EXPECT_EQ(nlohmann::json::parse(j.result.events_json).size(), 7u);
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
  room_->Join(req, sub, [joined](std::optional<std::string> reason, JoinResult r) {
    if (!reason) *joined = std::move(r);
  });
  for (int i = 0; i < 10; ++i)
    after.push_back(PushAsync(pid, "a" + std::to_string(i), "card_added", Card("a" + std::to_string(i))));
  ASSERT_TRUE(RunUntil(io_, [&] { return joined->has_value() && after.back()->has_value(); }));

  std::vector<int64_t> seen;
  for (const auto& e : nlohmann::json::parse((*joined)->events_json)) seen.push_back(e["seq"]);
  for (int64_t s : sub->Seqs()) seen.push_back(s);
  std::vector<int64_t> all;
  for (int64_t s = 1; s <= room_->head_seq(); ++s) all.push_back(s);
  EXPECT_EQ(seen, all);
  EXPECT_EQ((*joined)->head_seq, 13);  // 2 + 10 before + its own
}

TEST_F(RoomTest, StoreFailureFailsThePipelineThenRecovers) {
  FlakyStore flaky(*store_);
  std::shared_ptr<Room> room;
  ASSERT_TRUE(Room::Load(io_, flaky, "m1", &room).ok());
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
  ASSERT_TRUE(RunUntil(io_, [&] { return slots.back()->has_value(); }));
  EXPECT_EQ(slots[0]->value().seq, 3);
  // The failed one and everything built on it: unavailable, nothing broadcast.
  for (int i = 1; i < 4; ++i) EXPECT_EQ(slots[i]->value().reason, "unavailable") << i;
  EXPECT_EQ(watcher->Seqs(), std::vector<int64_t>{3});
  // Recovered: k1 was never applied, the next push takes seq 4 and succeeds.
  auto again = PushAsync(pid, "e1", "card_added", Card("k1"), room.get());
  ASSERT_TRUE(RunUntil(io_, [&] { return again->has_value(); }));
  EXPECT_EQ(again->value().seq, 4);
  EXPECT_EQ(room->head_seq(), 4);
  EXPECT_EQ(StoredEvents().size(), 4u);
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
  RoomRegistry rooms(io, *store);
  rooms.set_idle_unload(std::chrono::milliseconds(20));
  std::shared_ptr<Room> a, b;
  ASSERT_TRUE(rooms.Get("m1", &a).ok());
  ASSERT_TRUE(rooms.Get("m1", &b).ok());
  EXPECT_EQ(a, b);
  EXPECT_EQ(rooms.Get("missing", &b).code(), Status::Code::kNotFound);
  EXPECT_EQ(rooms.loaded(), 1u);
  EXPECT_TRUE(RunUntil(io, [&] { return rooms.loaded() == 0; }));
}

TEST(CodePointsTest, CountsCharactersNotBytes) {
  EXPECT_EQ(CodePoints(""), 0u);
  EXPECT_EQ(CodePoints("Ada"), 3u);
  EXPECT_EQ(CodePoints("Zoë"), 3u);
  EXPECT_EQ(CodePoints("👍👍"), 2u);
}

}  // namespace
}  // namespace confab::rooms
