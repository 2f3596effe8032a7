#pragma once
// Helpers for state_at_test.cpp and bench/state: a long, realistic meeting log. Not part of the
// library (header-only, like views_test_support.hpp).
//
// The log is what a server would have written: random pushes by a facilitator and participants,
// each kept only when domain::Validate accepts it against the state folded so far, so it has cards,
// edits, merges, votes, discussions with timers, continue votes, notes, reactions and renames, and
// passes through every phase many times. Times grow by 0–4 s per event, with ties.
#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "domain/meeting.hpp"
#include "store/store.hpp"
#include "store/test_support.hpp"

namespace confab::views::testing {

inline std::vector<store::StoredEvent> GenerateMeeting(const std::string& meeting_id, size_t count,
                                                       uint32_t seed, int64_t start_ts = 1732770000000) {
  using nlohmann::json;
  std::mt19937 rng(seed);
  auto below = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  auto chance = [&](int percent) { return static_cast<int>(below(100)) < percent; };
  auto pick = [&](const auto& v) -> const auto& {
    return v[below(v.size())];
  };

  std::vector<store::StoredEvent> out;
  out.reserve(count);
  domain::Meeting m;
  int64_t ts = start_ts;
  auto emit = [&](const domain::Actor& a, const std::string& type, json data) {
    store::StoredEvent e;
    e.meeting_id = meeting_id;
    e.seq = static_cast<int64_t>(out.size()) + 1;
    e.id = "e" + std::to_string(e.seq);
    e.type = type;
    e.actor_pid = a.pid;
    e.ts = ts;
    e.replayed = domain::FindEventType(type)->replay == domain::ReplayClass::kState;
    json event = {{"seq", e.seq}, {"id", e.id},
                  {"type", type}, {"actor", {{"pid", a.pid}, {"name", a.name}}},
                  {"ts", e.ts},   {"data", data}};
    domain::Apply(m, event);
    e.json = event.dump();
    out.push_back(std::move(e));
    ts += chance(10) ? 0 : static_cast<int64_t>(below(4000));
  };

  const domain::Actor server{"system", "Confab", domain::Role::kParticipant};
  const domain::Actor fac{"p_f", "Fran", domain::Role::kFacilitator};
  std::vector<domain::Actor> people;  // joined so far; the facilitator first
  std::vector<domain::Actor> waiting;
  for (int i = 0; i < 12; ++i)
    waiting.push_back({"p_" + std::to_string(i), "Person " + std::to_string(i), domain::Role::kParticipant});
  emit(server, "meeting_created",
       {{"title", "Generated retro"}, {"votes_per_person", 5}, {"timebox_s", 120}});
  emit(fac, "participant_joined", {{"name", fac.name}});
  people.push_back(fac);

  // Shadow lists to aim pushes at things that exist; Validate stays the judge.
  std::vector<std::string> cards;
  std::vector<std::pair<std::string, std::string>> notes;  // (card_id, note_id)
  std::vector<std::pair<std::string, std::string>> votes;  // (pid, card_id), one per vote cast
  std::string discussing;                                  // the card under discussion, "" when none
  int64_t next_id = 1;
  const std::vector<std::string> emoji = {"\xF0\x9F\x91\x8D", "\xF0\x9F\x8E\x89", "\xF0\x9F\xA4\x94",
                                          "\xF0\x9F\x91\x8E", "\xE2\x9D\xA4\xEF\xB8\x8F"};
  const std::vector<std::string> next_phase_of = {"vote", "discuss", "done", "collect"};
  auto phase_index = [&] {
    const std::string p = domain::Phase(m);
    return p == "collect" ? 0 : p == "vote" ? 1 : p == "discuss" ? 2 : 3;
  };

  while (out.size() < count) {
    if (!waiting.empty() && chance(1)) {
      people.push_back(waiting.back());
      waiting.pop_back();
      emit(people.back(), "participant_joined", {{"name", people.back().name}});
      continue;
    }
    const domain::Actor& a = chance(25) ? fac : pick(people);
    const int phase = phase_index();
    std::string type;
    json data = json::object();
    const int roll = static_cast<int>(below(100));
    auto some_card = [&] { return cards.empty() ? std::string("none") : pick(cards); };
    if (a.role == domain::Role::kFacilitator && roll < 12) {
      if (phase == 2 && roll < 8) {
        type = discussing.empty() ? "discussion_started" : "discussion_finished";
        data["card_id"] = discussing.empty() ? some_card() : discussing;
        if (type == "discussion_finished" && chance(50)) data["outcome"] = chance(70) ? "done" : "parked";
      } else if (phase == 2 && roll < 10) {
        type = chance(50) ? "timer_started" : "timer_extended";
        data["seconds"] = 30 + static_cast<int64_t>(below(300));
      } else if (roll < 11) {
        type = "phase_changed";
        data["phase"] = chance(85) ? next_phase_of[phase] : pick(next_phase_of);
      } else {
        type = chance(50) ? "settings_changed" : "meeting_renamed";
        if (type == "settings_changed")
          data["votes_per_person"] = 1 + static_cast<int64_t>(below(8));
        else
          data["title"] = "Retro " + std::to_string(next_id++);
      }
    } else if (roll < 40) {
      type = "reaction";
      data["emoji"] = pick(emoji);
      if (chance(50)) data["card_id"] = some_card();
    } else if (roll < 55 && phase <= 1) {
      type = "card_added";
      data["card_id"] = "k" + std::to_string(next_id++);
      data["title"] = "Topic " + std::to_string(next_id);
    } else if (roll < 70 && phase == 1) {
      std::vector<std::string> mine;  // cards this actor voted on
      for (const auto& [pid, card] : votes)
        if (pid == a.pid) mine.push_back(card);
      type = chance(80) || mine.empty() ? "card_voted" : "vote_withdrawn";
      data["card_id"] = type == "card_voted" ? some_card() : pick(mine);
    } else if (roll < 70 && phase == 2) {
      type = "continue_voted";
      data["vote"] = pick(std::vector<std::string>{"up", "sideways", "down"});
    } else if (roll < 73) {
      type = "note_added";
      data["card_id"] = some_card();
      data["note_id"] = "n" + std::to_string(next_id++);
      data["text"] = "Note " + std::to_string(next_id);
      data["kind"] = chance(50) ? "takeaway" : "action";
    } else if (roll < 83) {
      type = "card_edited";
      data["card_id"] = some_card();
      data["title"] = "Edited " + std::to_string(next_id++);
    } else if (roll < 86 && !notes.empty()) {
      type = "note_deleted";
      const auto& n = pick(notes);
      data["card_id"] = n.first;
      data["note_id"] = n.second;
    } else if (roll < 93 && chance(20)) {  // deleting and merging are rarer than adding
      type = "card_deleted";
      data["card_id"] = some_card();
    } else if (roll < 96 && chance(25)) {
      type = "card_merged";
      data["card_id"] = some_card();
      data["into_card_id"] = some_card();
    } else if (roll >= 99) {
      type = "participant_renamed";
      data["name"] = a.name + (chance(50) ? "" : " (" + std::to_string(below(100)) + ")");
    } else {
      type = "reaction";
      data["emoji"] = pick(emoji);
    }
    if (domain::Validate(m, a, type, data)) continue;  // rejected: the server would not have stored it
    emit(a, type, data);
    // Keep the shadow lists in step with what was accepted.
    if (type == "card_added") cards.push_back(data["card_id"]);
    if (type == "discussion_started") discussing = data["card_id"];
    if (type == "discussion_finished") discussing.clear();
    if (type == "card_voted") votes.emplace_back(a.pid, data["card_id"]);
    if (type == "vote_withdrawn") {
      auto it =
          std::find(votes.begin(), votes.end(), std::pair<std::string, std::string>(a.pid, data["card_id"]));
      if (it != votes.end()) votes.erase(it);
    }
    if (type == "note_added") notes.emplace_back(data["card_id"], data["note_id"]);
    if (type == "note_deleted")
      std::erase(notes, std::pair<std::string, std::string>(data["card_id"], data["note_id"]));
    if (type == "card_deleted") {
      std::erase(cards, data["card_id"].get<std::string>());
      std::erase_if(notes, [&](const auto& n) { return n.first == data["card_id"]; });
    }
    if (type == "card_merged") {
      std::erase(cards, data["card_id"].get<std::string>());
      for (auto& n : notes)
        if (n.first == data["card_id"]) n.first = data["into_card_id"];
    }
  }
  return out;
}

// Creates the meeting in `store` and appends `events` (seq 1…) in requests of `batch` events.
inline Status StoreMeeting(store::Store& store, const std::string& meeting_id,
                           const std::vector<store::StoredEvent>& events, size_t batch = 1000) {
  for (size_t i = 0; i < events.size(); i += batch) {
    store::AppendRequest req;
    req.meeting_id = meeting_id;
    if (i == 0) req.create = store::MeetingRecord{meeting_id, "hash", events.front().ts};
    req.events.assign(events.begin() + static_cast<ptrdiff_t>(i),
                      events.begin() + static_cast<ptrdiff_t>(std::min(events.size(), i + batch)));
    if (Status s = store::testing::AppendAndWait(store, std::move(req)); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace confab::views::testing
