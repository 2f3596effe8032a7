// FromJson, the inverse of ToJson for snapshots: it round-trips every state Apply reaches (validated
// logs and logs of events that do not fit), folding a tail onto a restored snapshot gives exactly the
// full fold, and anything that is not a canonical state is refused without throwing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "domain/meeting.hpp"
#include "domain/testing_generator.hpp"

namespace confab::domain {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// ---- helpers -------------------------------------------------------------------------------------

Meeting Fold(const std::vector<json>& events, size_t from, size_t to, Meeting m = {}) {
  for (size_t i = from; i < to; ++i) Apply(m, events[i]);
  return m;
}

// The round trip ToJson -> FromJson -> ToJson, and the rebuilt votes_used index.
::testing::AssertionResult RoundTrips(const Meeting& m) {
  const json j = ToJson(m);
  std::optional<Meeting> back = FromJson(j);
  if (!back) return ::testing::AssertionFailure() << "FromJson refused " << j.dump();
  if (ToJson(*back) != j) {
    return ::testing::AssertionFailure() << "ToJson differs: " << ToJson(*back).dump() << " vs " << j.dump();
  }
  if (back->votes_used != m.votes_used) return ::testing::AssertionFailure() << "votes_used differs";
  std::optional<Meeting> parsed = FromJson(json::parse(j.dump()));  // numbers come back unsigned
  if (!parsed || ToJson(*parsed) != j || parsed->votes_used != m.votes_used) {
    return ::testing::AssertionFailure() << "the dump/parse round trip differs";
  }
  return ::testing::AssertionSuccess();
}

// Folds events[0..k) -> m1, restores m1 directly and through a dump/parse, folds events[k..n) on all
// three and compares each with the full fold. With `each_step`, also compares after every tail event.
void CheckSplit(const std::vector<json>& events, size_t k, const json& full, bool each_step,
                const std::string& where) {
  SCOPED_TRACE(where + ", k = " + std::to_string(k) + " of " + std::to_string(events.size()));
  Meeting m1 = Fold(events, 0, k);
  const json snapshot = ToJson(m1);
  std::optional<Meeting> m2 = FromJson(snapshot);
  std::optional<Meeting> m3 = FromJson(json::parse(snapshot.dump()));
  ASSERT_TRUE(m2.has_value()) << snapshot.dump();
  ASSERT_TRUE(m3.has_value()) << snapshot.dump();
  ASSERT_EQ(m2->votes_used, m1.votes_used);
  ASSERT_EQ(m3->votes_used, m1.votes_used);
  for (size_t i = k; i < events.size(); ++i) {
    Apply(m1, events[i]);
    Apply(*m2, events[i]);
    Apply(*m3, events[i]);
    if (each_step) {
      const json want = ToJson(m1);
      ASSERT_EQ(ToJson(*m2), want) << "after " << events[i].dump();
      ASSERT_EQ(ToJson(*m3), want) << "after " << events[i].dump();
      ASSERT_EQ(m2->votes_used, m1.votes_used) << "after " << events[i].dump();
    }
  }
  EXPECT_EQ(ToJson(m1), full);
  EXPECT_EQ(ToJson(*m2), full);
  EXPECT_EQ(ToJson(*m3), full);
  EXPECT_EQ(m2->votes_used, m1.votes_used);
  EXPECT_EQ(m3->votes_used, m1.votes_used);
}

// Every push of a generated meeting stored as is, accepted or not: Apply's tolerant path (unknown
// cards, wrong kinds, missing fields, data that is not an object) and states no validated log reaches.
std::vector<json> UnvalidatedLog(const json& steps) {
  std::vector<json> events;
  int64_t seq = 0, ts = 0;
  for (const json& step : steps) {
    ts += 1000;
    if (step.contains("event")) {
      events.push_back(step.at("event"));
      seq = step.at("event").at("seq").get<int64_t>();
      continue;
    }
    const json& push = step.at("push");
    json actor = {{"pid", push.at("actor").at("pid")}, {"name", push.at("actor").at("name")}};
    json e = {{"type", push.at("type")}, {"actor", actor}, {"ts", ts}, {"data", push.at("data")}};
    if (push.at("type") != "typing") e["seq"] = ++seq;
    events.push_back(std::move(e));
  }
  return events;
}

// ---- conformance cases ---------------------------------------------------------------------------

fs::path ConformanceDir() {
  if (const char* dir = std::getenv("CONFAB_CONFORMANCE_DIR")) return dir;
  return fs::path(__FILE__).parent_path() / ".." / ".." / ".." / "conformance";
}

// The stored log of a conformance case, built as conformance/README.md specifies (what the runner in
// conformance_test.cpp applies; outcomes are that test's business, here a push is stored when valid).
std::vector<json> CaseLog(const json& c) {
  std::vector<json> events;
  Meeting m;
  int64_t seq = 0, clock = 0;
  const json& steps = c.at("steps");
  for (size_t i = 0; i < steps.size(); ++i) {
    const json& step = steps[i];
    if (step.contains("event")) {
      json event = step.at("event");
      int64_t ts = event.contains("ts") ? event.at("ts").get<int64_t>() : clock + 1000;
      seq = event.contains("seq") ? event.at("seq").get<int64_t>() : seq + 1;
      clock = ts;
      event["seq"] = seq;
      event["ts"] = ts;
      if (!event.contains("id")) event["id"] = "e" + std::to_string(seq);
      if (!event.contains("data")) event["data"] = json::object();
      Apply(m, event);
      events.push_back(std::move(event));
    } else if (step.contains("push")) {
      int64_t ts = step.contains("ts") ? step.at("ts").get<int64_t>() : clock + 1000;
      clock = ts;
      const json& push = step.at("push");
      const json& a = push.at("actor");
      Actor actor{a.at("pid").get<std::string>(), a.at("name").get<std::string>(),
                  a.value("role", "participant") == "facilitator" ? Role::kFacilitator : Role::kParticipant};
      if (a.contains("seals")) {
        for (const auto& [id, seal] : a.at("seals").items()) actor.seals.emplace(id, seal.get<std::string>());
      }
      std::string type = push.at("type").get<std::string>();
      if (Validate(m, actor, type, push.at("data"))) continue;
      const EventSpec* spec = FindEventType(type);
      Stored stored = ToStore(m, actor, type, push.at("data"));
      json event = {{"type", type}, {"actor", stored.actor}, {"ts", ts}, {"data", stored.data}};
      if (spec == nullptr || spec->replay != ReplayClass::kTransient) event["seq"] = ++seq;
      Apply(m, event);
      events.push_back(std::move(event));
    }
  }
  return events;
}

TEST(FromJson, RoundTripsEveryConformanceStateAndTail) {
  size_t cases = 0, states = 0;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(ConformanceDir(), ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 6u) << "looked in " << ConformanceDir();
  for (const fs::path& file : files) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    const json doc = json::parse(text.str());
    for (const json& c : doc.at("cases")) {
      const json& steps = c.at("steps");
      // A case that starts from a restored state has no log to split (conformance_test.cpp covers it).
      if (std::any_of(steps.begin(), steps.end(), [](const json& s) { return s.contains("restore"); }))
        continue;
      ++cases;
      const std::string name = file.filename().string() + " > " + c.value("name", "?");
      const std::vector<json> events = CaseLog(c);
      const size_t n = events.size();
      // Short logs: every state and every split point. Long ones (random.json, 500 cards): a few.
      Meeting m;
      ASSERT_TRUE(RoundTrips(m)) << name << ", before any event";
      for (size_t i = 0; i < n; ++i) {
        Apply(m, events[i]);
        if (n > 200 && i % 100 != 99) continue;
        ++states;
        ASSERT_TRUE(RoundTrips(m)) << name << ", after " << events[i].dump();
      }
      ASSERT_TRUE(RoundTrips(m)) << name;
      const json full = ToJson(m);
      if (n <= 25) {
        for (size_t k = 0; k <= n; ++k) CheckSplit(events, k, full, false, name);
      } else {
        for (size_t k : {size_t{0}, n / 4, n / 2, n - 1, n}) CheckSplit(events, k, full, false, name);
      }
    }
  }
  EXPECT_GT(cases, 50u);
  std::cout << "[ from_json ] " << states << " states of " << cases << " conformance cases round-tripped\n";
}

// ---- generated meetings --------------------------------------------------------------------------

// The generated logs must exercise every state-changing type, or the property below proves little.
TEST(FromJson, GeneratedLogsCoverEveryEventType) {
  std::map<std::string, int> seen;
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    for (const json& e : testgen::GenerateMeeting(seed, 1500).events) ++seen[e.at("type").get<std::string>()];
  }
  for (const EventSpec& spec : Catalogue()) {
    EXPECT_GT(seen[std::string(spec.type)], 0) << spec.type << " never generated";
  }
}

TEST(FromJson, RoundTripsGeneratedMeetingsAfterEveryEvent) {
  for (uint32_t seed = 100; seed < 103; ++seed) {
    testgen::GeneratedMeeting g = testgen::GenerateMeeting(seed, 1000);
    Meeting m;
    for (const json& e : g.events) {
      Apply(m, e);
      ASSERT_TRUE(RoundTrips(m)) << "seed " << seed << ", after " << e.dump();
    }
    EXPECT_EQ(ToJson(m), ToJson(g.meeting));
  }
}

// The snapshot property: fold events[0..k), restore from ToJson (and from its text), fold the rest —
// the same state as folding everything, for random k and for k = 0 and k = n.
TEST(FromJson, SnapshotPlusTailFoldEqualsFullFold) {
  std::mt19937 rng(7);
  size_t splits = 0, events_total = 0, longest = 0;
  for (uint32_t seed = 1; seed <= 10; ++seed) {
    // Mostly a few hundred stored events; one log of about a thousand.
    const int steps = seed == 5 ? 10000 : std::uniform_int_distribution<int>(800, 2500)(rng);
    testgen::GeneratedMeeting g = testgen::GenerateMeeting(seed, steps);
    const std::vector<json>& events = g.events;
    const size_t n = events.size();
    events_total += n;
    longest = std::max(longest, n);
    const json full = ToJson(g.meeting);
    ASSERT_EQ(ToJson(Fold(events, 0, n)), full) << "seed " << seed;
    std::vector<size_t> ks = {0, n};
    for (int i = 0; i < 4; ++i) ks.push_back(std::uniform_int_distribution<size_t>(0, n)(rng));
    const size_t stepwise = ks[2];  // one random split per seed is compared after every tail event
    for (size_t k : ks) {
      CheckSplit(events, k, full, k == stepwise, "seed " + std::to_string(seed));
      ++splits;
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  std::cout << "[ from_json ] " << splits << " splits over " << events_total << " generated events (longest "
            << longest << ")\n";
}

// The same property on logs of unvalidated events: FromJson refuses nothing that Apply can reach.
TEST(FromJson, SnapshotPlusTailHoldsForUnvalidatedLogs) {
  std::mt19937 rng(11);
  for (uint32_t seed = 200; seed < 204; ++seed) {
    const std::vector<json> events = UnvalidatedLog(testgen::GenerateMeeting(seed, 500).steps);
    const size_t n = events.size();
    Meeting m;
    for (size_t i = 0; i < n; ++i) {
      Apply(m, events[i]);
      if (i % 4 == 3) {
        ASSERT_TRUE(RoundTrips(m)) << "seed " << seed << ", after " << events[i].dump();
      }
    }
    const json full = ToJson(m);
    for (size_t k : {size_t{0}, std::uniform_int_distribution<size_t>(0, n)(rng),
                     std::uniform_int_distribution<size_t>(0, n)(rng), n}) {
      CheckSplit(events, k, full, false, "unvalidated seed " + std::to_string(seed));
    }
  }
}

// ---- refusals ------------------------------------------------------------------------------------

// A state with every part filled: participants, two cards (votes, notes), a discussion with a timer
// and continue votes.
json RichState() {
  const Actor fran{"p_f", "Fran", Role::kFacilitator}, ada{"p_a", "Ada", Role::kParticipant};
  Meeting m;
  int64_t seq = 0;
  auto apply = [&](const Actor& a, const std::string& type, json data) {
    ++seq;
    Apply(m, {{"seq", seq},
              {"id", "e" + std::to_string(seq)},
              {"type", type},
              {"actor", {{"pid", a.pid}, {"name", a.name}}},
              {"ts", seq * 1000},
              {"data", std::move(data)}});
  };
  apply({"server", "server"}, "meeting_created",
        {{"title", "Retro"}, {"votes_per_person", 5}, {"anonymous_cards", true}, {"hide_totals", true}});
  apply(fran, "participant_joined", {{"name", "Fran"}});
  apply(ada, "participant_joined", {{"name", "Ada"}});
  apply(ada, "card_added", {{"card_id", "k1"}, {"title", "One"}});
  apply(fran, "card_added", {{"card_id", "k2"}, {"title", "Two"}});
  apply({"anonymous", "Anonymous"}, "card_added", {{"card_id", "k3"}, {"title", "Three"}, {"seal", "5eal"}});
  apply(fran, "facilitator_changed", {{"pid", "p_a"}});
  apply(fran, "phase_changed", {{"phase", "vote"}});
  for (const Actor* a : {&ada, &ada, &fran}) apply(*a, "card_voted", {{"card_id", "k1"}});
  apply(ada, "card_voted", {{"card_id", "k2"}});
  apply(fran, "phase_changed", {{"phase", "discuss"}});
  apply(fran, "discussion_started", {{"card_id", "k2"}});
  apply(ada, "note_added",
        {{"card_id", "k2"}, {"note_id", "n1"}, {"text", "x"}, {"kind", "action"}, {"owner", "p_f"}});
  apply(ada, "action_updated", {{"card_id", "k2"}, {"note_id", "n1"}, {"due", "2024-02-29"}});
  apply(ada, "note_added", {{"card_id", "k1"}, {"note_id", "n2"}, {"text", "y"}, {"kind", "takeaway"}});
  apply(ada, "continue_voted", {{"vote", "up"}});
  json j = ToJson(m);
  EXPECT_FALSE(j.at("discussion").is_null());
  EXPECT_FALSE(j.at("discussion").at("timer").is_null());
  EXPECT_EQ(j.at("discussion").at("continue_votes").size(), 1u);
  EXPECT_EQ(j.at("facilitator"), "p_a");
  EXPECT_EQ(j.at("cards").at(2).at("seal"), "5eal");
  EXPECT_EQ(j.at("cards").at(1).at("notes").at(0).at("due"), "2024-02-29");
  return j;
}

std::optional<Meeting> FromJsonNoThrow(const json& j) {
  std::optional<Meeting> r;
  EXPECT_NO_THROW(r = FromJson(j)) << j.dump();
  return r;
}

TEST(FromJson, RestoresARichStateAndItsIndex) {
  const json j = RichState();
  std::optional<Meeting> m = FromJson(j);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(ToJson(*m), j);
  EXPECT_EQ(VotesUsed(*m, "p_a"), 3);
  EXPECT_EQ(VotesUsed(*m, "p_f"), 1);
  EXPECT_EQ((std::map<std::string, int64_t, std::less<>>{{"p_a", 3}, {"p_f", 1}}), m->votes_used);
  EXPECT_TRUE(FromJson(ToJson(Meeting{})).has_value());
  // Membership is Validate's business: a facilitator or owner that is not a participant still restores.
  json stranger = j;
  stranger["facilitator"] = "p_zz";
  stranger["cards"][1]["notes"][0]["owner"] = "p_zz";
  ASSERT_TRUE(FromJson(stranger).has_value());
  EXPECT_EQ(ToJson(*FromJson(stranger)), stranger);
  EXPECT_TRUE(IsFacilitator(*m, Actor{"p_a", "Ada"}));
  EXPECT_FALSE(IsFacilitator(*m, Actor{"p_f", "Fran", Role::kFacilitator}));
  EXPECT_EQ(AnonymousSeals(*m), (std::map<std::string, std::string, std::less<>>{{"k3", "5eal"}}));
}

TEST(FromJson, RefusesWhatIsNotAState) {
  for (const json& j : {json(nullptr), json(1), json("state"), json::array(), json::object(),
                        json::parse("{", nullptr, false), json::binary({1, 2, 3})}) {
    EXPECT_FALSE(FromJsonNoThrow(j).has_value()) << j.dump();
  }
}

// Every record (the state, settings, a participant, a card, a note, the discussion, the timer) must
// hold exactly its canonical keys: dropping any, or adding one, is refused.
TEST(FromJson, RefusesMissingOrExtraKeys) {
  const json base = RichState();
  for (const char* where : {"", "/settings", "/participants/p_a", "/cards/0", "/cards/2", "/cards/1/notes/0",
                            "/discussion", "/discussion/timer"}) {
    const json::json_pointer ptr(where);
    for (const auto& item : base.at(ptr).items()) {
      if (item.key() == "owner" || item.key() == "due") continue;  // optional: absent means not set
      json j = base;
      j.at(ptr).erase(item.key());
      EXPECT_FALSE(FromJsonNoThrow(j).has_value()) << "without " << where << "/" << item.key();
    }
    json j = base;
    j.at(ptr)["extra"] = 1;
    EXPECT_FALSE(FromJsonNoThrow(j).has_value()) << "with " << where << "/extra";
  }
}

TEST(FromJson, RefusesWrongTypesAndImpossibleValues) {
  const json base = RichState();
  const json big_unsigned = std::numeric_limits<uint64_t>::max();
  const std::vector<std::pair<std::string, json>> replacements = {
      {"/title", 5},
      {"/phase", "closed"},
      {"/phase", nullptr},
      {"/created_ts", "1000"},
      {"/created_ts", 1.5},
      {"/last_seq", true},
      {"/last_seq", 1e300},
      {"/last_ts", big_unsigned},
      {"/settings", nullptr},
      {"/settings/anonymous_votes", 0},
      {"/settings/votes_per_person", "3"},
      {"/participants", json::array()},
      {"/participants/p_a", "Ada"},
      {"/participants/p_a/name", 1},
      {"/cards", json::object()},
      {"/cards/0", nullptr},
      {"/cards/0/card_id", 1},
      {"/cards/0/status", "archived"},
      {"/cards/0/votes", json::array()},
      {"/cards/0/votes/p_a", 0},
      {"/cards/0/votes/p_a", -1},
      {"/cards/0/votes/p_a", "2"},
      {"/cards/0/discussed_ms", nullptr},
      {"/cards/0/notes", json::object()},
      {"/cards/0/notes/0/kind", 3},
      {"/cards/0/card_id", "k2"},          // two cards k2
      {"/cards/0/notes/0/note_id", "n1"},  // note n1 on both cards
      {"/cards/0/status", "discussing"},   // two cards discussing
      {"/cards/1/status", "todo"},         // a discussion with no card discussing
      {"/discussion", "none"},
      {"/discussion", nullptr},       // k2 discussing without a discussion
      {"/discussion/card_id", "k1"},  // not the card discussing
      {"/discussion/card_id", "k9"},  // no such card
      {"/discussion/started_ts", "0"},
      {"/discussion/timer", json::object()},
      {"/discussion/timer", 60},
      {"/discussion/timer/seconds", "60"},
      {"/discussion/continue_votes", json::array()},
      {"/discussion/continue_votes/p_a", "maybe"},
      {"/discussion/continue_votes/p_a", nullptr},
      {"/facilitator", 5},
      {"/facilitator", false},
      {"/facilitator", json::object()},
      {"/settings/anonymous_cards", "yes"},
      {"/settings/hide_totals", nullptr},
      {"/cards/2/anonymous", false},  // canonical is the key absent
      {"/cards/2/anonymous", "true"},
      {"/cards/2/anonymous", nullptr},
      {"/cards/2/seal", 5},
      {"/cards/2/seal", nullptr},
      {"/cards/0/anonymous", true},  // anonymous without a seal
      {"/cards/0/seal", "5eal"},     // a seal without anonymous
      {"/cards/1/notes/0/due", "2023-02-29"},
      {"/cards/1/notes/0/due", "2024-13-01"},
      {"/cards/1/notes/0/due", "2024-1-01"},
      {"/cards/1/notes/0/due", "2024-01-01T00:00"},
      {"/cards/1/notes/0/due", nullptr},
      {"/cards/1/notes/0/owner", 5},
      {"/cards/1/notes/0/owner", nullptr},
      {"/cards/0/notes/0/owner", "p_a"},       // on a takeaway
      {"/cards/0/notes/0/due", "2024-01-01"},  // on a takeaway
  };
  for (const auto& [where, value] : replacements) {
    json j = base;
    j[json::json_pointer(where)] = value;
    EXPECT_FALSE(FromJsonNoThrow(j).has_value()) << where << " = " << value.dump();
  }
  // Votes summing beyond int64 are refused, not overflowed.
  json j = base;
  j["cards"][0]["votes"]["p_a"] = std::numeric_limits<int64_t>::max();
  j["cards"][1]["votes"]["p_a"] = std::numeric_limits<int64_t>::max();
  EXPECT_FALSE(FromJsonNoThrow(j).has_value());
}

// Random damage to a valid state never throws, and whatever is still accepted round-trips exactly.
TEST(FromJson, RandomDamageNeverThrowsAndAcceptedStatesRoundTrip) {
  const json base = RichState();
  std::vector<json::json_pointer> nodes;
  std::function<void(const json&, const json::json_pointer&)> walk = [&](const json& j,
                                                                         const json::json_pointer& at) {
    nodes.push_back(at);
    if (j.is_object()) {
      for (const auto& item : j.items()) walk(item.value(), at / item.key());
    } else if (j.is_array()) {
      for (size_t i = 0; i < j.size(); ++i) walk(j[i], at / i);
    }
  };
  walk(base, json::json_pointer());
  const std::vector<json> values = {nullptr,
                                    true,
                                    0,
                                    1,
                                    -1,
                                    2.0,
                                    2.5,
                                    "k1",
                                    "discussing",
                                    "up",
                                    json::array(),
                                    json::object(),
                                    std::numeric_limits<uint64_t>::max()};
  std::mt19937 rng(3);
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    json j = base;
    for (int hits = std::uniform_int_distribution<int>(1, 3)(rng); hits > 0; --hits) {
      const json::json_pointer& at = nodes[std::uniform_int_distribution<size_t>(0, nodes.size() - 1)(rng)];
      if (!j.contains(at)) continue;
      j[at] = values[std::uniform_int_distribution<size_t>(0, values.size() - 1)(rng)];
    }
    std::optional<Meeting> m = FromJsonNoThrow(j);
    if (m) {
      ++accepted;
      EXPECT_EQ(ToJson(*m), j) << j.dump();  // numbers compare by value: 2.0 == 2
    }
  }
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace confab::domain
