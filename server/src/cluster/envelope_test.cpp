// The bus messages: every kind survives a round trip; anything malformed is refused, not guessed at.
#include "cluster/envelope.hpp"

#include <gtest/gtest.h>

namespace confab::cluster {
namespace {

Envelope RoundTrip(const Envelope& e) {
  std::optional<Envelope> back = Decode(Encode(e));
  EXPECT_TRUE(back.has_value()) << Encode(e);
  return back.value_or(Envelope{});
}

TEST(EnvelopeTest, EventKeepsItsSeqAndBytes) {
  Envelope e{Kind::kEvent, "node1/ab12", 42, R"({"seq":42,"id":"x","data":{"t":"a\nb c"}})", {}, {}};
  Envelope back = RoundTrip(e);
  EXPECT_EQ(back.kind, Kind::kEvent);
  EXPECT_EQ(back.origin, "node1/ab12");
  EXPECT_EQ(back.seq, 42);
  EXPECT_EQ(back.body, e.body);
}

TEST(EnvelopeTest, PresenceJoinKeepsANameWithSpacesAndNewlines) {
  Envelope e;
  e.kind = Kind::kPresenceJoin;
  e.origin = "n2/ff";
  e.members.push_back({"p_1", {"Ada Lovelace\nthe first", 1700000000123, "AB.cdEF12"}});
  Envelope back = RoundTrip(e);
  ASSERT_EQ(back.members.size(), 1u);
  EXPECT_EQ(back.members[0].key, "p_1");
  EXPECT_EQ(back.members[0].meta.name, "Ada Lovelace\nthe first");
  EXPECT_EQ(back.members[0].meta.online_at, 1700000000123);
  EXPECT_EQ(back.members[0].meta.phx_ref, "AB.cdEF12");
}

TEST(EnvelopeTest, PresenceStateAndLeaveAndControlMessages) {
  Envelope state;
  state.kind = Kind::kPresenceState;
  state.origin = "n3/01";
  state.members = {{"p_a", {"A \"quoted\"", 1, "r1"}}, {"p_b", {"B", 2, "r2"}}};
  Envelope back = RoundTrip(state);
  ASSERT_EQ(back.members.size(), 2u);
  EXPECT_EQ(back.members[0].meta.name, "A \"quoted\"");
  EXPECT_EQ(back.members[1].meta.phx_ref, "r2");

  Envelope empty_state{Kind::kPresenceState, "n3/01", 0, "", {}, {}};
  EXPECT_TRUE(RoundTrip(empty_state).members.empty());

  Envelope leave{Kind::kPresenceLeave, "n3/01", 0, "", {}, "r1"};
  EXPECT_EQ(RoundTrip(leave).phx_ref, "r1");
  for (Kind k : {Kind::kSync, Kind::kHeartbeat, Kind::kBye}) {
    Envelope c{k, "n3/01", 0, "", {}, {}};
    EXPECT_EQ(RoundTrip(c).kind, k);
  }
}

TEST(EnvelopeTest, MalformedMessagesAreRefused) {
  for (std::string_view bad :
       {"", "e n1/a 5", "e n1/a\n{}", "e n1/a x\n{}", "e n1/a 0\n{}", "e n1/a 5\n", "zz n1/a\n", "hb\n",
        "hb n1/a extra\n", "pj n1/a p 12\nname", "pj n1/a p x r\nn", "pl n1/a\n", "ps n1/a\n{}",
        "ps n1/a\n[[1,2,3,4]]", "ps n1/a\n[\"x\"]"}) {
    EXPECT_FALSE(Decode(bad).has_value()) << "accepted: " << bad;
  }
}

TEST(EnvelopeTest, NodeIdsAndSubjects) {
  EXPECT_TRUE(ValidNodeId("node-1.eu:4001"));
  EXPECT_FALSE(ValidNodeId(""));
  EXPECT_FALSE(ValidNodeId("a b"));
  EXPECT_FALSE(ValidNodeId("a/b"));
  EXPECT_FALSE(ValidNodeId(std::string(65, 'a')));
  EXPECT_EQ(MeetingSubject("m_1-x"), "confab.m.m_1-x");
}

}  // namespace
}  // namespace confab::cluster
