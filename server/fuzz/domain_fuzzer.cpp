// Fuzzes the meeting domain (domain/meeting.hpp): Validate, ToStore, Apply, ToJson and FromJson.
//
// Two input forms:
//  - '{' first: a conformance case ({"steps": [...]}, conformance/README.md): events applied as is,
//    pushes validated and, when accepted, stored (ToStore) and applied, restores. The seed corpus is
//    every case of conformance/*.json, so mutations start from meaningful meetings.
//  - anything else: bytes that pick a script (FuzzedDataProvider): a meeting is created and joined,
//    then pushes of any type by any of a few actors with payloads built from the values that matter
//    (ids that exist or not, limits ±1, wrong JSON types, dates that are not), joins, clock jumps and
//    snapshot cuts. Only validated pushes reach Apply here, so the documented state invariants must hold.
//
// Invariants checked after every step:
//  - nothing throws (an exception is a crash here); Apply never throws on any event;
//  - ToJson -> text -> parse -> FromJson succeeds and gives back the same state (docs/domain.md: every
//    state Apply can reach restores);
//  - a state restored at a cut point follows the original exactly afterwards: same Validate answers,
//    same canonical state after every event (what answering a join with a snapshot relies on);
//  - script form: the invariants of domain/state.hpp (one discussing card per discussion, votes_used is
//    the sum of the cards' votes, unique card and note ids, at most kMaxCards cards), an accepted
//    non-transient push moves last_seq by one, a refusal is a snake_case reason.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "domain/meeting.hpp"

namespace {

using namespace confab::domain;
using nlohmann::json;

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "domain invariant broken: %s\n", what);
    abort();
  }
}

// The meeting, and optionally a copy restored from its snapshot at some earlier point that has been
// fed the same steps since.
struct Run {
  Meeting m;
  std::optional<Meeting> restored;
  int64_t seq = 0;
  int64_t clock = 0;
  bool strict = false;  // only validated pushes and server-written joins so far
};

void CheckRoundTrip(const Meeting& m) {
  const json j = ToJson(m);
  const json parsed = json::parse(j.dump(), nullptr, false);
  Check(!parsed.is_discarded(), "ToJson dumps parseable JSON");
  const std::optional<Meeting> back = FromJson(parsed);
  if (!back) {
    fprintf(stderr, "FromJson refused ToJson of a reachable state:\n%s\n", j.dump().c_str());
    abort();
  }
  if (ToJson(*back) != j) {
    fprintf(stderr, "FromJson(ToJson(m)) differs:\n%s\n%s\n", j.dump().c_str(), ToJson(*back).dump().c_str());
    abort();
  }
}

void CheckInvariants(const Meeting& m) {
  Check(m.cards.size() <= kMaxCards, "at most kMaxCards cards");
  std::set<std::string> card_ids, note_ids;
  std::map<std::string, int64_t> votes;
  size_t discussing = 0;
  for (const Card& c : m.cards) {
    Check(card_ids.insert(c.card_id).second, "card ids are unique");
    for (const Note& n : c.notes) Check(note_ids.insert(n.note_id).second, "note ids are unique");
    for (const auto& [pid, v] : c.votes) {
      Check(v > 0, "a card's votes are > 0");
      votes[pid] += v;
    }
    if (c.status == "discussing") {
      ++discussing;
      Check(m.discussion && m.discussion->card_id == c.card_id, "the discussing card is the discussion's");
    }
  }
  if (m.discussion) {
    Check(m.phase == "discuss", "a discussion only in the discuss phase");
    Check(discussing == 1, "a discussion has exactly one discussing card");
  }
  Check(std::map<std::string, int64_t>(m.votes_used.begin(), m.votes_used.end()) == votes,
        "votes_used is the sum of the cards' votes");
}

// Applies `event` (a whole stored event) to the run and to its restored copy, which gets it as the
// text the store would hand back.
void ApplyBoth(Run& r, const json& event) {
  Apply(r.m, event);
  if (r.restored) {
    Apply(*r.restored, json::parse(event.dump()));
    if (ToJson(*r.restored) != ToJson(r.m)) {
      fprintf(stderr, "a restored state diverged after %s\n", event.dump().c_str());
      abort();
    }
  }
}

void Cut(Run& r) {
  r.restored = FromJson(json::parse(ToJson(r.m).dump()));
  Check(r.restored.has_value(), "a reachable state restores");
}

// A push: validated on both copies (same answer), stored and applied when accepted. Returns the reason.
std::optional<std::string> Push(Run& r, const Actor& actor, const std::string& type, const json& data,
                                int64_t ts) {
  const auto reason = Validate(r.m, actor, type, data);
  if (r.restored)
    Check(Validate(*r.restored, actor, type, data) == reason, "a restored state validates alike");
  if (reason) {
    Check(!reason->empty() && reason->find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos,
          "a refusal is a snake_case reason");
    return reason;
  }
  const EventSpec* spec = FindEventType(type);
  Check(spec != nullptr && !spec->server_only, "only client types are accepted");
  const bool transient = spec->replay == ReplayClass::kTransient;
  const Stored stored = ToStore(r.m, actor, type, data);
  Check(stored.data.is_object() && stored.actor.is_object(), "ToStore writes an actor and a data object");
  json event = {{"type", type}, {"actor", stored.actor}, {"ts", ts}, {"data", stored.data}};
  if (!transient) event["seq"] = ++r.seq;
  event["id"] = transient ? "t" : "e" + std::to_string(r.seq);
  const int64_t before = LastSeq(r.m);
  ApplyBoth(r, event);
  Check(LastSeq(r.m) == (transient ? before : r.seq), "an accepted push moves last_seq to its seq");
  return std::nullopt;
}

// ---- Conformance-case form ----------------------------------------------------------------------

std::string Str(const json& obj, const char* key, const std::string& fallback = "") {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : fallback;
}

std::optional<int64_t> Int(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

void RunCase(const json& c) {
  if (!c.is_object() || !c.contains("steps") || !c["steps"].is_array()) return;
  Run r;
  size_t i = 0;
  for (const json& step : c["steps"]) {
    if (!step.is_object()) continue;
    if (++i % 3 == 0) Cut(r);  // snapshot cuts spread over the case
    if (const auto it = step.find("event"); it != step.end() && it->is_object()) {
      json event = *it;
      const int64_t ts = Int(event, "ts").value_or(r.clock + 1000);
      r.seq = Int(event, "seq").value_or(r.seq + 1);
      r.clock = ts;
      event["seq"] = r.seq;
      event["ts"] = ts;
      if (!event.contains("id")) event["id"] = "e" + std::to_string(r.seq);
      if (!event.contains("data")) event["data"] = json::object();
      ApplyBoth(r, event);  // anything at all: Apply must take it
    } else if (const auto push = step.find("push"); push != step.end() && push->is_object()) {
      r.clock = Int(step, "ts").value_or(r.clock + 1000);
      const json actor_json = push->value("actor", json::object());
      if (!actor_json.is_object()) continue;
      Actor actor{Str(actor_json, "pid"), Str(actor_json, "name"),
                  Str(actor_json, "role") == "facilitator" ? Role::kFacilitator : Role::kParticipant};
      if (const auto seals = actor_json.find("seals"); seals != actor_json.end() && seals->is_object()) {
        for (const auto& [card_id, seal] : seals->items()) {
          if (seal.is_string()) actor.seals.emplace(card_id, seal.get<std::string>());
        }
      }
      const json data = push->value("data", json::object());
      Push(r, actor, Str(*push, "type"), data, r.clock);
    } else if (const auto restore = step.find("restore"); restore != step.end()) {
      if (auto m = FromJson(*restore)) {
        CheckRoundTrip(*m);  // whatever FromJson accepts is canonical
        r.m = std::move(*m);
        r.seq = r.m.last_seq;
        r.clock = r.m.last_ts;
        r.restored.reset();
      }
    }
    CheckRoundTrip(r.m);
  }
}

// ---- Script form ----------------------------------------------------------------------------------

const std::vector<std::string> kPids = {"p0", "p1", "p2", "p3", "anonymous", ""};
const std::vector<std::string> kCardIds = {"k1", "k2", "k3", "k4", "", std::string(65, 'k'), "\xC3\xBC"};
const std::vector<std::string> kNoteIds = {"n1", "n2", "n3", ""};
const std::vector<std::string> kTexts = {"Retro",
                                         "",
                                         "  \t",
                                         std::string(140, 'a'),
                                         std::string(141, 'a'),
                                         std::string(40, 'n'),
                                         std::string(41, 'n'),
                                         std::string(500, 't'),
                                         std::string(501, 't'),
                                         "\xF0\x9F\x94\xA5",
                                         std::string("nul\0in", 6)};
const std::map<std::string, std::vector<std::string>> kWords = {
    {"phase", {"collect", "vote", "discuss", "done", "parked"}},
    {"vote", {"up", "sideways", "down", "left"}},
    {"outcome", {"done", "parked", "todo"}},
    {"kind", {"takeaway", "action", "note"}},
    {"due", {"2024-02-29", "2023-02-29", "2024-13-01", "0000-01-01", "9999-12-31", "24-01-01", "2024-1-01"}},
    {"emoji", {"\xF0\x9F\x91\x8D", "\xF0\x9F\xA4\x94", "\xE2\x9D\xA4\xEF\xB8\x8F", "\xE2\x9D\xA4", "x"}},
    {"seal", {"5eal", "s2", ""}},
};
// The fields each type reads (domain/validate_*.cpp); a push names them all but those the script drops.
const std::map<std::string, std::vector<std::string>, std::less<>> kTypeFields = {
    {"participant_renamed", {"name"}},
    {"meeting_renamed", {"title"}},
    {"settings_changed",
     {"votes_per_person", "timebox_s", "anonymous_votes", "anonymous_cards", "hide_totals"}},
    {"phase_changed", {"phase"}},
    {"facilitator_changed", {"pid"}},
    {"card_added", {"card_id", "title"}},
    {"card_edited", {"card_id", "title"}},
    {"card_deleted", {"card_id"}},
    {"card_merged", {"card_id", "into_card_id"}},
    {"card_voted", {"card_id"}},
    {"vote_withdrawn", {"card_id"}},
    {"discussion_started", {"card_id"}},
    {"discussion_finished", {"card_id", "outcome"}},
    {"timer_started", {"seconds"}},
    {"timer_extended", {"seconds"}},
    {"continue_voted", {"vote"}},
    {"note_added", {"card_id", "note_id", "text", "kind", "owner", "due"}},
    {"note_deleted", {"card_id", "note_id"}},
    {"action_updated", {"card_id", "note_id", "owner", "due"}},
    {"reaction", {"emoji", "card_id"}},
    {"typing", {"card_id"}},
};
const std::vector<int64_t> kInts = {0,
                                    1,
                                    2,
                                    3,
                                    -1,
                                    9,
                                    10,
                                    20,
                                    21,
                                    29,
                                    30,
                                    300,
                                    3600,
                                    3601,
                                    std::numeric_limits<int64_t>::max(),
                                    std::numeric_limits<int64_t>::min()};
const std::vector<std::string> kFields = {"card_id",
                                          "into_card_id",
                                          "title",
                                          "name",
                                          "text",
                                          "kind",
                                          "note_id",
                                          "owner",
                                          "due",
                                          "phase",
                                          "votes_per_person",
                                          "timebox_s",
                                          "anonymous_votes",
                                          "anonymous_cards",
                                          "hide_totals",
                                          "seconds",
                                          "vote",
                                          "emoji",
                                          "pid",
                                          "outcome",
                                          "seal"};

template <typename T>
const T& Pick(FuzzedDataProvider& in, const std::vector<T>& v) {
  return v[in.ConsumeIntegralInRange<size_t>(0, v.size() - 1)];
}

// A value for `field`: mostly of the kind the field takes, sometimes any JSON type at all.
json Value(FuzzedDataProvider& in, const std::string& field) {
  switch (in.ConsumeIntegralInRange<int>(0, 31)) {
    case 0:
      return nullptr;
    case 1:
      return json::array({Pick(in, kCardIds)});
    case 2:
      return json::object();
    case 3:
      return in.ConsumeBool();
    case 4:
      return Pick(in, kInts);
    case 5:
      return static_cast<double>(Pick(in, kInts)) + (in.ConsumeBool() ? 0.5 : 0.0);  // 30.0 counts as 30
    case 6:
      return Pick(in, kTexts);
    case 7: {  // any ASCII: a payload string came out of a JSON parser, so it is valid UTF-8
      std::string s = in.ConsumeRandomLengthString(16);
      for (char& c : s) c = static_cast<char>(c & 0x7F);
      return s;
    }
    default:
      break;
  }
  if (field == "card_id" || field == "into_card_id") return Pick(in, kCardIds);
  if (field == "note_id") return Pick(in, kNoteIds);
  if (field == "owner" || field == "pid") return Pick(in, kPids);
  if (field == "title" || field == "name" || field == "text") return Pick(in, kTexts);
  if (field == "votes_per_person" || field == "timebox_s" || field == "seconds") return Pick(in, kInts);
  if (field == "anonymous_votes" || field == "anonymous_cards" || field == "hide_totals")
    return in.ConsumeBool();
  if (const auto it = kWords.find(field); it != kWords.end()) return Pick(in, it->second);
  return Pick(in, kTexts);
}

void RunScript(FuzzedDataProvider& in) {
  Run r;
  r.strict = true;
  auto server_event = [&](const std::string& type, const std::string& pid, const json& data) {
    r.clock += 1000;
    ApplyBoth(r, {{"seq", ++r.seq},
                  {"id", "e" + std::to_string(r.seq)},
                  {"type", type},
                  {"actor", {{"pid", pid}, {"name", pid}}},
                  {"ts", r.clock},
                  {"data", data}});
  };
  r.clock = 1700000000000;
  server_event("meeting_created", "server",
               {{"title", "Retro"},
                {"votes_per_person", in.ConsumeIntegralInRange<int>(1, 20)},
                {"timebox_s", 300},
                {"anonymous_cards", in.ConsumeBool()}});
  for (const char* pid : {"p0", "p1", "p2"}) server_event("participant_joined", pid, {{"name", pid}});

  std::map<std::string, std::string> seals_seen;  // card id -> seal, from anonymous cards stored so far
  const auto& types = Catalogue();
  for (int steps = 0; steps < 200 && in.remaining_bytes() > 0; ++steps) {
    switch (in.ConsumeIntegralInRange<int>(0, 19)) {
      case 0: {  // someone joins (or rejoins under another name), as the server writes it
        const std::string& pid = Pick(in, kPids);
        if (!pid.empty()) server_event("participant_joined", pid, {{"name", Pick(in, kTexts)}});
        break;
      }
      case 1:  // time passes (timers run on event time)
        r.clock += Pick(in, kInts) & 0xFFFFFFFF;
        break;
      case 2:  // a snapshot is cut here
        Cut(r);
        break;
      default: {  // a push
        Actor actor{Pick(in, kPids), "Name", in.ConsumeBool() ? Role::kFacilitator : Role::kParticipant};
        if (in.ConsumeBool()) actor.seals = {seals_seen.begin(), seals_seen.end()};
        std::string type =
            in.ConsumeIntegralInRange<size_t>(0, 40) == 0
                ? "no_such_type"
                : std::string(types[in.ConsumeIntegralInRange<size_t>(0, types.size() - 1)].type);
        json data = json::object();
        if (const auto it = kTypeFields.find(type); it != kTypeFields.end()) {
          for (const std::string& field : it->second) {
            if (in.ConsumeIntegralInRange<int>(0, 7) != 0) data[field] = Value(in, field);  // or left out
          }
        }
        if (in.ConsumeIntegralInRange<int>(0, 7) == 0) {  // a field the type does not read
          const std::string& field = Pick(in, kFields);
          data[field] = Value(in, field);
        }
        r.clock += 1000;
        const json sent = in.ConsumeIntegralInRange<int>(0, 30) == 0 ? json(Pick(in, kCardIds)) : data;
        if (!Push(r, actor, type, sent, r.clock)) {
          for (const Card& c : r.m.cards) {
            if (c.seal) seals_seen[c.card_id] = *c.seal;
          }
        }
      }
    }
    CheckInvariants(r.m);
    CheckRoundTrip(r.m);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 0 && data[0] == '{') {
    const json c = json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
    if (!c.is_discarded()) RunCase(c);
    return 0;
  }
  FuzzedDataProvider in(data, size);
  RunScript(in);
  return 0;
}
