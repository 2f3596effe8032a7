// Room: the per-meeting quotas (RoomLimits) — members per meeting and events per second over every
// socket of the meeting — with their exact reasons, and that a refused request stores nothing.
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <map>
#include <optional>

#include "rooms/room.hpp"
#include "rooms/room_registry.hpp"
#include "rooms/testing.hpp"
#include "store/reader_pool.hpp"

namespace confab::rooms {
namespace {

using testing::CreateMeeting;
using testing::RunUntil;
using testing::TestStore;

struct Joined {
  std::optional<std::string> reason;
  JoinResult result;
  bool done = false;
};

class RoomLimitsTest : public ::testing::Test {
 protected:
  void Load(RoomLimits limits) {
    CreateMeeting(*store_, "m1", "tok");
    ASSERT_TRUE(Room::Load(threads_, reader_, "m1", &room_).ok());
    room_->set_limits(limits);
  }

  // Posts a join to the room's thread, as a channel does; the answer lands in the returned slot.
  std::shared_ptr<Joined> JoinAsync(JoinRequest req) {
    auto out = std::make_shared<Joined>();
    boost::asio::post(io_, [room = room_, req = std::move(req), out]() mutable {
      room->Join(std::move(req), {}, [out](std::optional<std::string> reason, JoinResult r) {
        out->reason = std::move(reason);
        out->result = std::move(r);
        out->done = true;
      });
    });
    return out;
  }
  Joined Join(JoinRequest req) {
    auto out = JoinAsync(std::move(req));
    EXPECT_TRUE(RunUntil(io_, [&] { return out->done; }));
    return *out;
  }
  static JoinRequest Named(std::string name) {
    JoinRequest req;
    req.name = std::move(name);
    return req;
  }

  std::shared_ptr<std::optional<PushResult>> PushAsync(const std::string& pid, std::string id,
                                                       std::string type, nlohmann::json data) {
    auto slot = std::make_shared<std::optional<PushResult>>();
    PushRequest req{std::move(id), std::move(type), std::move(data),
                    domain::Actor{pid, "", domain::Role::kParticipant}, /*seal_key=*/""};
    boost::asio::post(io_, [room = room_, req = std::move(req), slot]() mutable {
      room->Push(std::move(req), [slot](PushResult r) { *slot = std::move(r); });
    });
    return slot;
  }
  static nlohmann::json Card(const std::string& card_id) {
    return {{"card_id", card_id}, {"title", "Slow builds"}};
  }

  size_t StoredCount() {
    std::vector<store::StoredEvent> out;
    EXPECT_TRUE(store_->ReadEvents("m1", 0, 0, false, &out).ok());
    return out.size();
  }

  boost::asio::io_context io_;
  TestStore store_;
  store::ReaderPool reader_{*store_, 2};
  IoThreads threads_{io_};
  std::shared_ptr<Room> room_;
};

TEST_F(RoomLimitsTest, AFullMeetingRefusesNewParticipantsButLetsMembersRejoin) {
  Load({/*members=*/2, /*events_per_second=*/0});
  Joined ada = Join(Named("Ada"));
  ASSERT_FALSE(ada.reason);
  ASSERT_FALSE(Join(Named("Grace")).reason);

  EXPECT_EQ(Join(Named("Eve")).reason, "meeting_full");
  JoinRequest facilitator = Named("Fay");
  facilitator.token = "tok";  // a facilitator without a pid would be a new participant too
  EXPECT_EQ(Join(facilitator).reason, "meeting_full");
  EXPECT_EQ(StoredCount(), 3u);  // meeting_created and the two members: nothing of the refused joins
  EXPECT_EQ(room_->state().participants.size(), 2u);

  JoinRequest again = Named("Ada");
  again.pid = ada.result.pid;
  again.secret = ada.result.secret;
  Joined back = Join(again);
  ASSERT_FALSE(back.reason) << *back.reason;
  EXPECT_EQ(back.result.pid, ada.result.pid);
  // A member's facilitator rejoin (pid, secret and token) is a rejoin too.
  again.token = "tok";
  EXPECT_FALSE(Join(again).reason);
  EXPECT_EQ(StoredCount(), 3u);
}

TEST_F(RoomLimitsTest, JoinsStillBeingStoredCountTowardsTheLimit) {
  Load({/*members=*/2, /*events_per_second=*/0});
  // All three reach the room before any participant_joined commits.
  auto a = JoinAsync(Named("A"));
  auto b = JoinAsync(Named("B"));
  auto c = JoinAsync(Named("C"));
  ASSERT_TRUE(RunUntil(io_, [&] { return a->done && b->done && c->done; }));
  EXPECT_FALSE(a->reason);
  EXPECT_FALSE(b->reason);
  EXPECT_EQ(c->reason, "meeting_full");
  EXPECT_EQ(room_->state().participants.size(), 2u);
}

TEST_F(RoomLimitsTest, EventsPerSecondCountEveryPusherOfTheMeetingTogether) {
  // 1 a second, burst 2; the pushes below are all handled within one io run, far under a second.
  Load({/*members=*/0, /*events_per_second=*/1});
  const std::string ada = Join(Named("Ada")).result.pid;
  const std::string bob = Join(Named("Bob")).result.pid;
  const int64_t before = static_cast<int64_t>(StoredCount());
  std::vector<std::shared_ptr<std::optional<PushResult>>> slots;
  slots.push_back(PushAsync(ada, "e1", "card_added", Card("k1")));
  slots.push_back(PushAsync(bob, "e2", "card_added", Card("k2")));
  slots.push_back(PushAsync(ada, "e3", "card_added", Card("k3")));       // a third pusher's worth: refused
  slots.push_back(PushAsync(bob, "e4", "typing", {{"card_id", "k1"}}));  // transient events count too
  slots.push_back(PushAsync(ada, "e5", "not_a_type", {}));               // refused before validation
  ASSERT_TRUE(RunUntil(io_, [&] {
    for (auto& s : slots)
      if (!s->has_value()) return false;
    return true;
  }));
  EXPECT_EQ(slots[0]->value().seq, before + 1);
  EXPECT_EQ(slots[1]->value().seq, before + 2);
  for (size_t i = 2; i < slots.size(); ++i) {
    EXPECT_EQ(slots[i]->value().reason, "rate_limited") << "push " << i;
    EXPECT_FALSE(slots[i]->value().seq);
  }
  EXPECT_EQ(StoredCount(), static_cast<size_t>(before) + 2);  // nothing of the refused pushes

  // A retry of an accepted id costs nothing: it still gets its seq while the bucket is empty.
  auto retry = PushAsync(ada, "e1", "card_added", Card("k1"));
  ASSERT_TRUE(RunUntil(io_, [&] { return retry->has_value(); }));
  EXPECT_EQ(retry->value().seq, before + 1);
}

TEST_F(RoomLimitsTest, ZeroTurnsTheLimitsOff) {
  Load({0, 0});
  const std::string ada = Join(Named("Ada")).result.pid;
  std::vector<std::shared_ptr<std::optional<PushResult>>> slots;
  for (int i = 0; i < 300; ++i)
    slots.push_back(PushAsync(ada, "t" + std::to_string(i), "typing", {{"card_id", "k1"}}));
  ASSERT_TRUE(RunUntil(io_, [&] { return slots.back()->has_value(); }));
  for (auto& s : slots) EXPECT_FALSE(s->value().reason) << *s->value().reason;
}

TEST(RoomRegistryLimitsTest, EveryLoadedRoomGetsTheRegistrysLimits) {
  boost::asio::io_context io;
  TestStore store;
  CreateMeeting(*store, "m1");
  store::ReaderPool reader(*store, 2);
  RoomRegistry rooms(io, reader);
  rooms.set_limits({/*members=*/1, /*events_per_second=*/0});
  std::map<std::string, std::optional<std::string>> reasons;  // by name
  for (const char* name : {"Ada", "Bob"}) {
    rooms.Get("m1", [&reasons, name](Status s, std::shared_ptr<Room> room) {
      ASSERT_TRUE(s.ok());
      JoinRequest req;
      req.name = name;
      room->Join(std::move(req), {}, [&reasons, name](std::optional<std::string> reason, JoinResult) {
        reasons[name] = std::move(reason);
      });
    });
  }
  ASSERT_TRUE(RunUntil(io, [&] { return reasons.size() == 2; }));
  // Both wait for the same load and join in order: Ada is stored, Bob would be the second member.
  EXPECT_EQ(reasons["Ada"], std::nullopt);
  EXPECT_EQ(reasons["Bob"], "meeting_full");
  rooms.Shutdown();
}

}  // namespace
}  // namespace confab::rooms
