// The domain as a unit: catalogue, value semantics, robustness of Validate/Apply, invariants.
// Rule-by-rule behaviour is specified by the shared cases in conformance/ (conformance_test.cpp).
#include "domain/meeting.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace confab::domain {
namespace {

using nlohmann::json;

const Actor kFran{"p_f", "Fran", Role::kFacilitator};
const Actor kAda{"p_a", "Ada", Role::kParticipant};
const Actor kBo{"p_b", "Bo", Role::kParticipant};

json Event(int64_t seq, const std::string& type, const Actor& a, json data, int64_t ts) {
  return {{"seq", seq},   {"id", "e" + std::to_string(seq)},
          {"type", type}, {"actor", {{"pid", a.pid}, {"name", a.name}}},
          {"ts", ts},     {"data", std::move(data)}};
}

// A meeting with Fran (facilitator), Ada and Bo joined; seq 4.
Meeting Started() {
  Meeting m;
  Apply(m, Event(1, "meeting_created", {"server", "server"}, {{"title", "Retro"}}, 1000));
  int64_t seq = 2;
  for (const Actor* a : {&kFran, &kAda, &kBo})
    Apply(m, Event(seq++, "participant_joined", *a, {{"name", a->name}}, 2000));
  return m;
}

TEST(Catalogue, HoldsEveryContractTypeOnce) {
  const std::set<std::string> contract = {"meeting_created",
                                          "participant_joined",
                                          "participant_renamed",
                                          "meeting_renamed",
                                          "settings_changed",
                                          "phase_changed",
                                          "facilitator_changed",
                                          "card_added",
                                          "card_edited",
                                          "card_deleted",
                                          "card_merged",
                                          "card_voted",
                                          "vote_withdrawn",
                                          "discussion_started",
                                          "discussion_finished",
                                          "timer_started",
                                          "timer_extended",
                                          "continue_voted",
                                          "note_added",
                                          "note_deleted",
                                          "action_updated",
                                          "reaction",
                                          "typing"};
  std::set<std::string> ours;
  for (const EventSpec& spec : Catalogue()) ours.insert(std::string(spec.type));
  EXPECT_EQ(ours, contract);
  EXPECT_EQ(Catalogue().size(), contract.size());
  for (const EventSpec& spec : Catalogue())
    EXPECT_EQ(spec.server_only, spec.who == Who::kServer) << spec.type;
  EXPECT_EQ(FindEventType("reaction")->replay, ReplayClass::kMoment);
  EXPECT_EQ(FindEventType("typing")->replay, ReplayClass::kTransient);
  EXPECT_EQ(FindEventType("nope"), nullptr);
}

TEST(Meeting, IsACopyableValue) {
  Meeting m = Started();
  Meeting copy = m;
  Apply(copy, Event(5, "card_added", kAda, {{"card_id", "k1"}, {"title", "Hi"}}, 3000));
  EXPECT_EQ(ToJson(m)["cards"].size(), 0u);
  EXPECT_EQ(ToJson(copy)["cards"].size(), 1u);
}

TEST(ToJson, EmitsEveryCanonicalKey) {
  json s = ToJson(Meeting{});
  for (const char* key : {"title", "phase", "created_ts", "settings", "participants", "facilitator", "cards",
                          "discussion", "last_seq", "last_ts"}) {
    EXPECT_TRUE(s.contains(key)) << key;
  }
  EXPECT_TRUE(s["facilitator"].is_null());
  EXPECT_EQ(s["settings"]["anonymous_cards"], false);
  EXPECT_EQ(s["settings"]["hide_totals"], false);
  EXPECT_TRUE(s["discussion"].is_null());
  EXPECT_TRUE(s["participants"].is_object());
  EXPECT_TRUE(s["cards"].is_array());
}

TEST(Queries, AnswerFromTheFold) {
  Meeting m = Started();
  EXPECT_TRUE(HasParticipant(m, "p_a"));
  EXPECT_FALSE(HasParticipant(m, "p_x"));
  EXPECT_EQ(ParticipantName(m, "p_b"), "Bo");
  EXPECT_EQ(ParticipantName(m, "p_x"), "");
  EXPECT_EQ(Title(m), "Retro");
  EXPECT_EQ(Phase(m), "collect");
  EXPECT_EQ(LastSeq(m), 4);
  EXPECT_EQ(VotesPerPerson(m), 3);
}

// The conformance cases prove ToStore on accepted pushes; these are the edges a case cannot reach.
TEST(ToStore, StoresOnlyTheServersSeal) {
  Meeting m = Started();
  Actor ada = kAda;
  ada.seals = {{"k1", "s1"}};
  // Anonymous cards off: a seal the client put in data is dropped, the author stays named.
  Stored plain = ToStore(m, ada, "card_added", {{"card_id", "k1"}, {"title", "Hi"}, {"seal", "forged"}});
  EXPECT_EQ(plain.actor, (json{{"pid", "p_a"}, {"name", "Ada"}}));
  EXPECT_EQ(plain.data, (json{{"card_id", "k1"}, {"title", "Hi"}}));
  // On: the actor's seal replaces the client's, the actor is anonymous.
  Apply(m, Event(5, "settings_changed", kFran, {{"anonymous_cards", true}}, 3000));
  Stored anon = ToStore(m, ada, "card_added", {{"card_id", "k1"}, {"title", "Hi"}, {"seal", "forged"}});
  EXPECT_EQ(anon.actor, (json{{"pid", "anonymous"}, {"name", "Anonymous"}}));
  EXPECT_EQ(anon.data, (json{{"card_id", "k1"}, {"title", "Hi"}, {"seal", "s1"}}));
  // Everything else is stored as pushed.
  Stored vote = ToStore(m, ada, "card_voted", {{"card_id", "k1"}});
  EXPECT_EQ(vote.actor, (json{{"pid", "p_a"}, {"name", "Ada"}}));
}

TEST(Queries, EffectiveFacilitator) {
  Meeting m = Started();
  EXPECT_TRUE(IsFacilitator(m, kFran));
  EXPECT_FALSE(IsFacilitator(m, kAda));
  EXPECT_EQ(HandedFacilitator(m), std::nullopt);
  Apply(m, Event(5, "facilitator_changed", kFran, {{"pid", "p_a"}}, 3000));
  EXPECT_FALSE(IsFacilitator(m, kFran));  // the token alone no longer makes the facilitator
  EXPECT_TRUE(IsFacilitator(m, kAda));
  EXPECT_EQ(HandedFacilitator(m), std::optional<std::string>("p_a"));
}

TEST(Apply, NeverThrowsOnMalformedEvents) {
  Meeting m = Started();
  const json before = ToJson(m);
  for (const char* text :
       {R"(null)", R"([])", R"("card_added")", R"({})", R"({"type": 5})",
        R"({"type": "card_added", "data": [1]})", R"({"type": "card_added", "actor": "p_a"})",
        R"({"type": "card_voted", "actor": {"pid": 1}, "data": {"card_id": 2}})",
        R"({"type": "timer_started", "data": {"seconds": "x"}})",
        R"({"type": "settings_changed", "data": {"votes_per_person": 1e400}})"}) {
    json event = json::parse(text, nullptr, false);
    EXPECT_NO_THROW(Apply(m, event)) << text;
  }
  EXPECT_EQ(ToJson(m), before);  // none carried a seq, none fitted
}

TEST(Validate, NeverThrowsOnAnyPayloadShape) {
  Meeting m = Started();
  const std::vector<json> shapes = {nullptr,
                                    1,
                                    "x",
                                    json::array(),
                                    json::object(),
                                    json{{"card_id", nullptr}, {"title", json::array()}, {"seconds", 1e308}}};
  for (const EventSpec& spec : Catalogue()) {
    for (const json& data : shapes) {
      EXPECT_NO_THROW(Validate(m, kFran, spec.type, data)) << spec.type << " " << data;
    }
  }
}

// Random pushes from a small vocabulary: whatever Validate accepts is applied, and the state's
// invariants must hold after every step.
TEST(Fold, KeepsItsInvariantsUnderRandomPushes) {
  std::mt19937 rng(20240611);
  auto pick = [&](auto const& v) { return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)]; };
  const std::vector<const Actor*> actors = {&kFran, &kAda, &kBo};
  const std::vector<std::string> cards = {"k1", "k2", "k3"}, notes = {"n1", "n2"};
  const std::vector<std::string> phases = {"collect", "vote", "discuss", "done"};
  Meeting m = Started();
  int64_t seq = 4, ts = 10000, accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    const Actor& a = *pick(actors);
    const EventSpec& spec = pick(Catalogue());
    json data = {{"card_id", pick(cards)},
                 {"into_card_id", pick(cards)},
                 {"note_id", pick(notes)},
                 {"title", "t"},
                 {"text", "x"},
                 {"kind", "action"},
                 {"phase", pick(phases)},
                 {"vote", "up"},
                 {"seconds", 60},
                 {"emoji", "\xF0\x9F\x91\x8D"},
                 {"votes_per_person", 2},
                 {"outcome", i % 2 ? "done" : "parked"},
                 {"name", "n"}};
    ts += 1000;
    if (Validate(m, a, spec.type, data)) continue;
    ++accepted;
    Apply(m, Event(++seq, std::string(spec.type), a, data, ts));
    std::map<std::string, int64_t, std::less<>> sums;
    int discussing = 0;
    for (const Card& c : m.cards) {
      for (const auto& [pid, n] : c.votes) {
        ASSERT_GT(n, 0);
        sums[pid] += n;
      }
      discussing += c.status == "discussing";
    }
    ASSERT_EQ(sums, m.votes_used) << "after " << spec.type;
    ASSERT_EQ(discussing, m.discussion ? 1 : 0) << "after " << spec.type;
    if (m.discussion) {
      ASSERT_EQ(m.phase, "discuss");
    }
    ASSERT_EQ(m.last_seq, seq);
  }
  EXPECT_GT(accepted, 1000);
}

}  // namespace
}  // namespace confab::domain
