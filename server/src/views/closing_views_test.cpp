// Issue 11's views: action items with owners and due dates, parked topics listed apart, deleted cards
// out of the topic count, reactions per card and per minute (the mood-over-time chart), and the new
// events (facilitator_changed, action_updated, anonymous cards) in the audit and the summary.
#include <gtest/gtest.h>

#include "views/audit.hpp"
#include "views/event_labels.hpp"
#include "views/meeting_fold.hpp"
#include "views/queries.hpp"
#include "views/summary.hpp"
#include "views/views_test_support.hpp"

namespace confab::views {
namespace {

using testing::kT0;
using testing::MeetingScript;
using testing::MemoryStore;
using testing::RetroScript;

constexpr int64_t kMin = 60'000;

MeetingFold FoldOf(const MeetingScript& script) {
  MeetingFold fold(script.meeting_id());
  for (const auto& ev : script.events()) fold.Apply(ev, nlohmann::json::parse(ev.json));
  return fold;
}

// Three people, nine cards of which one deleted and one merged away, one anonymous; a topic done, one
// parked, one running; action items given owners and due dates, then changed; the role handed over.
MeetingScript ClosingScript() {
  MeetingScript s("m_close");
  const std::string A = "p_ada", B = "p_bo", C = "p_cy";
  s.Add(kT0, "system", "Confab", "meeting_created",
        {{"title", "Team sync"}, {"votes_per_person", 3}, {"timebox_s", 300}, {"anonymous_cards", false}});
  s.Add(kT0 + 1000, A, "Ada", "participant_joined", {{"name", "Ada"}});
  s.Add(kT0 + 2000, B, "Bo", "participant_joined", {{"name", "Bo"}});
  s.Add(kT0 + 3000, C, "Cy", "participant_joined", {{"name", "Cy"}});
  for (int i = 1; i <= 7; ++i) {
    s.Add(kT0 + 4000 + i, A, "Ada", "card_added",
          {{"card_id", "c" + std::to_string(i)}, {"title", "Topic " + std::to_string(i)}});
  }
  s.Add(kT0 + 5000, A, "Ada", "settings_changed", {{"anonymous_cards", true}, {"hide_totals", true}});
  s.Add(kT0 + 5100, "anonymous", "Anonymous", "card_added",
        {{"card_id", "c8"}, {"title", "Secret topic"}, {"seal", "00ff00ff00ff00ff00ff00ff00ff00ff"}});
  s.Add(kT0 + 5200, "anonymous", "Anonymous", "card_added",
        {{"card_id", "c9"}, {"title", "Dup of 1"}, {"seal", "ab"}});
  s.Add(kT0 + 6000, A, "Ada", "card_deleted", {{"card_id", "c7"}});
  s.Add(kT0 + 6100, "anonymous", "Anonymous", "card_merged", {{"card_id", "c9"}, {"into_card_id", "c1"}});
  s.Add(kT0 + 7000, A, "Ada", "phase_changed", {{"phase", "discuss"}});
  s.Add(kT0 + 8000, A, "Ada", "facilitator_changed", {{"pid", B}});
  s.Add(kT0 + 2 * kMin, B, "Bo", "discussion_started", {{"card_id", "c1"}});
  s.Add(kT0 + 2 * kMin + 10000, C, "Cy", "reaction", {{"emoji", "👍"}, {"card_id", "c1"}});
  s.Add(kT0 + 2 * kMin + 20000, A, "Ada", "reaction", {{"emoji", "🎉"}});  // while c1 is discussed
  s.Add(kT0 + 2 * kMin + 30000, A, "Ada", "reaction", {{"emoji", "👎"}, {"card_id", "c2"}});
  s.Add(kT0 + 2 * kMin + 40000, A, "Ada", "note_added",
        {{"card_id", "c1"},
         {"note_id", "n1"},
         {"text", "Ship it"},
         {"kind", "action"},
         {"owner", C},
         {"due", "2024-12-05"}});
  s.Add(kT0 + 2 * kMin + 41000, A, "Ada", "note_added",
        {{"card_id", "c1"}, {"note_id", "n2"}, {"text", "Write docs"}, {"kind", "action"}});
  s.Add(kT0 + 2 * kMin + 42000, C, "Cy", "note_added",
        {{"card_id", "c1"}, {"note_id", "n3"}, {"text", "We agree"}, {"kind", "takeaway"}});
  s.Add(kT0 + 2 * kMin + 50000, B, "Bo", "action_updated",
        {{"card_id", "c1"}, {"note_id", "n2"}, {"owner", B}});
  s.Add(kT0 + 2 * kMin + 51000, B, "Bo", "action_updated",
        {{"card_id", "c1"}, {"note_id", "n1"}, {"owner", A}, {"due", nullptr}});
  s.Add(kT0 + 2 * kMin + 52000, B, "Bo", "action_updated",
        {{"card_id", "c1"}, {"note_id", "n2"}, {"due", "2025-01-31"}});
  s.Add(kT0 + 4 * kMin, B, "Bo", "discussion_finished", {{"card_id", "c1"}, {"outcome", "done"}});
  s.Add(kT0 + 4 * kMin + 1000, B, "Bo", "discussion_started", {{"card_id", "c8"}});
  s.Add(kT0 + 4 * kMin + 5000, C, "Cy", "reaction", {{"emoji", "😢"}});
  s.Add(kT0 + 5 * kMin, B, "Bo", "discussion_finished", {{"card_id", "c8"}, {"outcome", "parked"}});
  s.Add(kT0 + 5 * kMin + 1000, A, "Ada", "facilitator_changed", {{"pid", A}});
  s.Add(kT0 + 6 * kMin, A, "Ada", "discussion_started", {{"card_id", "c2"}});
  // c2 is still discussed at the last event (the domain ends a discussion only with discussion_finished).
  s.Add(kT0 + 6 * kMin + 30000, A, "Ada", "timer_started", {{"seconds", 60}});
  return s;
}

TEST(ClosingViews, TopicsLeaveOutDeletedAndMergedCards) {
  const nlohmann::json a = FoldOf(ClosingScript()).AnalyticsJson();
  // 9 cards added; c7 deleted and c9 merged into c1: 7 topics, of which c1, c8 and c2 were discussed.
  EXPECT_EQ(a["totals"]["items_added"], 9);
  EXPECT_EQ(a["totals"]["items"], 7);
  EXPECT_EQ(a["totals"]["items_discussed"], 3);
}

TEST(ClosingViews, ADeletedCardThatWasDiscussedIsNoTopicEither) {
  MeetingScript s = ClosingScript();
  s.Add(kT0 + 7 * kMin, "p_ada", "Ada", "card_deleted", {{"card_id", "c8"}});
  const nlohmann::json a = FoldOf(s).AnalyticsJson();
  EXPECT_EQ(a["totals"]["items"], 6);
  EXPECT_EQ(a["totals"]["items_discussed"], 2);
  std::string md = SummaryMarkdownOf(FoldOf(s));
  EXPECT_EQ(md.find("Secret topic"), std::string::npos) << md;
}

TEST(ClosingViews, ReactionsByCardCountOnlyReactionsNamingTheCard) {
  const nlohmann::json a = FoldOf(ClosingScript()).AnalyticsJson();
  EXPECT_EQ(a["last_seq"], a["head_seq"]);
  EXPECT_EQ(a["last_seq"], static_cast<int64_t>(ClosingScript().events().size()));
  EXPECT_EQ(a["reactions_by_card"], (nlohmann::json{{"c1", {{"👍", 1}}}, {"c2", {{"👎", 1}}}}));
  // items[].reactions still count the reactions made while the card was discussed.
  for (const auto& item : a["items"]) {
    if (item["card_id"] == "c1") {
      EXPECT_EQ(item["reactions"], (nlohmann::json{{"👍", 1}, {"🎉", 1}}));
    }
  }
  EXPECT_EQ(FoldOf(RetroScript()).AnalyticsJson()["reactions_by_card"],
            (nlohmann::json{{"k1", {{"👍", 1}}}, {"k2", {{"🤔", 1}, {"😢", 1}}}}));
}

TEST(ClosingViews, MoodPerMinuteSumsScoresAndMarksTheTopics) {
  const nlohmann::json mood = FoldOf(RetroScript()).AnalyticsJson()["mood"];
  EXPECT_EQ(mood["minute_ms"], kMin);
  EXPECT_EQ(mood["start_ts"], kT0);
  // Reactions at 30 s (🔥), 70/80/90 s (👍 🎉 🤔), 410 s (👎), 420 s (😢), 510 s (❤️), 545 s
  // (😂).
  const auto& m = mood["minutes"];
  ASSERT_EQ(m.size(), 6u) << m.dump();
  EXPECT_EQ(m[0]["minute"], 0);
  EXPECT_EQ(m[0]["sum"], 1);
  EXPECT_EQ(m[1]["minute"], 1);
  EXPECT_EQ(m[1]["ts"], kT0 + kMin);
  EXPECT_EQ(m[1]["reactions"], 3);
  EXPECT_EQ(m[1]["scored"], 3);
  EXPECT_EQ(m[1]["sum"], 2);
  EXPECT_NEAR(m[1]["mean"].get<double>(), 2.0 / 3.0, 1e-9);
  EXPECT_EQ(m[2]["minute"], 6);
  EXPECT_EQ(m[2]["sum"], -1);
  EXPECT_EQ(m[3]["minute"], 7);
  EXPECT_EQ(m[3]["negative"], 1);
  EXPECT_EQ(m[5]["minute"], 9);
  const auto& topics = mood["topics"];
  ASSERT_EQ(topics.size(), 3u);
  EXPECT_EQ(topics[0], (nlohmann::json{{"card_id", "k1"},
                                       {"title", "Why are builds slow?"},
                                       {"start_ts", kT0 + kMin},
                                       {"end_ts", kT0 + 360000},
                                       {"running", false}}));
  EXPECT_EQ(topics[1]["card_id"], "k2");
  EXPECT_EQ(topics[1]["end_ts"], kT0 + 490500);
  EXPECT_EQ(topics[2]["end_ts"], kT0 + 545000);  // running: up to the last event
  EXPECT_EQ(topics[2]["running"], true);
}

TEST(ClosingViews, NoReactionsGiveAnEmptyMood) {
  MeetingScript s("m_quiet");
  s.Add(kT0, "system", "Confab", "meeting_created",
        {{"title", "Quiet"}, {"votes_per_person", 3}, {"timebox_s", 300}});
  const nlohmann::json a = FoldOf(s).AnalyticsJson();
  EXPECT_TRUE(a["mood"]["minutes"].empty());
  EXPECT_TRUE(a["mood"]["topics"].empty());
  EXPECT_TRUE(a["reactions_by_card"].is_object());
  EXPECT_TRUE(a["reactions_by_card"].empty());
}

TEST(ClosingViews, TheRunningSpanIsMarkedUpToTheLastEvent) {
  const nlohmann::json topics = FoldOf(ClosingScript()).AnalyticsJson()["mood"]["topics"];
  ASSERT_EQ(topics.size(), 3u);
  EXPECT_EQ(topics[1]["end_ts"], kT0 + 5 * kMin);  // c8, parked
  EXPECT_EQ(topics[1]["running"], false);
  EXPECT_EQ(topics[2]["card_id"], "c2");
  EXPECT_EQ(topics[2]["end_ts"], kT0 + 6 * kMin + 30000);
  EXPECT_EQ(topics[2]["running"], true);
}

TEST(ClosingViews, AnonymousCardsAreNobodysActivity) {
  const nlohmann::json a = FoldOf(ClosingScript()).AnalyticsJson();
  EXPECT_EQ(a["totals"]["participants"], 3);
  for (const auto& p : a["participation"]) EXPECT_NE(p["pid"], "anonymous");
  for (const auto& item : a["items"]) {
    if (item["card_id"] == "c8") {
      EXPECT_EQ(item["author_pid"], "anonymous");
    }
  }
}

TEST(ClosingViews, SummaryListsParkedApartAndActionItemsWithOwnersAndDueDates) {
  const std::string md = SummaryMarkdownOf(FoldOf(ClosingScript()));
  EXPECT_NE(md.find("- Participants (3): Ada, Bo, Cy\n- Facilitator: Ada, then Bo, then Ada\n"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("- Mood: ±0.00 (mixed) from 4 reactions: 2 positive, 0 neutral, 2 negative\n"),
            std::string::npos)
      << md;
  const std::string discussed =
      "## Topics discussed\n\n"
      "1. Topic 1 — 02:00, 0 votes, done\n"
      "   - Takeaway: We agree — Cy\n"
      "2. Topic 2 — 00:30, 0 votes, in discussion\n";
  EXPECT_NE(md.find(discussed), std::string::npos) << md;
  EXPECT_NE(md.find("## Topics parked\n\n1. Secret topic — 00:59, 0 votes\n"), std::string::npos) << md;
  const std::string actions =
      "## Action items\n\n"
      "- [ ] Ship it — owner: Ada (topic: Topic 1; added by Ada)\n"
      "- [ ] Write docs — owner: Bo, due 2025-01-31 (topic: Topic 1; added by Ada)\n";
  EXPECT_NE(md.find(actions), std::string::npos) << md;
  EXPECT_EQ(md.find("Topic 7"), std::string::npos) << "a deleted card is no topic: " << md;
  EXPECT_EQ(md.find("Dup of 1"), std::string::npos) << "a merged card is no topic: " << md;
  EXPECT_EQ(md.find("nonymous"), std::string::npos) << md;
}

TEST(ClosingViews, SummaryJsonHasTheSameContent) {
  const nlohmann::json j = SummaryJsonOf(FoldOf(ClosingScript()));
  EXPECT_EQ(j["title"], "Team sync");
  EXPECT_EQ(j["phase"], "discuss");
  EXPECT_EQ(j["participants"], (nlohmann::json{"Ada", "Bo", "Cy"}));
  EXPECT_EQ(j["facilitators"], (nlohmann::json{"Ada", "Bo", "Ada"}));
  EXPECT_EQ(j["mood"]["text"], "±0.00 (mixed)");
  EXPECT_EQ(j["mood"]["reactions"], 4);
  ASSERT_EQ(j["discussed"].size(), 2u);
  EXPECT_EQ(j["discussed"][0]["title"], "Topic 1");
  EXPECT_EQ(j["discussed"][0]["outcome"], "done");
  EXPECT_EQ(j["discussed"][0]["discussed_ms"], 2 * kMin);
  EXPECT_EQ(j["discussed"][0]["takeaways"][0], (nlohmann::json{{"text", "We agree"}, {"author", "Cy"}}));
  ASSERT_EQ(j["parked"].size(), 1u);
  EXPECT_EQ(j["parked"][0]["outcome"], "parked");
  EXPECT_EQ(j["not_discussed"].size(), 4u);
  ASSERT_EQ(j["actions"].size(), 2u);
  EXPECT_EQ(j["actions"][0], (nlohmann::json{{"card_id", "c1"},
                                             {"note_id", "n1"},
                                             {"topic", "Topic 1"},
                                             {"text", "Ship it"},
                                             {"author", "Ada"},
                                             {"owner_pid", "p_ada"},
                                             {"owner", "Ada"},
                                             {"due", nullptr}}));
  EXPECT_EQ(j["actions"][1]["due"], "2025-01-31");
  EXPECT_EQ(j["actions"][1]["owner"], "Bo");
}

TEST(ClosingViews, ASummaryServedFromTheStoreEqualsTheFold) {
  MemoryStore store;
  store.Load(ClosingScript());
  std::string md;
  nlohmann::json j;
  ASSERT_TRUE(SummaryMarkdown(store, "m_close", &md).ok());
  ASSERT_TRUE(SummaryJson(store, "m_close", &j).ok());
  EXPECT_EQ(md, SummaryMarkdownOf(FoldOf(ClosingScript())));
  EXPECT_EQ(j, SummaryJsonOf(FoldOf(ClosingScript())));
  EXPECT_EQ(SummaryJson(store, "m_nope", &j).code(), Status::Code::kNotFound);
}

std::vector<AuditRow> AuditOf(const MeetingScript& s) {
  MemoryStore store;
  store.Load(s);
  std::vector<AuditRow> rows;
  EXPECT_TRUE(BuildAudit(store, s.meeting_id(), {}, &rows).ok());
  return rows;
}

const AuditRow& RowAt(const std::vector<AuditRow>& rows, int64_t ts) {
  for (const AuditRow& r : rows) {
    if (r.ts == ts) return r;
  }
  ADD_FAILURE() << "no row at " << ts;
  static const AuditRow kNone;
  return kNone;
}

TEST(ClosingViews, AuditSaysWhoHeldTheFacilitatorRoleWhen) {
  const auto rows = AuditOf(ClosingScript());
  EXPECT_EQ(RowAt(rows, kT0 + 8000).summary, "Ada handed the facilitator role to Bo");
  EXPECT_EQ(RowAt(rows, kT0 + 8000).label, "Facilitator handed over");
  EXPECT_EQ(RowAt(rows, kT0 + 5 * kMin + 1000).summary, "Ada took the facilitator role");
}

TEST(ClosingViews, AuditWordsActionItemsWithTheirOwners) {
  const auto rows = AuditOf(ClosingScript());
  EXPECT_EQ(RowAt(rows, kT0 + 2 * kMin + 40000).summary,
            "Ada added an action item to 'Topic 1': 'Ship it' for Cy, due 2024-12-05");
  EXPECT_EQ(RowAt(rows, kT0 + 2 * kMin + 50000).summary,
            "Bo gave the action item 'Write docs' to Bo on 'Topic 1'");
  EXPECT_EQ(RowAt(rows, kT0 + 2 * kMin + 51000).summary,
            "Bo gave the action item 'Ship it' to Ada and took the due date off it on 'Topic 1'");
  EXPECT_EQ(RowAt(rows, kT0 + 2 * kMin + 52000).summary,
            "Bo set the action item 'Write docs' due 2025-01-31 on 'Topic 1'");
  EXPECT_EQ(RowAt(rows, kT0 + 2 * kMin + 52000).label, "Action item updated");
}

TEST(ClosingViews, AuditShowsAnonymousForAnonymousCardsAndParkedAsParked) {
  const auto rows = AuditOf(ClosingScript());
  const AuditRow& added = RowAt(rows, kT0 + 5100);
  EXPECT_EQ(added.actor, "Anonymous");
  EXPECT_EQ(added.summary, "Anonymous added 'Secret topic'");
  EXPECT_EQ(RowAt(rows, kT0 + 6100).summary, "Anonymous merged 'Dup of 1' into 'Topic 1'");
  EXPECT_EQ(RowAt(rows, kT0 + 5000).summary,
            "Ada changed the settings: anonymous cards on, vote totals hidden while voting");
  const AuditRow& parked = RowAt(rows, kT0 + 5 * kMin);
  EXPECT_EQ(parked.summary, "Bo parked 'Secret topic'");
  EXPECT_EQ(parked.label, "Parked");
  EXPECT_EQ(RowAt(rows, kT0 + 4 * kMin).label, "Discussion finished");
  EXPECT_EQ(AuditRowJson(parked)["label"], "Parked");
}

TEST(ClosingViews, AnAnonymousActorWithoutANameStillReadsAnonymous) {
  MeetingScript s("m_anon");
  s.Add(kT0, "system", "Confab", "meeting_created",
        {{"title", "A"}, {"votes_per_person", 3}, {"timebox_s", 300}});
  s.Add(kT0 + 1, "anonymous", "", "card_added", {{"card_id", "x"}, {"title", "X"}});
  s.Add(kT0 + 2, "p_gone", "", "card_added", {{"card_id", "y"}, {"title", "Y"}});  // no participant_joined
  s.Add(kT0 + 3, "p_gone", "", "discussion_started", {{"card_id", "y"}});
  s.Add(kT0 + 4, "p_gone", "", "note_added",
        {{"card_id", "y"}, {"note_id", "n"}, {"text", "T"}, {"kind", "action"}, {"owner", "p_unknown"}});
  const auto rows = AuditOf(s);
  EXPECT_EQ(rows[1].summary, "Anonymous added 'X'");
  EXPECT_EQ(rows[4].summary, "p_gone added an action item to 'Y': 'T' for p_unknown");
  const std::string md = SummaryMarkdownOf(FoldOf(s));
  EXPECT_NE(md.find("- [ ] T — owner: p\\_unknown (topic: Y; added by "), std::string::npos) << md;
}

TEST(ClosingViews, ACardMergedAwayTakesItsActionItemsAlong) {
  MeetingScript s("m_merge");
  s.Add(kT0, "system", "Confab", "meeting_created",
        {{"title", "M"}, {"votes_per_person", 3}, {"timebox_s", 300}});
  s.Add(kT0 + 1, "p", "Ada", "participant_joined", {{"name", "Ada"}});
  s.Add(kT0 + 2, "p", "Ada", "card_added", {{"card_id", "a"}, {"title", "A"}});
  s.Add(kT0 + 3, "p", "Ada", "card_added", {{"card_id", "b"}, {"title", "B"}});
  s.Add(kT0 + 4, "p", "Ada", "note_added",
        {{"card_id", "b"}, {"note_id", "n"}, {"text", "Do"}, {"kind", "action"}});
  s.Add(kT0 + 5, "p", "Ada", "card_merged", {{"card_id", "b"}, {"into_card_id", "a"}});
  // Later events name the card the note moved to, as the domain's state holds it there.
  s.Add(kT0 + 6, "p", "Ada", "action_updated", {{"card_id", "a"}, {"note_id", "n"}, {"owner", "p"}});
  const nlohmann::json j = SummaryJsonOf(FoldOf(s));
  ASSERT_EQ(j["actions"].size(), 1u) << j.dump();
  EXPECT_EQ(j["actions"][0]["topic"], "A");
  EXPECT_EQ(j["actions"][0]["owner"], "Ada");
}

TEST(ClosingViews, ASummaryWithoutHandOversNamesNoFacilitator) {
  const std::string md = SummaryMarkdownOf(FoldOf(RetroScript()));
  EXPECT_EQ(md.find("Facilitator"), std::string::npos) << md;
  EXPECT_TRUE(SummaryJsonOf(FoldOf(RetroScript()))["facilitators"].empty());
}

TEST(ClosingViews, EveryEventTypeHasWords) {
  EXPECT_EQ(EventTypeLabel("card_added"), "Card added");
  EXPECT_EQ(EventTypeLabel("facilitator_changed"), "Facilitator handed over");
  EXPECT_EQ(EventTypeLabel("something_new"), "Something new");
}

}  // namespace
}  // namespace confab::views
