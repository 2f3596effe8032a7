// RoomPresence in a cluster: other nodes' members join the table under their origin, a sync replaces
// an origin's members, a dead origin's members all leave, and local changes reach the observer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "channels/presence.hpp"
#include "rooms/io_threads.hpp"
#include "rooms/testing.hpp"
#include "store/reader_pool.hpp"

namespace confab::channels {
namespace {

class RecordingObserver : public RoomPresence::Observer {
 public:
  void OnLocalTrack(const std::string& key, const RoomPresence::Meta& meta) override {
    tracked.push_back(key + "/" + meta.phx_ref);
  }
  void OnLocalUntrack(const std::string& phx_ref) override { untracked.push_back(phx_ref); }
  std::vector<std::string> tracked, untracked;
};

class PresenceRemoteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rooms::testing::CreateMeeting(*store_, "m1");
    ASSERT_TRUE(rooms::Room::Load(threads_, reader_, "m1", &room_).ok());
  }
  nlohmann::json State() { return nlohmann::json::parse(RoomPresence::Of(*room_).table().StateJson()); }
  static RoomPresence::Member M(std::string key, std::string name, std::string ref) {
    return {std::move(key), {std::move(name), 1, std::move(ref)}};
  }

  boost::asio::io_context io_;
  rooms::testing::TestStore store_;
  store::ReaderPool reader_{*store_, 1};
  rooms::IoThreads threads_{io_};
  std::shared_ptr<rooms::Room> room_;
};

TEST_F(PresenceRemoteTest, RemoteMembersJoinLeaveAndAreReplacedPerOrigin) {
  RoomPresence& p = RoomPresence::Of(*room_);
  p.Track("p_local", "Lo", 1, "ref-local");
  p.TrackRemote("n2/a", M("p_b", "Bo", "ref-b"));
  p.TrackRemote("n2/a", M("p_b", "Bo", "ref-b"));  // repeated by a sync: still one meta
  p.TrackRemote("n3/c", M("p_c", "Cy", "ref-c"));
  EXPECT_EQ(State().size(), 3u);
  EXPECT_EQ(State()["p_b"]["metas"].size(), 1u);

  // Only the origin that tracked a meta can untrack it.
  p.UntrackRemote("n3/c", "ref-b");
  EXPECT_TRUE(State().contains("p_b"));
  EXPECT_FALSE(p.Untrack("ref-b"));  // a local untrack cannot remove a remote member either
  EXPECT_TRUE(State().contains("p_b"));

  // A sync answer is the whole truth for that origin.
  p.ReplaceRemote("n2/a", {M("p_d", "Di", "ref-d")});
  EXPECT_FALSE(State().contains("p_b"));
  EXPECT_TRUE(State().contains("p_d"));

  // A dead origin's members all leave; others stay.
  p.DropRemote("n2/a");
  EXPECT_FALSE(State().contains("p_d"));
  EXPECT_TRUE(State().contains("p_c"));
  EXPECT_TRUE(State().contains("p_local"));
  ASSERT_EQ(p.LocalMembers().size(), 1u);
  EXPECT_EQ(p.LocalMembers()[0].key, "p_local");
}

TEST_F(PresenceRemoteTest, LocalChangesReachTheObserverAndRemoteOnesDoNot) {
  RoomPresence& p = RoomPresence::Of(*room_);
  RecordingObserver obs;
  p.set_observer(&obs);
  p.Track("p_1", "One", 1, "r1");
  p.TrackRemote("n2/a", M("p_2", "Two", "r2"));
  EXPECT_TRUE(p.Untrack("r1"));
  p.UntrackRemote("n2/a", "r2");
  EXPECT_EQ(obs.tracked, std::vector<std::string>{"p_1/r1"});
  EXPECT_EQ(obs.untracked, std::vector<std::string>{"r1"});
  // Every change, local or remote, is in the diff the room's members get.
  const auto diff = nlohmann::json::parse(p.table().TakeDiff());
  EXPECT_TRUE(diff["joins"].contains("p_1"));
  EXPECT_TRUE(diff["joins"].contains("p_2"));
  EXPECT_TRUE(diff["leaves"].contains("p_2"));
  p.set_observer(nullptr);
}

}  // namespace
}  // namespace confab::channels
