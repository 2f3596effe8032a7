#include "views/view_hub.hpp"

#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "store/test_support.hpp"
#include "views/queries.hpp"
#include "views/views_test_support.hpp"

namespace confab::views {
namespace {

using testing::kT0;
using testing::MeetingScript;

// A plausible meeting of `n` events: people join, add cards, vote and withdraw, merge, discuss
// (with reactions, continue votes, notes, timers) — random but seeded, so failures reproduce.
MeetingScript GeneratedMeeting(const std::string& id, int n, uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&rng](size_t size) { return static_cast<size_t>(rng() % size); };
  const std::vector<std::string> emoji = {"👍", "👏", "🎉", "❤️", "🔥", "😂", "🤔", "😮", "👎", "😢"};
  MeetingScript s(id);
  int64_t ts = kT0 + static_cast<int64_t>(seed) * 12 * 3'600'000;  // m_big starts at 17:00 UTC
  s.Add(ts, "system", "Confab", "meeting_created",
        {{"title", "Generated " + id}, {"votes_per_person", 5}, {"timebox_s", 300}});
  std::vector<std::string> people, cards;
  std::vector<std::pair<std::string, std::string>> votes;  // (pid, card)
  std::vector<std::pair<std::string, std::string>> notes;  // (card, note)
  std::string discussing;
  int counter = 0;
  while (static_cast<int>(s.events().size()) < n) {
    ts += 1 + static_cast<int64_t>(rng() % 20000);  // crosses UTC days in long meetings
    const int roll = static_cast<int>(rng() % 100);
    if (people.empty() || roll < 4) {
      const std::string pid = "p" + std::to_string(people.size());
      s.Add(ts, pid, "Person " + pid, "participant_joined", {{"name", "Person " + pid}});
      people.push_back(pid);
      continue;
    }
    const std::string pid = people[pick(people.size())];
    const std::string name = "Person " + pid;
    const std::string tag = std::to_string(++counter);
    if (cards.empty() || roll < 15) {
      cards.push_back("k" + tag);
      s.Add(ts, pid, name, "card_added", {{"card_id", cards.back()}, {"title", "Topic, \"" + tag + "\"\n🎉"}});
    } else if (roll < 30) {
      const std::string card = cards[pick(cards.size())];
      s.Add(ts, pid, name, "card_voted", {{"card_id", card}});
      votes.emplace_back(pid, card);
    } else if (roll < 36 && !votes.empty()) {
      const size_t v = pick(votes.size());
      s.Add(ts, votes[v].first, "Person " + votes[v].first, "vote_withdrawn", {{"card_id", votes[v].second}});
      votes.erase(votes.begin() + static_cast<long>(v));
    } else if (roll < 38 && cards.size() > 2 && discussing.empty()) {
      const size_t a = pick(cards.size()), b = (a + 1) % cards.size();
      s.Add(ts, pid, name, "card_merged", {{"card_id", cards[a]}, {"into_card_id", cards[b]}});
      for (auto& [_, card] : votes) {
        if (card == cards[a]) card = cards[b];
      }
      cards.erase(cards.begin() + static_cast<long>(a));
    } else if (roll < 40) {
      s.Add(ts, pid, name, "card_edited",
            {{"card_id", cards[pick(cards.size())]}, {"title", "Edited " + tag}});
    } else if (roll < 48) {
      if (discussing.empty()) {
        discussing = cards[pick(cards.size())];
        s.Add(ts, pid, name, "discussion_started", {{"card_id", discussing}});
      } else {
        s.Add(ts, pid, name, "discussion_finished",
              {{"card_id", discussing}, {"outcome", roll % 2 ? "done" : "parked"}});
        discussing.clear();
      }
    } else if (roll < 70) {
      nlohmann::json data = {{"emoji", emoji[pick(emoji.size())]}};
      if (roll % 3 == 0) data["card_id"] = cards[pick(cards.size())];
      s.Add(ts, pid, name, "reaction", data);
    } else if (roll < 76 && !discussing.empty()) {
      static const char* kVotes[] = {"up", "sideways", "down"};
      s.Add(ts, pid, name, "continue_voted", {{"vote", kVotes[rng() % 3]}});
    } else if (roll < 84) {
      const std::string card = discussing.empty() ? cards[pick(cards.size())] : discussing;
      notes.emplace_back(card, "n" + tag);
      s.Add(ts, pid, name, "note_added",
            {{"card_id", card},
             {"note_id", "n" + tag},
             {"text", "note " + tag},
             {"kind", roll % 2 ? "takeaway" : "action"}});
    } else if (roll < 86 && !notes.empty()) {
      const size_t i = pick(notes.size());
      s.Add(ts, pid, name, "note_deleted", {{"card_id", notes[i].first}, {"note_id", notes[i].second}});
      notes.erase(notes.begin() + static_cast<long>(i));
    } else if (roll < 90) {
      s.Add(ts, pid, name, roll % 2 ? "timer_started" : "timer_extended", {{"seconds", 60}});
    } else if (roll < 93) {
      static const char* kPhases[] = {"collect", "vote", "discuss"};
      s.Add(ts, pid, name, "phase_changed", {{"phase", kPhases[rng() % 3]}});
    } else if (roll < 95) {
      s.Add(ts, pid, name, "participant_renamed", {{"name", "Renamed " + tag}});
    } else if (roll < 97 && discussing.empty() && cards.size() > 1) {
      const size_t i = pick(cards.size());
      s.Add(ts, pid, name, "card_deleted", {{"card_id", cards[i]}});
      std::erase_if(votes, [&](const auto& v) { return v.second == cards[i]; });
      cards.erase(cards.begin() + static_cast<long>(i));
    } else {
      s.Add(ts, pid, name, "settings_changed", {{"timebox_s", 120}});
    }
  }
  return s;
}

// Commits a meeting to `store` in appends of a few events each, as rooms do, and feeds each
// committed batch to `hub` — sometimes twice, as a reloading room might.
void CommitLive(store::Store& store, ViewHub& hub, const MeetingScript& script, uint32_t seed) {
  std::mt19937 rng(seed);
  const auto& events = script.events();
  size_t i = 0;
  while (i < events.size()) {
    store::AppendRequest req;
    req.meeting_id = script.meeting_id();
    if (i == 0) req.create = store::MeetingRecord{script.meeting_id(), "hash", events[0].ts};
    const size_t n = std::min(events.size() - i, static_cast<size_t>(1 + rng() % 8));
    req.events.assign(events.begin() + static_cast<long>(i), events.begin() + static_cast<long>(i + n));
    std::vector<store::StoredEvent> batch = req.events;
    ASSERT_TRUE(store::testing::AppendAndWait(store, std::move(req)).ok());
    hub.OnCommitted(batch);
    if (rng() % 10 == 0) hub.OnCommitted(batch);
    i += n;
  }
}

void ExpectLiveEqualsRebuilt(store::Store& store) {
  ViewHub live;
  const std::vector<MeetingScript> meetings = {GeneratedMeeting("m_big", 4000, 1),
                                               GeneratedMeeting("m_mid", 1500, 2),
                                               GeneratedMeeting("m_small", 300, 3)};
  size_t total = 0;
  for (size_t m = 0; m < meetings.size(); ++m) {
    CommitLive(store, live, meetings[m], static_cast<uint32_t>(100 + m));
    total += meetings[m].events().size();
  }
  ViewHubStats stats = live.Stats();
  EXPECT_EQ(stats.events, total);
  EXPECT_GT(stats.duplicates, 0u);  // re-deliveries were skipped, not folded twice
  EXPECT_EQ(stats.gaps, 0u);

  ViewHub rebuilt;
  ASSERT_TRUE(rebuilt.RebuildAll(store).ok());
  const nlohmann::json a = live.Snapshot(), b = rebuilt.Snapshot();
  EXPECT_EQ(a, b) << nlohmann::json::diff(a, b).dump().substr(0, 2000);
  EXPECT_EQ(b["features"]["events"], total);
  EXPECT_EQ(b["analytics"].size(), 3u);
  EXPECT_EQ(b["analytics"]["m_big"]["totals"]["events"], 4000);
  EXPECT_GT(b["analytics"]["m_big"]["totals"]["reactions"].get<int64_t>(), 500);
  EXPECT_GT(b["analytics"]["m_big"]["totals"]["items_discussed"].get<int64_t>(), 10);
  EXPECT_GT(b["features"]["days"].size(), 1u);

  // A single projection rebuilds to the same result too.
  MeetingAnalytics alone;
  ASSERT_TRUE(alone.Rebuild(store).ok());
  EXPECT_EQ(alone.Snapshot(), a["analytics"]);

  std::ostringstream out;
  EXPECT_EQ(RebuildViews(store, out, &live), 0) << out.str();
  EXPECT_NE(out.str().find("3 meetings, " + std::to_string(total) + " events"), std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("live views equal the rebuilt ones"), std::string::npos);

  // And the check can fail: a hub that missed one event differs from the log.
  ViewHub lossy;
  std::vector<store::StoredEvent> all = meetings[2].events();
  all.erase(all.begin() + 100);
  lossy.OnCommitted(all);
  std::ostringstream out2;
  EXPECT_EQ(RebuildViews(store, out2, &lossy), 1) << out2.str();
  EXPECT_NE(out2.str().find("MISMATCH"), std::string::npos);
}

TEST(ViewHub, LiveEqualsRebuiltOnSqlite) {
  store::testing::TempDir dir;
  std::unique_ptr<store::Store> store;
  ASSERT_TRUE(store::OpenStore("sqlite:" + dir.File("views.db"), &store).ok());
  ExpectLiveEqualsRebuilt(*store);
}

TEST(ViewHub, LiveEqualsRebuiltInMemory) {
  testing::MemoryStore store;
  ExpectLiveEqualsRebuilt(store);
}

TEST(ViewHub, UnparsableRowsAreSkippedNotFatal) {
  ViewHub hub;
  MeetingScript s("m");
  s.Add(kT0, "system", "Confab", "meeting_created", {{"title", "t"}});
  std::vector<store::StoredEvent> events = s.events();
  store::StoredEvent bad = events[0];
  bad.seq = 2;
  bad.json = "{not json";
  events.push_back(bad);
  hub.OnCommitted(events);
  EXPECT_EQ(hub.Stats().events, 1u);
  EXPECT_EQ(hub.Stats().unparsable, 1u);
}

}  // namespace
}  // namespace confab::views
