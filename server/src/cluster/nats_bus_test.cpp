#include "cluster/nats_bus.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/nats_server_for_test.hpp"

namespace confab::cluster {
namespace {

using namespace std::chrono_literals;
constexpr auto kDeadline = 10s;

struct Received {
  std::string subject;
  std::string data;
};

// Collects what a handler receives; must outlive the Subscription feeding it.
class Inbox {
 public:
  Bus::Handler handler() {
    return [this](std::string_view subject, std::string_view data) {
      std::lock_guard lock(mu_);
      messages_.push_back({std::string(subject), std::string(data)});
      cv_.notify_all();
    };
  }
  bool WaitForCount(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] { return messages_.size() >= n; });
  }
  bool WaitForData(std::string_view data) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] {
      return std::any_of(messages_.begin(), messages_.end(),
                         [&](const Received& m) { return m.data == data; });
    });
  }
  std::vector<Received> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> messages_;
};

// Counts on_reconnected calls.
class Counter {
 public:
  std::function<void()> fn() {
    return [this] {
      std::lock_guard lock(mu_);
      ++count_;
      cv_.notify_all();
    };
  }
  bool WaitFor(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] { return count_ >= n; });
  }
  int count() {
    std::lock_guard lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

class NatsBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!NatsServerForTest::Available()) GTEST_SKIP() << NatsServerForTest::kBinary << " is not installed";
    ASSERT_GT(server_.port(), 0);
    ASSERT_TRUE(server_.Start()) << server_.output();
  }

  std::unique_ptr<NatsBus> Open(const std::string& name) {
    std::unique_ptr<NatsBus> bus;
    Status s = NatsBus::Open(server_.url(), name, &bus);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return bus;
  }

  // Subscribes and makes sure the server knows, so that another connection's next publish matches.
  std::unique_ptr<Subscription> SubscribeSynced(NatsBus& bus, const std::string& subject,
                                                Bus::Handler handler) {
    std::unique_ptr<Subscription> sub;
    Status s = bus.Subscribe(subject, std::move(handler), &sub);
    EXPECT_TRUE(s.ok()) << s.ToString();
    s = bus.Flush(kDeadline);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return sub;
  }

  NatsServerForTest server_;
};

TEST_F(NatsBusTest, RoundTripBetweenTwoBuses) {
  auto a = Open("a");
  auto b = Open("b");
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->connected());
  Inbox inbox;
  auto sub = SubscribeSynced(*a, "confab.test.rt", inbox.handler());

  const std::string binary("x\0y\xff", 4);
  ASSERT_TRUE(b->Publish("confab.test.rt", "hello").ok());
  ASSERT_TRUE(b->Publish("confab.test.rt", binary).ok());
  ASSERT_TRUE(b->Publish("confab.test.rt", "").ok());
  ASSERT_TRUE(inbox.WaitForCount(3));
  auto got = inbox.messages();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].subject, "confab.test.rt");
  EXPECT_EQ(got[0].data, "hello");
  EXPECT_EQ(got[1].data, binary);
  EXPECT_EQ(got[2].data, "");
}

TEST_F(NatsBusTest, OwnSubscriptionsReceiveOwnMessages) {
  auto a = Open("a");
  ASSERT_TRUE(a);
  Inbox inbox;
  std::unique_ptr<Subscription> sub;
  ASSERT_TRUE(a->Subscribe("confab.test.echo", inbox.handler(), &sub).ok());
  // Same connection: the server sees the SUB before the PUB, no flush needed.
  ASSERT_TRUE(a->Publish("confab.test.echo", "me").ok());
  ASSERT_TRUE(inbox.WaitForCount(1));
  EXPECT_EQ(inbox.messages()[0].data, "me");
}

TEST_F(NatsBusTest, WildcardSubscription) {
  auto a = Open("a");
  auto b = Open("b");
  ASSERT_TRUE(a && b);
  Inbox one_token, tail;
  auto sub1 = SubscribeSynced(*a, "confab.node.*", one_token.handler());
  auto sub2 = SubscribeSynced(*a, "confab.room.>", tail.handler());

  for (const char* subject : {"confab.node.1", "confab.other.1", "confab.node.1.deep", "confab.node.2",
                              "confab.room.r1.events", "confab.room", "confab.node.end", "confab.room.end"})
    ASSERT_TRUE(b->Publish(subject, subject).ok());
  // One publisher keeps its order, so by the time ".end" arrives anything else matching would have.
  ASSERT_TRUE(one_token.WaitForCount(3));
  ASSERT_TRUE(tail.WaitForCount(2));
  std::vector<std::string> subjects;
  for (const auto& m : one_token.messages()) subjects.push_back(m.subject);
  EXPECT_EQ(subjects, (std::vector<std::string>{"confab.node.1", "confab.node.2", "confab.node.end"}));
  subjects.clear();
  for (const auto& m : tail.messages()) subjects.push_back(m.subject);
  EXPECT_EQ(subjects, (std::vector<std::string>{"confab.room.r1.events", "confab.room.end"}));
}

TEST_F(NatsBusTest, OrderPreservedFromOnePublisher) {
  auto a = Open("a");
  auto b = Open("b");
  ASSERT_TRUE(a && b);
  Inbox inbox;
  auto sub = SubscribeSynced(*a, "confab.test.order", inbox.handler());
  constexpr int kCount = 20'000;
  for (int i = 0; i < kCount; ++i) ASSERT_TRUE(b->Publish("confab.test.order", std::to_string(i)).ok());
  ASSERT_TRUE(inbox.WaitForCount(kCount));
  auto got = inbox.messages();
  ASSERT_EQ(got.size(), size_t{kCount});
  for (int i = 0; i < kCount; ++i) ASSERT_EQ(got[i].data, std::to_string(i)) << "at " << i;
}

TEST_F(NatsBusTest, UnsubscribeStopsDelivery) {
  auto a = Open("a");
  auto b = Open("b");
  ASSERT_TRUE(a && b);
  Inbox gone, stays;
  auto sub_gone = SubscribeSynced(*a, "confab.test.unsub", gone.handler());
  auto sub_stays = SubscribeSynced(*a, "confab.test.unsub", stays.handler());
  ASSERT_TRUE(b->Publish("confab.test.unsub", "before").ok());
  ASSERT_TRUE(gone.WaitForCount(1));
  ASSERT_TRUE(stays.WaitForCount(1));

  sub_gone.reset();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(b->Publish("confab.test.unsub", "after").ok());
  ASSERT_TRUE(stays.WaitForCount(101));
  // A late delivery would land after the destructor, which promises there is none.
  EXPECT_EQ(gone.messages().size(), 1u);
}

TEST_F(NatsBusTest, DestructorWaitsForInFlightHandler) {
  auto a = Open("a");
  ASSERT_TRUE(a);
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::once_flag release_once;
  auto open_gate = [&] { std::call_once(release_once, [&] { release.set_value(); }); };
  std::atomic<bool> handler_returned{false};
  std::atomic<int> calls{0};
  std::unique_ptr<Subscription> sub;
  // Opens the gate however the test ends, so a failed assertion cannot leave it hanging.
  struct OnExit {
    std::function<void()> fn;
    ~OnExit() { fn(); }
  } open_gate_on_exit{open_gate};
  ASSERT_TRUE(a->Subscribe(
                   "confab.test.block",
                   [&](std::string_view, std::string_view) {
                     if (calls.fetch_add(1) == 0) {
                       entered.set_value();
                       released.wait();
                       handler_returned.store(true);
                     }
                   },
                   &sub)
                  .ok());
  ASSERT_TRUE(a->Publish("confab.test.block", "1").ok());
  ASSERT_EQ(entered.get_future().wait_for(kDeadline), std::future_status::ready);

  std::promise<void> destroying;
  auto destroyed = std::async(std::launch::async, [&] {
    destroying.set_value();
    sub.reset();
    return handler_returned.load();  // as seen the moment the destructor returned
  });
  OnExit open_gate_before_joining{open_gate};
  destroying.get_future().wait();
  // The handler is parked on `released`; a destructor that does not wait would be back by now.
  EXPECT_EQ(destroyed.wait_for(200ms), std::future_status::timeout);
  open_gate();
  ASSERT_EQ(destroyed.wait_for(kDeadline), std::future_status::ready);
  EXPECT_TRUE(destroyed.get());

  Inbox sentinel;
  std::unique_ptr<Subscription> sentinel_sub;
  ASSERT_TRUE(a->Subscribe("confab.test.block", sentinel.handler(), &sentinel_sub).ok());
  ASSERT_TRUE(a->Publish("confab.test.block", "2").ok());
  ASSERT_TRUE(sentinel.WaitForCount(1));
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(NatsBusTest, SubscriptionMayBeDestroyedFromItsOwnHandler) {
  auto a = Open("a");
  ASSERT_TRUE(a);
  std::unique_ptr<Subscription> sub;
  std::atomic<int> calls{0};
  std::promise<void> destroyed;
  std::mutex sub_mu;  // `sub` is assigned here and reset on the handler's thread
  std::unique_lock hold(sub_mu);
  ASSERT_TRUE(a->Subscribe(
                   "confab.test.self",
                   [&](std::string_view, std::string_view) {
                     if (calls.fetch_add(1) == 0) {
                       std::lock_guard lock(sub_mu);
                       sub.reset();
                       destroyed.set_value();
                     }
                   },
                   &sub)
                  .ok());
  hold.unlock();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(a->Publish("confab.test.self", "x").ok());
  ASSERT_EQ(destroyed.get_future().wait_for(kDeadline), std::future_status::ready);

  Inbox sentinel;
  std::unique_ptr<Subscription> sentinel_sub;
  ASSERT_TRUE(a->Subscribe("confab.test.self", sentinel.handler(), &sentinel_sub).ok());
  ASSERT_TRUE(a->Publish("confab.test.self", "y").ok());
  ASSERT_TRUE(sentinel.WaitForCount(1));
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(NatsBusTest, ReconnectsAfterServerRestartOnSamePort) {
  auto a = Open("a");
  auto b = Open("b");
  ASSERT_TRUE(a && b);
  Counter a_reconnects, b_reconnects;
  a->set_on_reconnected(a_reconnects.fn());
  b->set_on_reconnected(b_reconnects.fn());
  Inbox inbox;
  auto sub = SubscribeSynced(*a, "confab.test.restart", inbox.handler());
  ASSERT_TRUE(b->Publish("confab.test.restart", "before").ok());
  ASSERT_TRUE(inbox.WaitForCount(1));

  server_.Kill();
  ASSERT_TRUE(a->WaitUntilConnected(false, kDeadline));
  ASSERT_TRUE(b->WaitUntilConnected(false, kDeadline));
  EXPECT_FALSE(a->connected());
  EXPECT_EQ(a_reconnects.count(), 0);
  // Buffered while disconnected, not refused (it may or may not arrive: a's resubscription races it).
  EXPECT_TRUE(b->Publish("confab.test.restart", "while-down").ok());

  ASSERT_TRUE(server_.Start()) << server_.output();
  ASSERT_TRUE(a_reconnects.WaitFor(1));
  ASSERT_TRUE(b_reconnects.WaitFor(1));
  EXPECT_TRUE(a->connected());
  EXPECT_TRUE(b->connected());

  ASSERT_TRUE(a->Flush(kDeadline).ok());  // the resent subscription has reached the new server
  ASSERT_TRUE(b->Publish("confab.test.restart", "after").ok());
  ASSERT_TRUE(b->Flush(kDeadline).ok());
  ASSERT_TRUE(inbox.WaitForData("after"));
  // "while-down" may or may not have made it, but not after "after".
  EXPECT_EQ(inbox.messages().back().data, "after");
}

TEST_F(NatsBusTest, PublishRefusedWhenDisconnectedBufferIsFull) {
  auto b = Open("b");
  ASSERT_TRUE(b);
  server_.Kill();
  ASSERT_TRUE(b->WaitUntilConnected(false, kDeadline));
  const std::string chunk(512 << 10, 'z');
  Status last;
  int accepted = 0;
  for (; accepted < 100; ++accepted) {
    last = b->Publish("confab.test.full", chunk);
    if (!last.ok()) break;
  }
  EXPECT_EQ(last.code(), Status::Code::kUnavailable) << last.ToString();
  EXPECT_GE(accepted, 8);  // about 8 MiB of them
  EXPECT_LE(accepted, 17);
}

TEST_F(NatsBusTest, OpenBeforeServerStartsThenConnects) {
  server_.Kill();
  std::unique_ptr<NatsBus> a;
  Status s = NatsBus::Open(server_.url(), "a", &a);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(a->connected());
  Counter connects;
  a->set_on_reconnected(connects.fn());
  Inbox inbox;
  std::unique_ptr<Subscription> sub;
  ASSERT_TRUE(a->Subscribe("confab.test.late", inbox.handler(), &sub).ok());
  EXPECT_TRUE(a->Publish("confab.test.late", "queued").ok());

  ASSERT_TRUE(server_.Start()) << server_.output();
  ASSERT_TRUE(a->WaitUntilConnected(true, kDeadline));
  ASSERT_TRUE(connects.WaitFor(1));
  ASSERT_TRUE(a->Flush(kDeadline).ok());

  auto b = Open("b");
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->Publish("confab.test.late", "live").ok());
  ASSERT_TRUE(inbox.WaitForCount(2));
  auto got = inbox.messages();
  // Subscriptions are sent before the queued publishes on connect, so ours comes back too.
  EXPECT_EQ(got[0].data, "queued");
  EXPECT_EQ(got[1].data, "live");
}

TEST_F(NatsBusTest, DescribeHidesCredentials) {
  // The test server has no auth, so it accepts any credentials.
  std::string url = "nats://alice:s3cret@127.0.0.1:" + std::to_string(server_.port());
  std::unique_ptr<NatsBus> a;
  ASSERT_TRUE(NatsBus::Open(url, "a", &a).ok());
  EXPECT_EQ(a->Describe(), server_.url());
  EXPECT_TRUE(a->WaitUntilConnected(true, kDeadline));
}

TEST(NatsBusStripCredentials, Forms) {
  EXPECT_EQ(NatsBus::StripCredentials("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
  EXPECT_EQ(NatsBus::StripCredentials("nats://u:p@h:4222"), "nats://h:4222");
  EXPECT_EQ(NatsBus::StripCredentials("nats://tok@h"), "nats://h");
  EXPECT_EQ(NatsBus::StripCredentials("u:p@h:1"), "h:1");
  EXPECT_EQ(NatsBus::StripCredentials("nats://u:p@w@h:1/x@y"), "nats://h:1/x@y");
  EXPECT_EQ(NatsBus::StripCredentials("nats://u:p@a:1,nats://b:2,tls://t@c:3"),
            "nats://a:1,nats://b:2,tls://c:3");
}

TEST_F(NatsBusTest, RejectsBadArguments) {
  auto a = Open("a");
  ASSERT_TRUE(a);
  std::unique_ptr<Subscription> sub;
  EXPECT_EQ(a->Subscribe("confab.x", nullptr, &sub).code(), Status::Code::kInvalid);
  EXPECT_EQ(a->Subscribe(
                 "", [](std::string_view, std::string_view) {}, &sub)
                .code(),
            Status::Code::kInvalid);
  EXPECT_EQ(a->Publish("", "x").code(), Status::Code::kInvalid);
  EXPECT_EQ(sub, nullptr);
}

TEST_F(NatsBusTest, SubscriptionOutlivingItsBusIsSafe) {
  auto a = Open("a");
  ASSERT_TRUE(a);
  Inbox inbox;
  std::unique_ptr<Subscription> sub;
  ASSERT_TRUE(a->Subscribe("confab.test.outlive", inbox.handler(), &sub).ok());
  ASSERT_TRUE(a->Publish("confab.test.outlive", "x").ok());
  ASSERT_TRUE(inbox.WaitForCount(1));
  a.reset();
  sub.reset();  // must neither crash nor hang (ASan checks the former)
  EXPECT_EQ(inbox.messages().size(), 1u);
}

}  // namespace
}  // namespace confab::cluster
