// Two Confab nodes in one process, each with its own io thread, room registry, NATS connection and
// ClusterNode, on one log and a real nats-server: events committed on one reach the other's members,
// presence lists both nodes' members, and a node that stops takes its members with it.
#include "cluster/cluster_node.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "channels/presence.hpp"
#include "cluster/nats_bus.hpp"
#include "cluster/nats_server_for_test.hpp"
#include "rooms/testing.hpp"
#include "store/reader_pool.hpp"
#include "util/thread_role.hpp"

namespace confab::cluster {
namespace {

constexpr auto kDeadline = std::chrono::seconds(15);

// Records the seqs of the events it is sent (on its node's io thread; read from the test thread).
class Recorder : public rooms::Subscriber {
 public:
  void Deliver(const rooms::Broadcast& b) override {
    if (b.event != "event") return;
    std::lock_guard lock(mu_);
    seqs_.push_back(nlohmann::json::parse(*b.payload).value("seq", int64_t{-1}));
  }
  std::vector<int64_t> seqs() const {
    std::lock_guard lock(mu_);
    return seqs_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<int64_t> seqs_;
};

// One node: an io thread, its registry and its cluster membership.
struct Node {
  Node(store::Store& store, const std::string& nats_url, const std::string& id)
      : reader(store, 1), rooms(io, reader) {
    EXPECT_TRUE(NatsBus::Open(nats_url, id, &bus).ok());
    EXPECT_TRUE(bus->WaitUntilConnected(true, kDeadline));
    cluster = std::make_unique<ClusterNode>(*bus, rooms, id, io);
    EXPECT_TRUE(cluster->Start().ok());
    thread = std::thread([this] {
      MarkIoThread();
      io.run();
    });
  }
  ~Node() { Stop(); }
  void Stop() {
    if (!thread.joinable()) return;
    std::promise<void> said_bye;
    boost::asio::post(io, [&] {
      cluster->Stop();
      said_bye.set_value();
    });
    said_bye.get_future().wait();
    guard.reset();
    io.stop();
    thread.join();
    reader.Stop();
    rooms.Shutdown();
    cluster.reset();
    bus.reset();
  }
  // Runs fn(room) on the room's thread (loading it first) and returns what it returns.
  template <typename Fn>
  auto OnRoom(const std::string& meeting, Fn fn) {
    using R = decltype(fn(std::declval<rooms::Room&>()));
    auto result = std::make_shared<std::promise<R>>();
    rooms.Get(meeting, [fn, result](Status s, std::shared_ptr<rooms::Room> room) mutable {
      EXPECT_TRUE(s.ok()) << s.ToString();
      result->set_value(fn(*room));
    });
    return result->get_future().get();
  }
  // Joins a new participant with `sub` and tracks its presence, as a channel does.
  std::string Join(const std::string& meeting, const std::string& name,
                   const std::shared_ptr<Recorder>& sub) {
    auto pid = std::make_shared<std::promise<std::string>>();
    rooms.Get(meeting, [=](Status, std::shared_ptr<rooms::Room> room) {
      rooms::JoinRequest req;
      req.name = name;
      room->Join(req, sub, [room, pid, name](std::optional<std::string> reason, rooms::JoinResult r) {
        EXPECT_FALSE(reason) << *reason;
        auto& presence = channels::RoomPresence::Of(*room);
        presence.Track(r.pid, name, 1, channels::NewPhxRef());
        presence.Publish();
        pid->set_value(r.pid);
      });
    });
    return pid->get_future().get();
  }
  int64_t Push(const std::string& meeting, const std::string& pid, const std::string& id) {
    return OnRoom(meeting,
                  [=](rooms::Room& room) {
                    auto seq = std::make_shared<std::promise<int64_t>>();
                    rooms::PushRequest req{id,
                                           "card_added",
                                           {{"card_id", id}, {"title", "t " + id}},
                                           domain::Actor{pid, "", domain::Role::kParticipant}};
                    room.Push(req, [seq](rooms::PushResult r) { seq->set_value(r.seq.value_or(-1)); });
                    return seq;
                  })
        ->get_future()
        .get();
  }
  std::set<std::string> PresenceKeys(const std::string& meeting) {
    return OnRoom(meeting, [](rooms::Room& room) {
      std::set<std::string> keys;
      const nlohmann::json state =
          nlohmann::json::parse(channels::RoomPresence::Of(room).table().StateJson());
      for (const auto& [k, v] : state.items()) keys.insert(k);
      return keys;
    });
  }

  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard =
      boost::asio::make_work_guard(io);
  store::ReaderPool reader;
  rooms::RoomRegistry rooms;
  std::unique_ptr<NatsBus> bus;
  std::unique_ptr<ClusterNode> cluster;
  std::thread thread;
};

template <typename Fn>
bool Eventually(Fn fn) {
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (!fn()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a condition, with a deadline
  }
  return true;
}

class ClusterNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!NatsServerForTest::Available()) GTEST_SKIP() << NatsServerForTest::kBinary << " is not installed";
    ASSERT_TRUE(nats_.Start()) << nats_.output();
    rooms::testing::CreateMeeting(*store_, "m1");
  }
  NatsServerForTest nats_;
  rooms::testing::TestStore store_;
};

TEST_F(ClusterNodeTest, EventsAndPresenceCrossNodesAndAStoppedNodesMembersLeave) {
  Node a(*store_, nats_.url(), "a"), b(*store_, nats_.url(), "b");
  auto on_a = std::make_shared<Recorder>(), on_b = std::make_shared<Recorder>();
  const std::string ada = a.Join("m1", "Ada", on_a);
  const std::string bo = b.Join("m1", "Bo", on_b);
  ASSERT_TRUE(Eventually([&] { return a.PresenceKeys("m1") == std::set<std::string>{ada, bo}; }));
  ASSERT_TRUE(Eventually([&] { return b.PresenceKeys("m1") == std::set<std::string>{ada, bo}; }));

  // Pushes on both nodes: each member sees every event once, in the log's order.
  std::vector<int64_t> acked;
  for (int i = 0; i < 20; ++i) {
    acked.push_back(a.Push("m1", ada, "a" + std::to_string(i)));
    acked.push_back(b.Push("m1", bo, "b" + std::to_string(i)));
  }
  for (int64_t s : acked) ASSERT_GT(s, 0);
  const int64_t head = *std::max_element(acked.begin(), acked.end());
  ASSERT_EQ(head, 3 + 40);  // meeting_created, two joins, 40 cards
  auto tail = [](std::vector<int64_t> seqs) {
    seqs.erase(seqs.begin(), std::find(seqs.begin(), seqs.end(), 4));
    return seqs;
  };
  std::vector<int64_t> expected;
  for (int64_t s = 4; s <= head; ++s) expected.push_back(s);
  ASSERT_TRUE(Eventually([&] { return tail(on_a->seqs()) == expected && tail(on_b->seqs()) == expected; }))
      << "a saw " << on_a->seqs().size() << ", b saw " << on_b->seqs().size();

  // b stops: it says bye, and a drops b's member at once.
  b.Stop();
  EXPECT_TRUE(Eventually([&] { return a.PresenceKeys("m1") == std::set<std::string>{ada}; }));
}

}  // namespace
}  // namespace confab::cluster
