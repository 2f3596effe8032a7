// Connection: the Phoenix socket behaviour of PHOENIX-PROTOCOL.md against a real room and store.
#include "channels/connection.hpp"

#include <gtest/gtest.h>

#include "channels/frame.hpp"
#include "channels/limits.hpp"
#include "channels/presence.hpp"
#include "channels/stats.hpp"
#include "rooms/room_registry.hpp"
#include "rooms/testing.hpp"
#include "store/reader_pool.hpp"

namespace confab::channels {
namespace {

using nlohmann::json;
using rooms::testing::RunUntil;

class RecordingTransport : public Transport {
 public:
  void Send(SharedFrame frame) override {
    raw.push_back(frame);
    frames.push_back(json::parse(*frame));
  }
  void Close(uint16_t code, std::string_view reason) override { close_code = code; }
  std::vector<SharedFrame> raw;
  std::vector<json> frames;
  int close_code = 0;
};

// One client socket: a connection and what it received.
struct Client {
  Client(rooms::RoomRegistry& rooms)
      : transport(std::make_shared<RecordingTransport>()),
        conn(std::make_shared<Connection>(rooms, transport, ConnectionInfo{"test"})) {}
  void Raw(std::string_view frame) { conn->OnText(frame); }
  void Text(const json& frame) { conn->OnText(frame.dump()); }
  const json& Last() const { return transport->frames.back(); }
  size_t Count() const { return transport->frames.size(); }
  // Frames with this event, in order.
  std::vector<json> Events(const std::string& event) const {
    std::vector<json> out;
    for (const auto& f : transport->frames) {
      if (f[3] == event) out.push_back(f);
    }
    return out;
  }
  // The reply to `ref`, or null.
  json ReplyTo(const std::string& ref) const {
    for (const auto& f : transport->frames) {
      if (f[3] == "phx_reply" && f[1] == ref) return f;
    }
    return nullptr;
  }
  std::shared_ptr<RecordingTransport> transport;
  std::shared_ptr<Connection> conn;
};

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InstallBroadcastEncoder(rooms_);  // before any room loads
    rooms::testing::CreateMeeting(*store_, "m1", "tok");
  }
  // The reader pool stops first: no load still running on it outlives the registry it loads for.
  void TearDown() override { reader_.Stop(); }

  // Joins meeting m1 with `jr` as join_ref and returns the reply.
  json Join(Client& c, const std::string& jr, json payload = {{"name", "Ada"}},
            const std::string& topic = "meeting:m1") {
    c.Text(json{jr, jr, topic, "phx_join", payload});
    EXPECT_TRUE(RunUntil(io_, [&] { return !c.ReplyTo(jr).is_null(); }));
    return c.ReplyTo(jr);
  }
  json Push(Client& c, const std::string& jr, const std::string& ref, json payload) {
    c.Text(json{jr, ref, "meeting:m1", "event", payload});
    EXPECT_TRUE(RunUntil(io_, [&] { return !c.ReplyTo(ref).is_null(); }));
    return c.ReplyTo(ref);
  }
  static json Card(const std::string& id, const std::string& card_id) {
    return {{"id", id}, {"type", "card_added"}, {"data", {{"card_id", card_id}, {"title", "Slow builds"}}}};
  }

  boost::asio::io_context io_;
  rooms::testing::TestStore store_;
  store::ReaderPool reader_{*store_, 2};
  rooms::RoomRegistry rooms_{io_, reader_};
};

TEST_F(ConnectionTest, HeartbeatIsAnsweredWithNullJoinRef) {
  Client c(rooms_);
  c.Raw(R"([null,"6","phoenix","heartbeat",{}])");
  ASSERT_EQ(c.Count(), 1u);
  EXPECT_EQ(*c.transport->raw[0], R"([null,"6","phoenix","phx_reply",{"status":"ok","response":{}}])");
}

TEST_F(ConnectionTest, JoinReplyThenPresenceStateThenDiff) {
  Client c(rooms_);
  json reply = Join(c, "3");
  EXPECT_EQ(reply[0], "3");
  EXPECT_EQ(reply[4]["status"], "ok");
  const json& r = reply[4]["response"];
  EXPECT_EQ(r["role"], "participant");
  EXPECT_EQ(r["head_seq"], 2);
  EXPECT_EQ(r["resumed"], false);
  EXPECT_FALSE(r.contains("events"));
  EXPECT_TRUE(r["secret"].is_string());
  const std::string pid = r["pid"];
  // The meeting's state at head_seq, the joiner included.
  EXPECT_EQ(r["state"]["last_seq"], 2);
  EXPECT_EQ(r["state"]["participants"][pid]["name"], "Ada");
  // Order on the wire: reply, presence_state (join_ref set, ref null), presence_diff (broadcast, batched
  // so it comes on a later io turn).
  ASSERT_TRUE(RunUntil(io_, [&] { return c.Count() >= 3; }));
  ASSERT_EQ(c.Count(), 3u);
  EXPECT_EQ(c.transport->frames[0][3], "phx_reply");
  const json& state = c.transport->frames[1];
  EXPECT_EQ(state[0], "3");
  EXPECT_TRUE(state[1].is_null());
  EXPECT_EQ(state[3], "presence_state");
  EXPECT_EQ(state[4][pid]["metas"][0]["name"], "Ada");
  const json& diff = c.transport->frames[2];
  EXPECT_TRUE(diff[0].is_null());
  EXPECT_EQ(diff[3], "presence_diff");
  EXPECT_EQ(diff[4]["joins"][pid]["metas"][0]["phx_ref"], state[4][pid]["metas"][0]["phx_ref"]);
}

TEST_F(ConnectionTest, JoinErrors) {
  Client c(rooms_);
  c.Text(json{"1", "1", "room:lobby", "phx_join", {{"name", "Ada"}}});
  EXPECT_EQ(c.Last(), (json{nullptr,
                            "1",
                            "room:lobby",
                            "phx_reply",
                            {{"status", "error"}, {"response", {{"reason", "unmatched topic"}}}}}));
  EXPECT_EQ(Join(c, "2", {{"name", "Ada"}}, "meeting:nope")[4]["response"]["reason"], "not_found");
  EXPECT_EQ(Join(c, "3", {{"name", "Ada"}}, "meeting:../../etc")[4]["response"]["reason"], "not_found");
  EXPECT_EQ(Join(c, "4", json::object())[4]["response"]["reason"], "invalid_payload");
  EXPECT_EQ(Join(c, "5", {{"name", ""}})[4]["response"]["reason"], "invalid_payload");
  EXPECT_EQ(Join(c, "6", {{"name", std::string(41, 'x')}})[4]["response"]["reason"], "invalid_payload");
  EXPECT_EQ(Join(c, "7", {{"name", "Ada"}, {"since", "x"}})[4]["response"]["reason"], "invalid_payload");
  EXPECT_EQ(Join(c, "8", {{"name", "Ada"}, {"pid", "p_x"}, {"secret", "s"}})[4]["response"]["reason"],
            "bad_credentials");
  EXPECT_EQ(Join(c, "9", {{"name", "Ada"}, {"token", "wrong"}})[4]["response"]["reason"], "bad_credentials");
  // A failed join leaves no channel behind.
  c.Text(json{"9", "10", "meeting:m1", "event", Card("e1", "k1")});
  EXPECT_EQ(c.Last()[4]["response"]["reason"], "unmatched topic");
}

TEST_F(ConnectionTest, FacilitatorTokenAndIdentityAcrossRejoin) {
  Client c(rooms_);
  json r = Join(c, "1", {{"name", "Fay"}, {"token", "tok"}})[4]["response"];
  EXPECT_EQ(r["role"], "facilitator");
  Client d(rooms_);
  json again = Join(
      d, "5", {{"name", "Fay"}, {"pid", r["pid"]}, {"secret", r["secret"]}, {"since", 2}})[4]["response"];
  EXPECT_EQ(again["pid"], r["pid"]);
  EXPECT_FALSE(again.contains("secret"));
  EXPECT_EQ(again["role"], "participant");  // the role comes with the token, per join
  EXPECT_EQ(again["resumed"], true);
  EXPECT_TRUE(again["events"].empty());
}

TEST_F(ConnectionTest, PushIsAckedWithSeqAndBroadcastToEveryone) {
  Client a(rooms_), b(rooms_);
  Join(a, "3");
  Join(b, "4", {{"name", "Grace"}});
  json reply = Push(a, "3", "5", Card("e1", "k1"));
  EXPECT_EQ(reply,
            (json{"3", "5", "meeting:m1", "phx_reply", {{"status", "ok"}, {"response", {{"seq", 4}}}}}));
  ASSERT_TRUE(RunUntil(io_, [&] { return b.Events("event").size() == 1; }));
  auto ev_a = a.Events("event"), ev_b = b.Events("event");
  ASSERT_EQ(ev_a.size(), 2u);  // a also saw Grace's participant_joined
  EXPECT_EQ(ev_a[1][4]["seq"], 4);
  EXPECT_EQ(ev_a[1][4]["actor"]["name"], "Ada");
  EXPECT_TRUE(ev_b[0][0].is_null());
  EXPECT_TRUE(ev_b[0][1].is_null());
  // Encoded once: the very same bytes object went to both sockets.
  EXPECT_EQ(a.transport->raw[a.Count() - 1].get(), b.transport->raw[b.Count() - 1].get());

  EXPECT_EQ(Push(a, "3", "6", Card("e1", "k1"))[4]["response"]["seq"], 4);  // retried id
  EXPECT_EQ(Push(a, "3", "7", Card("e2", "k1"))[4]["response"]["reason"], "duplicate_id");
  EXPECT_EQ(Push(a, "3", "8", {{"id", "e3"}, {"type", "card_added"}})[4]["response"]["reason"],
            "invalid_payload");
  EXPECT_EQ(Push(a, "3", "9", {{"type", "typing"}})[4]["response"]["reason"], "invalid_payload");
  EXPECT_EQ(Push(a, "3", "10", {{"id", "e4"}, {"type", "typing"}, {"data", 5}})[4]["response"]["reason"],
            "invalid_payload");
  EXPECT_EQ(Push(a, "3", "11", {{"id", "t1"}, {"type", "typing"}})[4]["response"], json::object());
}

TEST_F(ConnectionTest, StaleJoinRefIsIgnoredAndNullIsAccepted) {
  Client c(rooms_);
  Join(c, "3");
  const size_t before = c.Count();
  c.Text(json{"1", "20", "meeting:m1", "event", Card("e1", "k1")});
  EXPECT_EQ(c.Count(), before);  // no reply at all
  json r = Push(c, "3", "21", Card("e2", "k2"));
  c.Text(json{nullptr, "22", "meeting:m1", "event", Card("e3", "k3")});
  ASSERT_TRUE(RunUntil(io_, [&] { return !c.ReplyTo("22").is_null(); }));
  EXPECT_EQ(c.ReplyTo("22")[0], "3");  // answered with the live join_ref
  EXPECT_EQ(c.ReplyTo("22")[4]["status"], "ok");
}

TEST_F(ConnectionTest, UnjoinedTopic) {
  Client c(rooms_);
  c.Text(json{nullptr, "1", "meeting:m1", "event", Card("e1", "k1")});
  EXPECT_EQ(c.Last(), (json{nullptr,
                            "1",
                            "meeting:m1",
                            "phx_reply",
                            {{"status", "error"}, {"response", {{"reason", "unmatched topic"}}}}}));
  c.Text(json{"7", "2", "meeting:m1", "phx_leave", json::object()});
  EXPECT_EQ(c.Last(),
            (json{"7", "2", "meeting:m1", "phx_reply", {{"status", "ok"}, {"response", json::object()}}}));
}

TEST_F(ConnectionTest, LeaveRepliesThenClosesAndOthersSeeThePresenceLeave) {
  Client a(rooms_), b(rooms_);
  const std::string pid = Join(a, "3")[4]["response"]["pid"];
  Join(b, "4", {{"name", "Grace"}});
  a.Text(json{"3", "9", "meeting:m1", "phx_leave", json::object()});
  ASSERT_GE(a.Count(), 2u);
  EXPECT_EQ(a.transport->frames[a.Count() - 2],
            (json{"3", "9", "meeting:m1", "phx_reply", {{"status", "ok"}, {"response", json::object()}}}));
  EXPECT_EQ(a.Last(), (json{"3", "3", "meeting:m1", "phx_close", json::object()}));
  ASSERT_TRUE(RunUntil(io_, [&] {
    auto diffs = b.Events("presence_diff");
    return !diffs.empty() && diffs.back()[4]["leaves"].contains(pid);
  }));
  // Left: pushes are now unmatched, and no more broadcasts arrive.
  const size_t count = a.Count();
  Push(b, "4", "5", Card("e1", "k1"));
  EXPECT_EQ(a.Count(), count);
}

TEST_F(ConnectionTest, DuplicateJoinClosesTheOldJoinRef) {
  Client c(rooms_);
  json first = Join(c, "3")[4]["response"];
  json second = Join(c, "5", {{"name", "Ada"}, {"pid", first["pid"]}, {"secret", first["secret"]}});
  EXPECT_EQ(second[4]["status"], "ok");
  auto closes = c.Events("phx_close");
  ASSERT_EQ(closes.size(), 1u);
  EXPECT_EQ(closes[0][0], "3");
  EXPECT_EQ(closes[0][1], "3");
  // One live channel: a broadcast arrives once.
  const size_t before = c.Events("event").size();
  Push(c, "5", "6", Card("e1", "k1"));
  EXPECT_EQ(c.Events("event").size(), before + 1);
  // Presence holds one meta for the pid.
  auto states = c.Events("presence_state");
  EXPECT_EQ(states.back()[4][first["pid"].get<std::string>()]["metas"].size(), 1u);
}

TEST_F(ConnectionTest, ClosingASocketLeavesItsRooms) {
  Client a(rooms_), b(rooms_);
  const std::string pid = Join(a, "3")[4]["response"]["pid"];
  Join(b, "4", {{"name", "Grace"}});
  a.conn->OnClosed();
  EXPECT_TRUE(RunUntil(io_, [&] {
    auto diffs = b.Events("presence_diff");
    return !diffs.empty() && diffs.back()[4]["leaves"].contains(pid);
  }));
}

TEST_F(ConnectionTest, ChangesInOneIoTurnReachOthersAsOnePresenceDiff) {
  Client a(rooms_), b(rooms_), c(rooms_), d(rooms_);
  Join(a, "3");
  std::vector<std::string> pids;
  for (Client* x : {&b, &c, &d}) pids.push_back(Join(*x, "4", {{"name", "Grace"}})[4]["response"]["pid"]);
  // Let every join's diff out, then close three sockets in one handler.
  ASSERT_TRUE(RunUntil(io_, [&] {
    auto diffs = a.Events("presence_diff");
    return !diffs.empty() && diffs.back()[4]["joins"].contains(pids.back());
  }));
  const size_t before = a.Events("presence_diff").size();
  b.conn->OnClosed();
  c.conn->OnClosed();
  d.conn->OnClosed();
  ASSERT_TRUE(RunUntil(io_, [&] { return a.Events("presence_diff").size() > before; }));
  // The first diff after the closes carries all three leaves.
  const json diff = a.Events("presence_diff")[before][4];
  EXPECT_TRUE(diff["joins"].empty());
  EXPECT_EQ(diff["leaves"].size(), 3u);
  for (const auto& pid : pids) EXPECT_TRUE(diff["leaves"].contains(pid)) << pid;
}

TEST_F(ConnectionTest, RateLimitAnswersRateLimited) {
  Client c(rooms_);
  Join(c, "3");
  int limited = 0;
  for (int i = 0; i < 2 * static_cast<int>(kRateBurst); ++i) {
    c.Text(json{"3",
                "r" + std::to_string(i),
                "meeting:m1",
                "event",
                {{"id", "t" + std::to_string(i)}, {"type", "typing"}}});
  }
  for (int i = 0; i < 2 * static_cast<int>(kRateBurst); ++i) {
    json r = c.ReplyTo("r" + std::to_string(i));
    if (!r.is_null() && r[4]["response"].value("reason", "") == "rate_limited") ++limited;
  }
  EXPECT_GE(limited, static_cast<int>(kRateBurst) - 2);
  // Heartbeats are never limited.
  c.Raw(R"([null,"hb","phoenix","heartbeat",{}])");
  EXPECT_EQ(c.ReplyTo("hb")[4]["status"], "ok");
}

// The meeting's quotas (rooms::RoomLimits) answer in the per-socket limit's shape: a phx_reply error
// with a reason.
TEST_F(ConnectionTest, MeetingQuotasAnswerMeetingFullAndRateLimited) {
  rooms_.set_limits({/*members=*/1, /*events_per_second=*/1});  // before m1 loads
  Client a(rooms_), b(rooms_);
  ASSERT_EQ(Join(a, "3")[4]["status"], "ok");
  EXPECT_EQ(Join(b, "4", {{"name", "Grace"}}),
            (json{"4",
                  "4",
                  "meeting:m1",
                  "phx_reply",
                  {{"status", "error"}, {"response", {{"reason", "meeting_full"}}}}}));
  // Burst 2: three pushes sent at once, the third refused (a's own limit is far from reached).
  for (const char* ref : {"5", "6", "7"}) a.Text(json{"3", ref, "meeting:m1", "event", Card(ref, ref)});
  ASSERT_TRUE(RunUntil(io_, [&] {
    return !a.ReplyTo("5").is_null() && !a.ReplyTo("6").is_null() && !a.ReplyTo("7").is_null();
  }));
  EXPECT_EQ(a.ReplyTo("5")[4]["status"], "ok");
  EXPECT_EQ(a.ReplyTo("6")[4]["status"], "ok");
  EXPECT_EQ(a.ReplyTo("7"), (json{"3",
                                  "7",
                                  "meeting:m1",
                                  "phx_reply",
                                  {{"status", "error"}, {"response", {{"reason", "rate_limited"}}}}}));
}

TEST_F(ConnectionTest, SizeLimits) {
  Client c(rooms_);
  Join(c, "3");
  json big = Card("e1", "k1");
  big["data"]["pad"] = std::string(kMaxMessageBytes, 'x');
  c.Text(json{"3", "8", "meeting:m1", "event", big});
  EXPECT_EQ(c.ReplyTo("8")[4]["response"]["reason"], "message_too_large");
  EXPECT_EQ(c.transport->close_code, 0);
  big["data"]["pad"] = std::string(kMaxFrameBytes, 'x');
  c.Text(json{"3", "9", "meeting:m1", "event", big});
  EXPECT_EQ(c.transport->close_code, 1009);
}

TEST_F(ConnectionTest, MalformedFramesCloseOrAreAnswered) {
  Client c(rooms_);
  c.Raw(R"(["1","2","meeting:m1","phx_join",[]])");
  EXPECT_EQ(c.ReplyTo("2")[4]["response"]["reason"], "invalid_payload");
  EXPECT_EQ(c.transport->close_code, 0);
  c.Raw("not json");
  EXPECT_EQ(c.transport->close_code, 1008);
}

TEST_F(ConnectionTest, UnknownChannelEventAndBinary) {
  Client c(rooms_);
  Join(c, "3");
  c.Text(json{"3", "4", "meeting:m1", "shout", json::object()});
  EXPECT_EQ(c.ReplyTo("4")[4]["response"]["reason"], "unknown_type");
  c.conn->OnBinary(
      std::string("\x00\x01\x01\x0a\x03"
                  "35meeting:m1bin\x01",
                  20));
  EXPECT_EQ(c.ReplyTo("5")[0], "3");
  EXPECT_EQ(c.ReplyTo("5")[4]["response"]["reason"], "invalid_payload");
  c.conn->OnBinary(std::string("\x07", 1));
  EXPECT_EQ(c.transport->close_code, 1003);
}

TEST_F(ConnectionTest, CountersMove) {
  const uint64_t joins = Stats().joins, pushes = Stats().pushes, deliveries = Stats().deliveries,
                 join_errors = Stats().join_errors;
  Client a(rooms_), b(rooms_);
  Join(a, "1");
  Join(b, "2", {{"name", "Grace"}});
  Join(b, "3", {{"name", ""}}, "meeting:nope");
  Push(a, "1", "4", Card("e1", "k1"));
  EXPECT_EQ(Stats().joins - joins, 2u);
  EXPECT_EQ(Stats().join_errors - join_errors, 1u);
  EXPECT_EQ(Stats().pushes - pushes, 1u);
  EXPECT_GE(Stats().deliveries - deliveries, 2u);  // the card to both, plus presence diffs
}

}  // namespace
}  // namespace confab::channels
