// MeetingFold against the domain: the views derive from domain::Apply's transitions, so on any valid
// log the cards on the board, their titles, votes, notes and discussion time are the domain's, and what
// left the board (deleted, merged away, a card id re-added) is kept apart from what is on it.
#include "views/meeting_fold.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "domain/meeting.hpp"
#include "domain/testing_generator.hpp"
#include "views/state_at_testing.hpp"
#include "views/views_test_support.hpp"

namespace confab::views {
namespace {

using testing::kT0;
using testing::MeetingScript;

// A log that the domain accepts step by step: each push is checked with domain::Validate against the
// state so far (as a room checks it) before it is written and folded; server-written types are not.
class ValidScript {
 public:
  explicit ValidScript(const std::string& id) : script_(id) {
    Server("meeting_created", {{"title", "T"}, {"votes_per_person", 5}, {"timebox_s", 300}});
  }

  void Join(const std::string& pid, const std::string& name) {
    names_[pid] = name;
    Server("participant_joined", {{"name", name}}, pid);
  }
  // `pid` pushes `type`; "f" is the facilitator.
  void Push(const std::string& pid, const std::string& type, nlohmann::json data) {
    const domain::Actor actor{pid, names_[pid],
                              pid == "f" ? domain::Role::kFacilitator : domain::Role::kParticipant};
    const auto reason = domain::Validate(state_, actor, type, data);
    ASSERT_FALSE(reason.has_value()) << type << " " << data.dump() << ": " << *reason;
    Write(pid, type, std::move(data));
  }
  void Phase(const std::string& phase) { Push("f", "phase_changed", {{"phase", phase}}); }
  // Lets time pass: the next event is `ms` later.
  void Wait(int64_t ms) { ts_ += ms; }

  const MeetingScript& script() const { return script_; }
  const domain::Meeting& state() const { return state_; }
  MeetingFold Fold() const {
    MeetingFold fold(script_.meeting_id());
    for (const auto& ev : script_.events()) fold.Apply(ev, nlohmann::json::parse(ev.json));
    return fold;
  }

 private:
  void Server(const std::string& type, nlohmann::json data, const std::string& pid = "system") {
    Write(pid, type, std::move(data));
  }
  void Write(const std::string& pid, const std::string& type, nlohmann::json data) {
    const auto& ev = script_.Add(ts_, pid, pid == "system" ? "Confab" : names_[pid], type, std::move(data));
    domain::Apply(state_, nlohmann::json::parse(ev.json));
    ts_ += 1000;
  }

  MeetingScript script_;
  domain::Meeting state_;
  std::map<std::string, std::string> names_;
  int64_t ts_ = kT0;
};

std::vector<nlohmann::json> ItemsOf(const nlohmann::json& analytics, const std::string& card_id) {
  std::vector<nlohmann::json> out;
  for (const auto& item : analytics["items"]) {
    if (item["card_id"] == card_id) out.push_back(item);
  }
  return out;
}

int64_t VotesIn(const nlohmann::json& card) {
  int64_t n = 0;
  for (const auto& [pid, v] : card["votes"].items()) n += v.get<int64_t>();
  return n;
}

// The active items are exactly the domain's cards, in the same order, with the same title, author,
// votes, notes and discussion time; the item under discussion is the domain's discussion card.
void ExpectBoardIsTheDomains(const MeetingFold& fold, const domain::Meeting& state,
                             const std::string& where) {
  const nlohmann::json want = domain::ToJson(state);
  std::vector<const FoldCard*> active;
  for (const FoldCard& c : fold.cards()) {
    if (c.state == "active") active.push_back(&c);
  }
  ASSERT_EQ(active.size(), want["cards"].size()) << where;
  for (size_t i = 0; i < active.size(); ++i) {
    const FoldCard& c = *active[i];
    const nlohmann::json& card = want["cards"][i];
    EXPECT_EQ(c.card_id, card["card_id"]) << where;
    EXPECT_EQ(c.title, card["title"]) << where;
    EXPECT_EQ(c.author_pid, card["author"]) << where;
    EXPECT_EQ(c.votes, VotesIn(card)) << where << " " << c.card_id;
    EXPECT_EQ(c.closed_ms, card["discussed_ms"]) << where << " " << c.card_id;
    ASSERT_EQ(c.notes.size(), card["notes"].size()) << where << " " << c.card_id;
    for (size_t k = 0; k < c.notes.size(); ++k) {
      EXPECT_EQ(c.notes[k].note_id, card["notes"][k]["note_id"]) << where;
      EXPECT_EQ(c.notes[k].owner_pid, card["notes"][k].value("owner", "")) << where;
      EXPECT_EQ(c.notes[k].due, card["notes"][k].value("due", "")) << where;
    }
    const bool discussed = !want["discussion"].is_null() && want["discussion"]["card_id"] == c.card_id;
    EXPECT_EQ(fold.IsDiscussing(c), discussed) << where << " " << c.card_id;
  }
  EXPECT_EQ(fold.title(), want["title"]) << where;
  EXPECT_EQ(fold.phase(), want["phase"]) << where;
}

TEST(MeetingFoldFromDomain, ACardIdReAddedAfterADeleteIsANewCard) {
  ValidScript s("m_readd");
  s.Join("f", "Fay");
  s.Join("p", "Pat");
  s.Push("p", "card_added", {{"card_id", "x"}, {"title", "First X"}});
  s.Phase("vote");
  s.Push("p", "card_voted", {{"card_id", "x"}});
  s.Push("p", "reaction", {{"emoji", "👎"}, {"card_id", "x"}});
  s.Push("p", "card_deleted", {{"card_id", "x"}});
  s.Push("p", "card_added", {{"card_id", "x"}, {"title", "Second X"}});
  s.Push("f", "card_voted", {{"card_id", "x"}});
  s.Push("p", "card_voted", {{"card_id", "x"}});
  s.Push("p", "card_edited", {{"card_id", "x"}, {"title", "Second X, renamed"}});
  s.Push("f", "reaction", {{"emoji", "🎉"}, {"card_id", "x"}});

  const MeetingFold fold = s.Fold();
  ExpectBoardIsTheDomains(fold, s.state(), "end");
  const nlohmann::json a = fold.AnalyticsJson();
  const auto items = ItemsOf(a, "x");
  ASSERT_EQ(items.size(), 2u) << a["items"].dump();
  EXPECT_EQ(items[0]["state"], "deleted");
  EXPECT_EQ(items[0]["title"], "First X");
  EXPECT_EQ(items[0]["votes"], 1);  // as it was when deleted
  EXPECT_EQ(items[0]["reactions"], (nlohmann::json{{"👎", 1}}));
  EXPECT_EQ(items[1]["state"], "active");
  EXPECT_EQ(items[1]["title"], "Second X, renamed");
  EXPECT_EQ(items[1]["votes"], 2);
  EXPECT_EQ(items[1]["reactions"], (nlohmann::json{{"🎉", 1}}));
  // The board's chips for x are the live card's.
  EXPECT_EQ(a["reactions_by_card"], (nlohmann::json{{"x", {{"🎉", 1}}}}));
  EXPECT_EQ(a["totals"]["items"], 1);
  EXPECT_EQ(a["totals"]["items_added"], 2);
  EXPECT_EQ(a["totals"]["votes"], 2);
  // Pat cast 2 votes (the first came back when its card was deleted); the fold counts what was cast.
  for (const auto& p : a["participation"]) {
    if (p["pid"] == "p") {
      EXPECT_EQ(p["cards"], 2);
      EXPECT_EQ(p["votes"], 2);
    }
  }
}

TEST(MeetingFoldFromDomain, AReAddedCardIsDiscussedAndSummarisedOnItsOwn) {
  ValidScript s("m_readd_discuss");
  s.Join("f", "Fay");
  s.Push("f", "card_added", {{"card_id", "x"}, {"title", "Old"}});
  s.Push("f", "note_added", {{"card_id", "x"}, {"note_id", "n1"}, {"text", "gone"}, {"kind", "takeaway"}});
  s.Push("f", "card_deleted", {{"card_id", "x"}});
  s.Push("f", "card_added", {{"card_id", "x"}, {"title", "New"}});
  s.Phase("discuss");
  s.Push("f", "discussion_started", {{"card_id", "x"}});
  s.Wait(60'000);
  s.Push("f", "note_added", {{"card_id", "x"}, {"note_id", "n2"}, {"text", "kept"}, {"kind", "takeaway"}});
  s.Push("f", "discussion_finished", {{"card_id", "x"}, {"outcome", "done"}});

  const MeetingFold fold = s.Fold();
  ExpectBoardIsTheDomains(fold, s.state(), "end");
  const auto items = ItemsOf(fold.AnalyticsJson(), "x");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["times_discussed"], 0);
  EXPECT_EQ(items[0]["notes"]["takeaways"], 1);
  EXPECT_EQ(items[1]["times_discussed"], 1);
  EXPECT_EQ(items[1]["discussed_ms"], 62'000);
  EXPECT_EQ(items[1]["outcome"], "done");
  EXPECT_EQ(items[1]["notes"]["takeaways"], 1);
}

TEST(MeetingFoldFromDomain, AMergeChainMovesVotesNotesAndTimeToTheLastCard) {
  ValidScript s("m_chain");
  s.Join("f", "Fay");
  s.Join("p", "Pat");
  for (const char* id : {"a", "b", "c"}) s.Push("f", "card_added", {{"card_id", id}, {"title", id}});
  // a is discussed for a minute before the room goes back to voting and merges.
  s.Phase("discuss");
  s.Push("f", "discussion_started", {{"card_id", "a"}});
  s.Wait(60'000);
  s.Push("p", "note_added", {{"card_id", "a"}, {"note_id", "n"}, {"text", "Do it"}, {"kind", "action"}});
  s.Push("f", "discussion_finished", {{"card_id", "a"}, {"outcome", "parked"}});
  s.Phase("vote");
  s.Push("p", "card_voted", {{"card_id", "a"}});
  s.Push("p", "card_voted", {{"card_id", "b"}});
  s.Push("f", "card_voted", {{"card_id", "c"}});
  s.Push("f", "card_merged", {{"card_id", "a"}, {"into_card_id", "b"}});
  s.Push("f", "card_merged", {{"card_id", "b"}, {"into_card_id", "c"}});
  // A vote that moved with the merges is withdrawn from where it is now.
  s.Push("p", "vote_withdrawn", {{"card_id", "c"}});
  s.Push("f", "action_updated", {{"card_id", "c"}, {"note_id", "n"}, {"owner", "p"}});

  const MeetingFold fold = s.Fold();
  ExpectBoardIsTheDomains(fold, s.state(), "end");
  const nlohmann::json a = fold.AnalyticsJson();
  const auto item_a = ItemsOf(a, "a").at(0), item_b = ItemsOf(a, "b").at(0), item_c = ItemsOf(a, "c").at(0);
  EXPECT_EQ(item_a["state"], "merged");
  EXPECT_EQ(item_a["merged_into"], "b");
  EXPECT_EQ(item_b["state"], "merged");
  EXPECT_EQ(item_b["merged_into"], "c");
  EXPECT_EQ(item_a["votes"], 0);
  EXPECT_EQ(item_b["votes"], 0);
  EXPECT_EQ(item_c["votes"], 2);  // 3 cast, 1 withdrawn
  EXPECT_EQ(item_c["notes"], (nlohmann::json{{"takeaways", 0}, {"actions", 1}}));
  // The minute spent on a is c's now, as in the domain, and counted once in the totals.
  EXPECT_EQ(item_a["discussed_ms"], 0);
  EXPECT_EQ(item_c["discussed_ms"], 62'000);
  EXPECT_EQ(a["totals"]["discussed_ms"], 62'000);
  EXPECT_EQ(item_a["times_discussed"], 1);  // the discussion itself happened on a
  EXPECT_EQ(a["totals"]["items"], 1);
  EXPECT_EQ(a["totals"]["votes"], 2);
  EXPECT_EQ(fold.cards().back().notes.at(0).owner_pid, "p");
  EXPECT_EQ(fold.cards().back().notes.at(0).author_name, "Pat");
}

TEST(MeetingFoldFromDomain, ReactionsOnADeletedCardStayWithIt) {
  ValidScript s("m_react");
  s.Join("f", "Fay");
  s.Push("f", "card_added", {{"card_id", "k"}, {"title", "K"}});
  s.Push("f", "card_added", {{"card_id", "j"}, {"title", "J"}});
  s.Push("f", "reaction", {{"emoji", "👍"}, {"card_id", "k"}});
  s.Push("f", "reaction", {{"emoji", "🔥"}, {"card_id", "j"}});
  s.Push("f", "card_deleted", {{"card_id", "k"}});
  s.Push("f", "reaction", {{"emoji", "👏"}, {"card_id", "j"}});

  const nlohmann::json a = s.Fold().AnalyticsJson();
  EXPECT_EQ(ItemsOf(a, "k").at(0)["reactions"], (nlohmann::json{{"👍", 1}}));
  EXPECT_EQ(ItemsOf(a, "j").at(0)["reactions"], (nlohmann::json{{"🔥", 1}, {"👏", 1}}));
  EXPECT_EQ(a["totals"]["reactions"], 3);
  EXPECT_EQ(a["totals"]["unattributed_reactions"], 0);
}

// A log the domain would have refused (a phase change while a card is discussed, from an import or an
// older server): the views show what the domain's fold of it holds, as the board does, and invent no rule
// of their own to end the discussion.
TEST(MeetingFoldFromDomain, ALogTheDomainWouldRefuseReadsAsTheDomainFoldsIt) {
  MeetingScript s("m_refused");
  s.Add(kT0, "system", "Confab", "meeting_created", {{"title", "T"}});
  s.Add(kT0 + 1000, "f", "F", "card_added", {{"card_id", "c"}, {"title", "x"}});
  s.Add(kT0 + 2000, "f", "F", "phase_changed", {{"phase", "discuss"}});
  s.Add(kT0 + 3000, "f", "F", "discussion_started", {{"card_id", "c"}});
  s.Add(kT0 + 10000, "f", "F", "phase_changed", {{"phase", "done"}});
  s.Add(kT0 + 12000, "f", "F", "card_voted", {{"card_id", "gone"}});  // no such card: changes nothing
  MeetingFold fold(s.meeting_id());
  domain::Meeting state;
  for (const auto& ev : s.events()) {
    fold.Apply(ev, nlohmann::json::parse(ev.json));
    domain::Apply(state, nlohmann::json::parse(ev.json));
    ExpectBoardIsTheDomains(fold, state, "seq " + std::to_string(ev.seq));
  }
  const nlohmann::json a = fold.AnalyticsJson();
  EXPECT_EQ(a["phase"], "done");
  EXPECT_EQ(ItemsOf(a, "c").at(0)["discussing"], true);
  EXPECT_EQ(ItemsOf(a, "c").at(0)["discussed_ms"], 9000);
  EXPECT_EQ(a["totals"]["votes"], 0);
}

// Random valid meetings over five card ids (so ids are deleted, merged and re-added often): after every
// event the fold's board is the domain's.
TEST(MeetingFoldFromDomain, OnRandomMeetingsTheBoardIsTheDomainsAfterEveryEvent) {
  int64_t readded = 0, merged = 0, deleted = 0;
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    const domain::testgen::GeneratedMeeting gen = domain::testgen::GenerateMeeting(seed, 600);
    MeetingFold fold("m_random");
    domain::Meeting state;
    std::set<std::string> seen;
    for (const nlohmann::json& e : gen.events) {
      if (!e.contains("seq")) continue;  // typing: never stored
      store::StoredEvent ev;
      ev.meeting_id = "m_random";
      ev.seq = e["seq"].get<int64_t>();
      ev.type = e["type"].get<std::string>();
      ev.actor_pid = e["actor"]["pid"].get<std::string>();
      ev.ts = e["ts"].get<int64_t>();
      ev.json = e.dump();
      fold.Apply(ev, e);
      domain::Apply(state, e);
      if (ev.type == "card_added" && !seen.insert(e["data"]["card_id"].get<std::string>()).second) ++readded;
      merged += ev.type == "card_merged";
      deleted += ev.type == "card_deleted";
      ExpectBoardIsTheDomains(fold, state, "seed " + std::to_string(seed) + " seq " + std::to_string(ev.seq));
      if (::testing::Test::HasFatalFailure()) return;
    }
    EXPECT_EQ(domain::ToJson(state), domain::ToJson(gen.meeting));
  }
  // The logs did exercise what this is about.
  EXPECT_GT(readded, 0);
  EXPECT_GT(merged, 0);
  EXPECT_GT(deleted, 0);
}

// A long realistic meeting (the bench's generator: discussions with timers, notes, merges, every phase many
// times), checked every 25 events.
TEST(MeetingFoldFromDomain, OnALongMeetingTheBoardIsTheDomainsThroughout) {
  const std::vector<store::StoredEvent> log = testing::GenerateMeeting("m_long", 6000, 3);
  MeetingFold fold("m_long");
  domain::Meeting state;
  for (const store::StoredEvent& ev : log) {
    const nlohmann::json parsed = nlohmann::json::parse(ev.json);
    fold.Apply(ev, parsed);
    domain::Apply(state, parsed);
    if (ev.seq % 25 == 0 || ev.seq == static_cast<int64_t>(log.size())) {
      ExpectBoardIsTheDomains(fold, state, "seq " + std::to_string(ev.seq));
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  const nlohmann::json a = fold.AnalyticsJson();
  EXPECT_EQ(a["totals"]["events"], 6000);
  EXPECT_GT(a["totals"]["items_discussed"], 0);
}

}  // namespace
}  // namespace confab::views
