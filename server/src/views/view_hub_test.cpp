#include "views/view_hub.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "store/test_support.hpp"
#include "util/thread_role.hpp"
#include "views/queries.hpp"
#include "views/summary.hpp"
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
// committed batch to `hub` from an io thread (which must not read the store) — sometimes twice, as
// a reloading room might.
void CommitLive(store::Store& store, ViewHub& hub, const MeetingScript& script, uint32_t seed,
                size_t from = 0, size_t to = SIZE_MAX) {
  std::mt19937 rng(seed);
  const auto& events = script.events();
  size_t i = from;
  to = std::min(to, events.size());
  while (i < to) {
    store::AppendRequest req;
    req.meeting_id = script.meeting_id();
    if (i == 0) req.create = store::MeetingRecord{script.meeting_id(), "hash", events[0].ts};
    const size_t n = std::min(to - i, static_cast<size_t>(1 + rng() % 8));
    req.events.assign(events.begin() + static_cast<long>(i), events.begin() + static_cast<long>(i + n));
    std::vector<store::StoredEvent> batch = req.events;
    ASSERT_TRUE(store::testing::AppendAndWait(store, std::move(req)).ok());
    {
      IoThreadScope io;
      hub.OnCommitted(batch);
      if (rng() % 10 == 0) hub.OnCommitted(batch);
    }
    i += n;
  }
}

nlohmann::json FromStore(store::Store& store, const std::string& id) {
  MeetingFold fold(id);
  EXPECT_TRUE(FoldMeeting(store, id, &fold).ok());
  return fold.AnalyticsJson();
}

nlohmann::json Analytics(ViewHub& hub, const std::string& id) {
  nlohmann::json out;
  EXPECT_TRUE(hub.Analytics(id, &out).ok()) << id;
  return out;
}

void ExpectLiveEqualsFromStore(store::Store& store) {
  const uint64_t blocking_before = BlockingOnIoThreadCount();
  ViewHub live(store);
  const std::vector<MeetingScript> meetings = {GeneratedMeeting("m_big", 4000, 1),
                                               GeneratedMeeting("m_mid", 1500, 2),
                                               GeneratedMeeting("m_small", 300, 3)};
  size_t total = 0;
  for (size_t m = 0; m < meetings.size(); ++m) {
    CommitLive(store, live, meetings[m], static_cast<uint32_t>(100 + m));
    total += meetings[m].events().size();
  }
  EXPECT_EQ(BlockingOnIoThreadCount(), blocking_before);  // OnCommitted never read the store
  ViewHubStats stats = live.Stats();
  EXPECT_EQ(stats.events, total);   // new meetings are folded live from seq 1
  EXPECT_GT(stats.duplicates, 0u);  // re-deliveries were skipped, not folded twice
  EXPECT_EQ(stats.gaps, 0u);
  EXPECT_EQ(stats.loads, 0u);
  EXPECT_EQ(stats.meetings, 3u);

  // As after a restart: a fresh hub folds each meeting from the store on its first query.
  ViewHub restarted(store);
  for (const MeetingScript& m : meetings) {
    const nlohmann::json a = Analytics(live, m.meeting_id()), b = Analytics(restarted, m.meeting_id());
    EXPECT_EQ(a, b) << nlohmann::json::diff(a, b).dump().substr(0, 2000);
    EXPECT_EQ(a, FromStore(store, m.meeting_id()));
  }
  EXPECT_EQ(restarted.Stats().loads, 3u);
  const nlohmann::json big = Analytics(restarted, "m_big");
  EXPECT_EQ(big["totals"]["events"], 4000);
  EXPECT_GT(big["totals"]["reactions"].get<int64_t>(), 500);
  EXPECT_GT(big["totals"]["items_discussed"].get<int64_t>(), 10);

  // Feature popularity from the usage table equals a recount from the log.
  nlohmann::json features;
  ASSERT_TRUE(FeaturesJson(store, "", "", &features).ok());
  EXPECT_EQ(features["events"], total);
  EXPECT_EQ(features["meetings"], 3);
  EXPECT_GT(features["days"].size(), 1u);

  std::ostringstream out;
  EXPECT_EQ(RebuildViews(store, out), 0) << out.str();
  EXPECT_NE(out.str().find("3 meetings, " + std::to_string(total) + " events"), std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("feature usage equals a recount from the log"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("5 snapshots written"), std::string::npos) << out.str();  // m_big 4, m_mid 1
  std::ostringstream again;
  EXPECT_EQ(RebuildViews(store, again), 0) << again.str();
  EXPECT_NE(again.str().find("0 snapshots written"), std::string::npos) << again.str();
}

TEST(ViewHub, LiveEqualsFromStoreOnSqlite) {
  store::testing::TempDir dir;
  std::unique_ptr<store::Store> store;
  ASSERT_TRUE(store::OpenStore("sqlite:" + dir.File("views.db"), &store).ok());
  ExpectLiveEqualsFromStore(*store);
}

TEST(ViewHub, LiveEqualsFromStoreInMemory) {
  testing::MemoryStore store;
  ExpectLiveEqualsFromStore(store);
}

TEST(ViewHub, RebuildViewsFindsAUsageTableThatLostCount) {
  testing::MemoryStore store;
  store.Load(GeneratedMeeting("m", 200, 4));
  store.ClearUsage();
  std::ostringstream out;
  EXPECT_EQ(RebuildViews(store, out), 1) << out.str();
  EXPECT_NE(out.str().find("MISMATCH"), std::string::npos);
}

TEST(ViewHub, ASmallLruEvictsAndRefoldsEqualAnalytics) {
  testing::MemoryStore store;
  std::vector<MeetingScript> meetings;
  for (int i = 0; i < 4; ++i) meetings.push_back(GeneratedMeeting("m" + std::to_string(i), 300, 10 + i));
  for (const auto& m : meetings) store.Load(m);
  ViewHub hub(store, ViewHubOptions{.max_meetings = 2});
  std::map<std::string, nlohmann::json> first;
  for (const auto& m : meetings) first[m.meeting_id()] = Analytics(hub, m.meeting_id());
  ViewHubStats st = hub.Stats();
  EXPECT_EQ(st.loads, 4u);
  EXPECT_EQ(st.evictions, 2u);
  EXPECT_EQ(st.meetings, 2u);
  EXPECT_FALSE(hub.Holds("m0"));
  EXPECT_TRUE(hub.Holds("m3"));
  // Evicted, then folded again from the store: the same answer.
  EXPECT_EQ(Analytics(hub, "m0"), first["m0"]);
  EXPECT_EQ(hub.Stats().loads, 5u);
  // A hit moves the meeting to the front: m0 and m3 are held, m2 went.
  EXPECT_EQ(Analytics(hub, "m3"), first["m3"]);
  EXPECT_EQ(hub.Stats().loads, 5u);
  EXPECT_TRUE(hub.Holds("m0"));
  EXPECT_FALSE(hub.Holds("m2"));
  for (const auto& m : meetings) EXPECT_EQ(Analytics(hub, m.meeting_id()), first[m.meeting_id()]);
}

TEST(ViewHub, CommitsToHeldAndDroppedMeetingsBothShow) {
  testing::MemoryStore store;
  const MeetingScript a = GeneratedMeeting("m_a", 600, 20), b = GeneratedMeeting("m_b", 600, 21);
  ViewHub hub(store, ViewHubOptions{.max_meetings = 1});
  CommitLive(store, hub, a, 1, 0, 300);
  CommitLive(store, hub, b, 2, 0, 300);  // m_a is dropped for m_b
  EXPECT_FALSE(hub.Holds("m_a"));
  CommitLive(store, hub, a, 3, 300);  // ignored: m_a is not held
  EXPECT_GT(hub.Stats().ignored, 0u);
  CommitLive(store, hub, b, 4, 300);  // folded live
  EXPECT_EQ(Analytics(hub, "m_b"), FromStore(store, "m_b"));
  EXPECT_EQ(Analytics(hub, "m_a"), FromStore(store, "m_a"));
  EXPECT_EQ(Analytics(hub, "m_a")["totals"]["events"], 600);
}

TEST(ViewHub, AGapDropsTheFoldAndTheNextQueryRebuildsIt) {
  testing::MemoryStore store;
  const MeetingScript m = GeneratedMeeting("m_gap", 100, 30);
  ViewHub hub(store);
  CommitLive(store, hub, m, 1, 0, 50);
  EXPECT_TRUE(hub.Holds("m_gap"));
  // Events 51..60 commit but their delivery is lost; 61.. arrive.
  store::AppendRequest lost;
  lost.meeting_id = "m_gap";
  lost.events.assign(m.events().begin() + 50, m.events().begin() + 60);
  ASSERT_TRUE(store::testing::AppendAndWait(store, std::move(lost)).ok());
  CommitLive(store, hub, m, 2, 60);
  EXPECT_FALSE(hub.Holds("m_gap"));
  EXPECT_EQ(hub.Stats().gaps, 1u);
  EXPECT_EQ(Analytics(hub, "m_gap"), FromStore(store, "m_gap"));
  EXPECT_EQ(Analytics(hub, "m_gap")["totals"]["events"], 100);
}

// An event that commits while a miss reads the log is not in that read: it is queued beside the
// fold being loaded and applied when the fold lands.
TEST(ViewHub, EventsCommittedDuringALoadAreNotLost) {
  testing::MemoryStore store;
  const MeetingScript m = GeneratedMeeting("m_race", 200, 40);
  store.Load(m);                      // the whole log, for the expected answer
  testing::MemoryStore prefix_store;  // the first 150 events; the rest commit during the load
  {
    store::AppendRequest req;
    req.meeting_id = "m_race";
    req.create = store::MeetingRecord{"m_race", "hash", m.events()[0].ts};
    req.events.assign(m.events().begin(), m.events().begin() + 150);
    ASSERT_TRUE(store::testing::AppendAndWait(prefix_store, std::move(req)).ok());
  }
  ViewHub racing(prefix_store);
  prefix_store.OnNextScan([&] {
    store::AppendRequest more;
    more.meeting_id = "m_race";
    more.events.assign(m.events().begin() + 150, m.events().end());
    std::vector<store::StoredEvent> batch = more.events;
    ASSERT_TRUE(store::testing::AppendAndWait(prefix_store, std::move(more)).ok());
    racing.OnCommitted(batch);
  });
  const nlohmann::json got = Analytics(racing, "m_race");
  EXPECT_EQ(got["totals"]["events"], 200);
  EXPECT_EQ(got, FromStore(store, "m_race"));
  EXPECT_EQ(racing.Stats().events, 50u);
  EXPECT_EQ(Analytics(racing, "m_race"), got);  // held, whole
}

TEST(ViewHub, ConcurrentQueriesAndCommitsAgree) {
  testing::MemoryStore store;
  std::vector<MeetingScript> meetings;
  for (int i = 0; i < 6; ++i) meetings.push_back(GeneratedMeeting("c" + std::to_string(i), 400, 50 + i));
  ViewHub hub(store, ViewHubOptions{.max_meetings = 3});
  for (const auto& m : meetings) CommitLive(store, hub, m, 7, 0, 200);
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  std::atomic<int> failures{0};
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      std::mt19937 rng(t);
      while (!done) {
        nlohmann::json out;
        if (!hub.Analytics(meetings[rng() % meetings.size()].meeting_id(), &out).ok()) failures++;
      }
    });
  }
  for (size_t i = 0; i < meetings.size(); ++i) CommitLive(store, hub, meetings[i], 8 + i, 200);
  done = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(failures, 0);
  for (const auto& m : meetings) EXPECT_EQ(Analytics(hub, m.meeting_id()), FromStore(store, m.meeting_id()));
}

TEST(ViewHub, UnparsableRowsAreSkippedNotFatal) {
  testing::MemoryStore store;
  ViewHub hub(store);
  MeetingScript s("m");
  s.Add(kT0, "system", "Confab", "meeting_created", {{"title", "t"}});
  s.Add(kT0 + 1, "p", "P", "card_added", {{"card_id", "a"}, {"title", "a"}});
  std::vector<store::StoredEvent> events = s.events();
  events[1].json = "{not json";
  hub.OnCommitted(events);
  EXPECT_EQ(hub.Stats().events, 2u);
  EXPECT_EQ(hub.Stats().unparsable, 1u);
  nlohmann::json a;
  ASSERT_TRUE(hub.Analytics("m", &a).ok());
  EXPECT_EQ(a["totals"]["events"], 1);
}

}  // namespace
}  // namespace confab::views
