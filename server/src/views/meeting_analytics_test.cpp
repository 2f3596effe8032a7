#include <gtest/gtest.h>

#include "views/meeting_fold.hpp"
#include "views/queries.hpp"
#include "views/summary.hpp"
#include "views/views_test_support.hpp"

namespace confab::views {
namespace {

using testing::kT0;
using testing::MeetingScript;
using testing::RetroScript;

nlohmann::json AnalyticsOf(const MeetingScript& script) {
  MeetingFold fold(script.meeting_id());
  for (const auto& ev : script.events()) fold.Apply(ev, nlohmann::json::parse(ev.json));
  return fold.AnalyticsJson();
}

const nlohmann::json& Item(const nlohmann::json& analytics, const std::string& card_id) {
  for (const auto& item : analytics["items"]) {
    if (item["card_id"] == card_id) return item;
  }
  ADD_FAILURE() << "no item " << card_id;
  static const nlohmann::json kNone;
  return kNone;
}

const nlohmann::json& Person(const nlohmann::json& analytics, const std::string& pid) {
  for (const auto& p : analytics["participation"]) {
    if (p["pid"] == pid) return p;
  }
  ADD_FAILURE() << "no participant " << pid;
  static const nlohmann::json kNone;
  return kNone;
}

TEST(MeetingAnalytics, DiscussionTimeCountsFinishedSpansAndTheRunningOneUpToTheLastEvent) {
  const nlohmann::json a = AnalyticsOf(RetroScript());
  const auto& k1 = Item(a, "k1");
  EXPECT_EQ(k1["discussed_ms"], 300000 + 45000);  // 60s→360s done, then 500s→545s (last event) running
  EXPECT_EQ(k1["times_discussed"], 2);
  EXPECT_EQ(k1["discussing"], true);
  EXPECT_EQ(k1["outcome"], "done");  // of its last finished discussion
  EXPECT_EQ(k1["discussion_order"], 1);
  const auto& k2 = Item(a, "k2");
  EXPECT_EQ(k2["discussed_ms"], 90500);
  EXPECT_EQ(k2["times_discussed"], 1);
  EXPECT_EQ(k2["discussing"], false);
  EXPECT_EQ(k2["outcome"], "parked");
  EXPECT_EQ(k2["discussion_order"], 2);
  const auto& k3 = Item(a, "k3");
  EXPECT_EQ(k3["discussed_ms"], 0);
  EXPECT_TRUE(k3["outcome"].is_null());
  EXPECT_TRUE(k3["discussion_order"].is_null());
  EXPECT_EQ(a["totals"]["discussed_ms"], 345000 + 90500);
  EXPECT_EQ(a["totals"]["items_discussed"], 2);
  EXPECT_EQ(a["totals"]["duration_ms"], 545000);
}

TEST(MeetingAnalytics, VotesAreNetOfWithdrawalsAndFollowMerges) {
  const nlohmann::json a = AnalyticsOf(RetroScript());
  EXPECT_EQ(Item(a, "k1")["votes"], 2);  // 2 cast − 1 withdrawn + 1 merged in from k4
  EXPECT_EQ(Item(a, "k2")["votes"], 1);
  EXPECT_EQ(Item(a, "k3")["votes"], 1);
  EXPECT_EQ(Item(a, "k4")["votes"], 0);
  EXPECT_EQ(Item(a, "k4")["state"], "merged");
  EXPECT_EQ(Item(a, "k4")["merged_into"], "k1");
  EXPECT_EQ(a["totals"]["votes"], 4);
}

TEST(MeetingAnalytics, ReactionsGoToTheirCardOrTheCardUnderDiscussion) {
  const nlohmann::json a = AnalyticsOf(RetroScript());
  const auto& k1 = Item(a, "k1");
  EXPECT_EQ(k1["reactions"], (nlohmann::json{{"👍", 1}, {"🎉", 1}, {"❤️", 1}, {"😂", 1}}));
  EXPECT_EQ(k1["sentiment"],
            (nlohmann::json{{"positive", 4}, {"neutral", 0}, {"negative", 0}, {"mean", 1.0}}));
  const auto& k2 = Item(a, "k2");
  // 🤔 names k2 although k1 was being discussed; 👎 falls in k2's discussion.
  EXPECT_EQ(k2["reactions"], (nlohmann::json{{"🤔", 1}, {"👎", 1}, {"😢", 1}}));
  EXPECT_EQ(k2["sentiment"]["positive"], 0);
  EXPECT_EQ(k2["sentiment"]["neutral"], 1);
  EXPECT_EQ(k2["sentiment"]["negative"], 2);
  EXPECT_DOUBLE_EQ(k2["sentiment"]["mean"].get<double>(), -2.0 / 3.0);
  EXPECT_TRUE(Item(a, "k3")["sentiment"]["mean"].is_null());
  const auto& totals = a["totals"];
  EXPECT_EQ(totals["reactions"], 8);
  EXPECT_EQ(totals["unattributed_reactions"], 1);  // 🔥 during voting, no card
  EXPECT_EQ(totals["sentiment"]["positive"], 5);
  EXPECT_EQ(totals["sentiment"]["neutral"], 1);
  EXPECT_EQ(totals["sentiment"]["negative"], 2);
  EXPECT_DOUBLE_EQ(totals["sentiment"]["mean"].get<double>(), 3.0 / 8.0);
}

TEST(MeetingAnalytics, ParticipationCountsEachPersonsActions) {
  const MeetingScript script = RetroScript();
  const nlohmann::json a = AnalyticsOf(script);
  ASSERT_EQ(a["participation"].size(), 2u);          // the system actor is not a participant
  EXPECT_EQ(a["participation"][0]["pid"], "p_ada");  // order of first appearance
  const auto& ada = Person(a, "p_ada");
  EXPECT_EQ(ada["name"], "Ada");
  EXPECT_EQ(ada["cards"], 2);
  EXPECT_EQ(ada["votes"], 2);  // 3 cast, 1 withdrawn
  EXPECT_EQ(ada["notes"], 1);
  EXPECT_EQ(ada["reactions"], 5);
  EXPECT_EQ(ada["continue_votes"], 1);
  const auto& bob = Person(a, "p_bob");
  EXPECT_EQ(bob["cards"], 2);
  EXPECT_EQ(bob["votes"], 2);
  EXPECT_EQ(bob["notes"], 1);
  EXPECT_EQ(bob["reactions"], 3);
  EXPECT_EQ(bob["continue_votes"], 0);
  EXPECT_EQ(ada["events"].get<int64_t>() + bob["events"].get<int64_t>() + 1,
            static_cast<int64_t>(script.events().size()));
  EXPECT_EQ(a["totals"]["participants"], 2);
  EXPECT_EQ(a["totals"]["events"], script.events().size());
  EXPECT_EQ(Item(a, "k1")["continue_votes"]["up"], 1);
  EXPECT_EQ(Item(a, "k1")["notes"], (nlohmann::json{{"takeaways", 1}, {"actions", 1}}));
}

TEST(MeetingAnalytics, RenamesAndDeletesAreFolded) {
  MeetingScript s("m_ren");
  s.Add(kT0, "system", "Confab", "meeting_created",
        {{"title", "Old"}, {"votes_per_person", 3}, {"timebox_s", 300}});
  s.Add(kT0 + 1, "p1", "Ann", "participant_joined", {{"name", "Ann"}});
  s.Add(kT0 + 2, "p1", "Ann", "participant_renamed", {{"name", "Anna"}});
  s.Add(kT0 + 3, "p1", "Anna", "meeting_renamed", {{"title", "New"}});
  s.Add(kT0 + 4, "p1", "Anna", "card_added", {{"card_id", "c"}, {"title", "first"}});
  s.Add(kT0 + 5, "p1", "Anna", "card_edited", {{"card_id", "c"}, {"title", "second"}});
  s.Add(kT0 + 6, "p1", "Anna", "card_added", {{"card_id", "d"}, {"title", "gone"}});
  s.Add(kT0 + 7, "p1", "Anna", "card_deleted", {{"card_id", "d"}});
  const nlohmann::json a = AnalyticsOf(s);
  EXPECT_EQ(a["title"], "New");
  EXPECT_EQ(Person(a, "p1")["name"], "Anna");
  EXPECT_EQ(Item(a, "c")["title"], "second");
  EXPECT_EQ(Item(a, "d")["state"], "deleted");
}

// The domain refuses to leave the discuss phase while a card is discussed (discussion_in_progress), so a
// discussion ends with discussion_finished; a log that left the phase anyway is read as the domain folds
// it (meeting_fold_test.cpp).
TEST(MeetingAnalytics, AFinishedDiscussionStopsCountingAndLaterReactionsAreUnattributed) {
  MeetingScript s("m_phase");
  s.Add(kT0, "system", "Confab", "meeting_created", {{"title", "T"}});
  s.Add(kT0 + 1000, "f", "F", "card_added", {{"card_id", "c"}, {"title", "x"}});
  s.Add(kT0 + 2000, "f", "F", "phase_changed", {{"phase", "discuss"}});
  s.Add(kT0 + 3000, "f", "F", "discussion_started", {{"card_id", "c"}});
  s.Add(kT0 + 10000, "f", "F", "discussion_finished", {{"card_id", "c"}});
  s.Add(kT0 + 10000, "f", "F", "phase_changed", {{"phase", "done"}});
  s.Add(kT0 + 99000, "f", "F", "reaction", {{"emoji", "👍"}});
  const nlohmann::json a = AnalyticsOf(s);
  EXPECT_EQ(Item(a, "c")["discussed_ms"], 7000);
  EXPECT_EQ(Item(a, "c")["discussing"], false);
  EXPECT_EQ(Item(a, "c")["outcome"], "done");  // the domain's, when the event names none
  EXPECT_EQ(a["totals"]["unattributed_reactions"], 1);
}

TEST(MeetingAnalytics, OddEventsNeverThrow) {
  MeetingScript s("m_odd");
  s.Add(kT0, "system", "Confab", "meeting_created", {{"title", 42}});
  s.Add(kT0 + 1, "p", "P", "card_voted", {{"card_id", "nope"}});
  s.Add(kT0 + 2, "p", "P", "discussion_finished", nlohmann::json::array());
  s.Add(kT0 + 3, "p", "P", "reaction", {{"emoji", "🦄"}, {"card_id", 7}});
  s.Add(kT0 + 4, "p", "P", "some_future_type", {{"x", 1}});
  const nlohmann::json a = AnalyticsOf(s);
  EXPECT_EQ(a["totals"]["events"], 5);
  EXPECT_EQ(a["totals"]["reactions"], 1);
  EXPECT_EQ(a["totals"]["sentiment"]["mean"], nullptr);  // 🦄 is outside the scored set
}

TEST(MeetingAnalyticsJson, AMissFoldsFromTheStore) {
  testing::MemoryStore store;
  store.Load(RetroScript());
  ViewHub hub(store);
  nlohmann::json from_hub;
  ASSERT_TRUE(MeetingAnalyticsJson(hub, "m_retro", &from_hub).ok());
  EXPECT_EQ(from_hub, AnalyticsOf(RetroScript()));
  EXPECT_EQ(from_hub["items"].size(), 4u);
  EXPECT_TRUE(hub.Holds("m_retro"));
  nlohmann::json none;
  EXPECT_EQ(MeetingAnalyticsJson(hub, "m_nope", &none).code(), Status::Code::kNotFound);
  EXPECT_FALSE(hub.Holds("m_nope"));
  EXPECT_EQ(hub.Stats().meetings, 1u);
}

TEST(MeetingAnalyticsJson, EventsOfAMeetingNotHeldAreLeftToTheStore) {
  testing::MemoryStore store;
  const MeetingScript script = RetroScript();
  store.Load(script);
  ViewHub hub(store);
  std::vector<store::StoredEvent> tail(script.events().begin() + 10, script.events().end());
  hub.OnCommitted(tail);
  EXPECT_FALSE(hub.Holds("m_retro"));
  EXPECT_EQ(hub.Stats().ignored, tail.size());
  nlohmann::json a;
  ASSERT_TRUE(MeetingAnalyticsJson(hub, "m_retro", &a).ok());
  EXPECT_EQ(a["totals"]["events"], script.events().size());
}

}  // namespace
}  // namespace confab::views
