// Drives a Swarm against a small in-process Phoenix V2 server (Beast) that joins, acks pushes with a
// per-topic seq and broadcasts them to every member, so the client loop is tested without the real server.
#include "swarm.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "event_id.hpp"

namespace confab::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using nlohmann::json;

// batch > 1: like the server since batched broadcasts, stored events go out `batch` at a time as one
// "events" frame ({"events":[…]}, consecutive seqs), the rest at the next heartbeat (one alone as a
// plain "event"); and the join reply carries a "state" holding a "head_seq" of its own before the
// response's head_seq.
class FakePhoenix {
 public:
  explicit FakePhoenix(int batch = 1)
      : batch_(batch), acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    Accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FakePhoenix() {
    asio::post(io_, [this] {
      acceptor_.close();
      for (auto& s : all_) {
        beast::error_code ec;
        beast::get_lowest_layer(s->ws).close(ec);
      }
    });
    io_.stop();
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  struct Session : std::enable_shared_from_this<Session> {
    explicit Session(tcp::socket s) : ws(std::move(s)) {}
    websocket::stream<tcp::socket> ws;
    beast::flat_buffer buffer;
    std::deque<std::shared_ptr<const std::string>> queue;
    std::string topic;
  };

  void Accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      auto s = std::make_shared<Session>(std::move(socket));
      // Small write buffer: large server messages arrive fragmented, which the client must reassemble.
      s->ws.auto_fragment(true);
      s->ws.write_buffer_bytes(256);
      all_.push_back(s);
      s->ws.async_accept([this, s](beast::error_code ec) {
        if (!ec) Read(s);
      });
      Accept();
    });
  }

  void Read(std::shared_ptr<Session> s) {
    s->ws.async_read(s->buffer, [this, s](beast::error_code ec, size_t) {
      if (ec) return;
      std::string text = beast::buffers_to_string(s->buffer.data());
      s->buffer.consume(s->buffer.size());
      Handle(s, json::parse(text));
      Read(s);
    });
  }

  void Handle(const std::shared_ptr<Session>& s, const json& f) {
    const std::string topic = f[2], event = f[3];
    if (topic == "phoenix") {
      for (auto& [t, pending] : pending_) FlushBatch(t);
      return Send(
          s, json::array(
                 {nullptr, f[1], "phoenix", "phx_reply", {{"status", "ok"}, {"response", json::object()}}}));
    }
    if (event == "phx_join") {
      s->topic = topic;
      members_[topic].push_back(s);
      if (batch_ > 1) {
        Send(s, std::make_shared<const std::string>(
                    "[" + f[0].dump() + "," + f[1].dump() + "," + json(topic).dump() +
                    R"(,"phx_reply",{"status":"ok","response":{"pid":"p","role":"participant",)"
                    R"("state":{"head_seq":999,"notes":[{"seq":1000}]},"head_seq":)" +
                    std::to_string(seq_[topic]) + R"(,"resumed":false}}])"));
      } else {
        Send(s, json::array({f[0],
                             f[1],
                             topic,
                             "phx_reply",
                             {{"status", "ok"},
                              {"response",
                               {{"pid", "p"},
                                {"role", "participant"},
                                {"head_seq", seq_[topic]},
                                {"resumed", false},
                                {"events", json::array()}}}}}));
      }
      Send(s, json::array({f[0], nullptr, topic, "presence_state", {{"padding", std::string(1000, 'x')}}}));
      auto diff = std::make_shared<const std::string>(
          json::array({nullptr,
                       nullptr,
                       topic,
                       "presence_diff",
                       {{"joins", json::object()}, {"leaves", json::object()}}})
              .dump());
      for (auto& m : members_[topic]) Send(m, diff);
      return;
    }
    if (event == "event") {
      int64_t seq = ++seq_[topic];
      Send(s,
           json::array({f[0], f[1], topic, "phx_reply", {{"status", "ok"}, {"response", {{"seq", seq}}}}}));
      json ev = {{"seq", seq},
                 {"id", f[4]["id"]},
                 {"type", f[4]["type"]},
                 {"actor", {{"pid", "p"}, {"name", "n"}}},
                 {"ts", 0},
                 {"data", f[4]["data"]}};
      pending_[topic].push_back(std::move(ev));
      if (static_cast<int>(pending_[topic].size()) >= batch_) FlushBatch(topic);
    }
  }

  void FlushBatch(const std::string& topic) {
    json& pending = pending_[topic];
    if (pending.empty()) return;
    json frame = pending.size() == 1
                     ? json::array({nullptr, nullptr, topic, "event", pending[0]})
                     : json::array({nullptr, nullptr, topic, "events", {{"events", pending}}});
    pending = json::array();
    auto text = std::make_shared<const std::string>(frame.dump());
    for (auto& m : members_[topic]) Send(m, text);
  }

  void Send(const std::shared_ptr<Session>& s, const json& j) {
    Send(s, std::make_shared<const std::string>(j.dump()));
  }
  void Send(const std::shared_ptr<Session>& s, std::shared_ptr<const std::string> frame) {
    s->queue.push_back(std::move(frame));
    if (s->queue.size() == 1) Write(s);
  }
  void Write(std::shared_ptr<Session> s) {
    s->ws.text(true);
    s->ws.async_write(asio::buffer(*s->queue.front()), [this, s](beast::error_code ec, size_t) {
      if (ec) return;
      s->queue.pop_front();
      if (!s->queue.empty()) Write(s);
    });
  }

  const int batch_;
  std::map<std::string, json> pending_;  // per topic: stored events not broadcast yet (batch > 1)
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::vector<std::shared_ptr<Session>> all_;
  std::map<std::string, std::vector<std::shared_ptr<Session>>> members_;
  std::map<std::string, int64_t> seq_;
};

// Waits for a condition the swarm thread makes true (counters are atomics), with a deadline.
bool WaitFor(const std::function<bool()>& done, double seconds = 20) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(Swarm, JoinsPublishesAndMeasuresEveryDelivery) {
  FakePhoenix server;
  SwarmOptions o;
  o.port = server.port();
  o.members_per_meeting = 6;
  o.publishers_per_meeting = 2;
  o.rate_per_meeting = 200;
  o.connect_rate = 1000;
  o.heartbeat_s = 0.02;
  Swarm swarm(o, {"meeting:a", "meeting:b", "meeting:c"}, 0);
  std::thread runner([&] { swarm.Run(); });
  const SwarmCounters& c = swarm.counters();

  swarm.StartConnecting();
  ASSERT_TRUE(WaitFor([&] { return c.joins_ok.load() + c.gave_up.load() == 18; }));
  EXPECT_EQ(c.joins_ok.load(), 18u);
  ASSERT_TRUE(WaitFor([&] { return c.presence_states.load() == 18; })) << "fragmented presence_state lost";
  // Member k of a meeting sees the diffs of its own join and of the 5-k joins after it: 6+5+..+1 per meeting.
  ASSERT_TRUE(WaitFor([&] { return c.presence_diffs.load() == 3 * 21; }));

  int64_t start = MonotonicNs();
  swarm.SetWindow(start, INT64_MAX);
  swarm.StartPublishing();
  ASSERT_TRUE(WaitFor([&] { return c.published.load() >= 60; }));
  swarm.StopPublishing();
  ASSERT_TRUE(WaitFor([&] { return c.heartbeat_replies.load() >= 18; }));
  ASSERT_TRUE(WaitFor(
      [&] { return c.acked.load() == c.published.load() && c.deliveries.load() == 6 * c.published.load(); }));
  swarm.Stop();
  runner.join();

  EXPECT_EQ(c.rejected.load(), 0u);
  EXPECT_EQ(c.seq_gaps.load(), 0u);
  EXPECT_EQ(c.seq_repeats.load(), 0u);
  EXPECT_EQ(c.errors.load(), 0u);
  EXPECT_EQ(swarm.delivery_latency().count(), c.deliveries.load());
  EXPECT_EQ(swarm.ack_latency().count(), c.acked.load());
  EXPECT_EQ(swarm.join_time().count(), 18u);
  EXPECT_GT(swarm.delivery_latency().max(), 0);
  EXPECT_LT(swarm.delivery_latency().max(), static_cast<int64_t>(MonotonicNs() - start));
}

TEST(Swarm, EveryEventOfABatchFrameIsADeliveryWithItsOwnLatencyAndSeq) {
  FakePhoenix server(/*batch=*/3);
  SwarmOptions o;
  o.port = server.port();
  o.members_per_meeting = 4;
  o.publishers_per_meeting = 2;
  o.rate_per_meeting = 300;
  o.connect_rate = 1000;
  o.heartbeat_s = 0.05;
  Swarm swarm(o, {"meeting:a", "meeting:b"}, 0);
  std::thread runner([&] { swarm.Run(); });
  const SwarmCounters& c = swarm.counters();
  swarm.StartConnecting();
  ASSERT_TRUE(WaitFor([&] { return c.joins_ok.load() + c.gave_up.load() == 8; }));
  EXPECT_EQ(c.joins_ok.load(), 8u);
  swarm.SetWindow(MonotonicNs(), INT64_MAX);
  swarm.StartPublishing();
  ASSERT_TRUE(WaitFor([&] { return c.published.load() >= 40; }));
  swarm.StopPublishing();
  // Heartbeats flush what is left of the batches.
  ASSERT_TRUE(WaitFor(
      [&] { return c.acked.load() == c.published.load() && c.deliveries.load() == 4 * c.published.load(); }));
  swarm.Stop();
  runner.join();

  EXPECT_EQ(c.errors.load(), 0u);
  EXPECT_GT(c.batch_frames.load(), 0u);
  EXPECT_EQ(c.event_frames.load() + c.batched_events.load(), c.deliveries.load());
  EXPECT_EQ(swarm.delivery_latency().count(), c.deliveries.load());
  EXPECT_EQ(c.seq_gaps.load(), 0u);
  EXPECT_EQ(c.seq_repeats.load(), 0u) << "head_seq taken from inside the state (999)";
  EXPECT_GT(c.join_reply_bytes.load(), 8 * c.join_reply_max_bytes.load() / 2);
  EXPECT_GE(c.last_join_ns.load(), c.first_connect_ns.load());
  EXPECT_GT(c.first_connect_ns.load(), 0);
  EXPECT_GT(c.last_event_ns.load(), c.last_join_ns.load());
}

TEST(Swarm, SpreadsEachMeetingsMembersOverTargets) {
  // Two servers that do not talk to each other: a member sees only the events published on its own
  // server, so every measured delivery is a same-node one, and each publish reaches the members there.
  FakePhoenix a, b;
  SwarmOptions o;
  o.targets = {{"127.0.0.1", a.port()}, {"127.0.0.1", b.port()}};
  o.members_per_meeting = 5;
  o.publishers_per_meeting = 1;
  o.rate_per_meeting = 100;
  o.connect_rate = 1000;
  o.meeting_base = 1;  // meeting g=1: member k on target (k+1)%2 → publisher on b, 3 members on b, 2 on a
  o.meeting_stride = 2;
  Swarm swarm(o, {"meeting:a", "meeting:b"}, 0);  // g = 1, 3: both publishers on b
  std::thread runner([&] { swarm.Run(); });
  const SwarmCounters& c = swarm.counters();
  swarm.StartConnecting();
  ASSERT_TRUE(WaitFor([&] { return c.joins_ok.load() + c.gave_up.load() == 10; }));
  EXPECT_EQ(c.joins_by_target[0].load(), 4u);
  EXPECT_EQ(c.joins_by_target[1].load(), 6u);
  swarm.SetWindow(MonotonicNs(), INT64_MAX);
  swarm.StartPublishing();
  ASSERT_TRUE(WaitFor([&] { return c.published.load() >= 20; }));
  swarm.StopPublishing();
  ASSERT_TRUE(WaitFor(
      [&] { return c.acked.load() == c.published.load() && c.deliveries.load() == 3 * c.published.load(); }));
  swarm.Stop();
  runner.join();
  EXPECT_EQ(c.errors.load(), 0u);
  EXPECT_EQ(swarm.delivery_latency_same().count(), c.deliveries.load());
  EXPECT_EQ(swarm.delivery_latency_cross().count(), 0u);
}

TEST(Swarm, RefusedConnectionsAreCountedNotFatal) {
  uint16_t port;
  {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }  // closed: nothing listens there now
  SwarmOptions o;
  o.port = port;
  o.members_per_meeting = 3;
  Swarm swarm(o, {"meeting:x"}, 0);
  std::thread runner([&] { swarm.Run(); });
  swarm.StartConnecting();
  ASSERT_TRUE(WaitFor([&] { return swarm.counters().gave_up.load() == 3; }));
  swarm.Stop();
  runner.join();
  EXPECT_EQ(swarm.counters().joins_ok.load(), 0u);
  ASSERT_EQ(swarm.error_reasons().size(), 1u);
  EXPECT_EQ(swarm.error_reasons().begin()->first.rfind("connect:", 0), 0u);
}

}  // namespace
}  // namespace confab::bench
