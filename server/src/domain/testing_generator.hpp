#pragma once
// Test-only: a seeded random meeting for the domain tests. Random pushes (many invalid) from three
// participants and a stranger over every catalogue type, steered towards real flows (phases,
// discussions, timers, votes, notes); what Validate accepts is stored and applied. Used by
// random_case_test.cpp (conformance/random.json) and from_json_test.cpp (snapshot + tail folds).
// Changing the draws changes conformance/random.json: regenerate it if you do.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "domain/meeting.hpp"

namespace confab::domain::testgen {

struct GeneratedMeeting {
  nlohmann::json steps = nlohmann::json::array();  // conformance steps (conformance/README.md)
  std::vector<nlohmann::json> events;              // the stored events folded, in order (typing has no seq)
  Meeting meeting;                                 // the fold of `events`
};

inline GeneratedMeeting GenerateMeeting(uint32_t seed, int steps_wanted) {
  using nlohmann::json;
  GeneratedMeeting out;
  std::mt19937 rng(seed);
  auto pick = [&](auto const& v) { return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)]; };
  auto chance = [&](int percent) { return std::uniform_int_distribution<int>(0, 99)(rng) < percent; };
  const std::vector<Actor> actors = {{"p_f", "Fran", Role::kFacilitator},
                                     {"p_a", "Ada", Role::kParticipant},
                                     {"p_b", "Bo", Role::kParticipant}};
  const Actor stranger{"p_c", "Cy", Role::kParticipant};
  // Each field: a valid value most of the time, otherwise one of the ways it can be wrong.
  auto field = [&](const std::vector<json>& good, const std::vector<json>& bad) {
    return chance(85) ? pick(good) : pick(bad);
  };
  const std::vector<json> bad_any = {nullptr, 7, "", json::array()};
  auto card_id = [&] { return field({"k1", "k2", "k3", "k4", "k5"}, {"k9", "", 7, nullptr}); };
  auto text = [&] {
    return field({"Topic", " padded ", "\xF0\x9F\x8E\x89 party"},
                 {"", "  ", std::string(141, 'x'), std::string(501, 'y'), 3});
  };
  auto seconds = [&] { return field({10, 30, 60, 3600}, {9, 3601, 2.5, "60"}); };

  // The seal the server would derive for `pid` and a card (any fixed function of both will do here).
  auto seal_of = [](const std::string& pid, const json& card_id) {
    return "seal-" + pid + "-" + (card_id.is_string() ? card_id.get<std::string>() : card_id.dump());
  };
  auto owner = [&] { return field({"p_a", "p_b", "p_f", nullptr}, {"p_c", 5, ""}); };
  auto due = [&] { return field({"2024-02-29", "2030-12-31", nullptr}, {"2023-02-29", "2024-1-1", 7}); };

  json steps = json::array();
  Meeting m;
  int64_t seq = 0, clock = 0;
  auto event = [&](const Actor& a, const std::string& type, json data) {
    clock += 1000;
    json e = {{"seq", ++seq}, {"id", "e" + std::to_string(seq)},
              {"type", type}, {"actor", {{"pid", a.pid}, {"name", a.name}}},
              {"ts", clock},  {"data", data}};
    Apply(m, e);
    out.events.push_back(e);
    steps.push_back({{"event", e}});
  };
  // Odd seeds start with anonymous cards on, so that both kinds of card show up in every few seeds.
  event({"server", "server", Role::kParticipant}, "meeting_created",
        {{"title", "Random"}, {"timebox_s", 60}, {"anonymous_cards", seed % 2 == 1}});
  for (const Actor& a : actors) event(a, "participant_joined", {{"name", a.name}});

  for (int i = 0; i < steps_wanted; ++i) {
    Actor a = chance(3) ? stranger : pick(actors);
    std::string type = std::string(pick(Catalogue()).type);
    // Steer towards meaningful flows: the facilitator moves phases and discussions more often, and
    // the token holder takes the role back now and then.
    if (IsFacilitator(m, a) && chance(40)) {
      type = pick(std::vector<std::string>{"phase_changed", "phase_changed", "discussion_started",
                                           "discussion_finished", "timer_started", "timer_extended"});
    } else if (a.role == Role::kFacilitator && !IsFacilitator(m, a) && chance(20)) {
      type = "facilitator_changed";
    } else if (chance(30)) {
      type = pick(std::vector<std::string>{"card_added", "card_voted", "card_voted", "vote_withdrawn",
                                           "note_added", "continue_voted"});
    }
    if (chance(2)) type = pick(std::vector<std::string>{"nope", "participant_joined"});
    json data = json::object();
    if (type == "participant_renamed") data["name"] = text();
    if (type == "meeting_renamed" || type == "card_added" || type == "card_edited") data["title"] = text();
    if (type.starts_with("card_") || type.starts_with("vote_") || type.starts_with("discussion_") ||
        type.starts_with("note_") || type == "action_updated" || (type == "reaction" && chance(50)) ||
        (type == "typing" && chance(50))) {
      data["card_id"] = card_id();
    }
    if (type == "card_merged") data["into_card_id"] = card_id();
    if (type.starts_with("note_") || type == "action_updated")
      data["note_id"] = field({"n1", "n2", "n3"}, {"", 5});
    if (type == "note_added") {
      data["text"] = text();
      data["kind"] = field({"takeaway", "action"}, {"question", nullptr});
      if (chance(30)) data["owner"] = owner();
      if (chance(20)) data["due"] = due();
    }
    if (type == "action_updated") {
      if (chance(70)) data["owner"] = owner();
      if (chance(50)) data["due"] = due();
    }
    if (type == "facilitator_changed") data["pid"] = field({"p_f", "p_a", "p_b"}, {"p_c", 5, nullptr});
    if (type == "settings_changed") {
      if (chance(60)) data["votes_per_person"] = field({1, 2, 3, 5}, {0, 21, "3"});
      if (chance(60)) data["timebox_s"] = field({30, 60, 600}, {29, 3601});
      if (chance(30)) data["anonymous_votes"] = field({true, false}, {"yes"});
      if (chance(30)) data["anonymous_cards"] = field({true, false}, {1});
      if (chance(20)) data["hide_totals"] = field({true, false}, {nullptr});
    }
    if (type == "phase_changed")
      data["phase"] = field({"collect", "vote", "discuss", "discuss", "done"}, {"closed", 1});
    if (type == "discussion_finished" && chance(60))
      data["outcome"] = field({"done", "parked"}, {"maybe", nullptr});
    if (type.starts_with("timer_")) data["seconds"] = seconds();
    if (type == "continue_voted") data["vote"] = field({"up", "sideways", "down"}, {"maybe", 1});
    if (type == "reaction")
      data["emoji"] =
          field({"\xF0\x9F\x91\x8D", "\xF0\x9F\x98\xA2", "\xE2\x9D\xA4\xEF\xB8\x8F"}, {"\xE2\x9D\xA4", "x"});
    if (chance(2)) data = pick(bad_any);
    // As the server does: the seals of the cards the push names (now and then one is missing).
    for (const char* key : {"card_id", "into_card_id"}) {
      if (data.is_object() && data.contains(key) && data[key].is_string() && !chance(5)) {
        a.seals[data[key].get<std::string>()] = seal_of(a.pid, data[key]);
      }
    }
    clock += 1000;
    auto reason = Validate(m, a, type, data);
    json actor_json = {{"pid", a.pid},
                       {"name", a.name},
                       {"role", a.role == Role::kFacilitator ? "facilitator" : "participant"}};
    if (!a.seals.empty()) actor_json["seals"] = a.seals;
    json step = {{"push", {{"actor", actor_json}, {"type", type}, {"data", data}}},
                 {"expect", reason ? json{{"reject", *reason}} : json("ok")}};
    if (!reason) {
      const EventSpec* spec = FindEventType(type);
      Stored stored = ToStore(m, a, type, data);
      json e = {{"type", type}, {"actor", stored.actor}, {"ts", clock}, {"data", stored.data}};
      if (spec->replay != ReplayClass::kTransient) e["seq"] = ++seq;
      Apply(m, e);
      out.events.push_back(e);
    }
    if (i % 50 == 49) step["expect_state"] = ToJson(m);
    steps.push_back(step);
  }
  out.steps = std::move(steps);
  out.meeting = std::move(m);
  return out;
}

}  // namespace confab::domain::testgen
