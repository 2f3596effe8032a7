// ToJson: the canonical state shape (docs/domain.md), the same one web/src/domain folds to.
#include "domain/meeting.hpp"

namespace confab::domain {
namespace {

using nlohmann::json;

// owner, due, anonymous, seal and merged are keys only when set, so a state without them reads as before.
json NoteJson(const Note& n) {
  json j = {{"note_id", n.note_id}, {"text", n.text}, {"kind", n.kind}, {"author", n.author}};
  if (n.owner) j["owner"] = *n.owner;
  if (n.due) j["due"] = *n.due;
  return j;
}

json CardJson(const Card& c) {
  json notes = json::array();
  for (const Note& n : c.notes) notes.push_back(NoteJson(n));
  json votes = json::object();
  for (const auto& [pid, n] : c.votes) votes[pid] = n;
  json j = {{"card_id", c.card_id}, {"title", c.title}, {"author", c.author},
            {"status", c.status},   {"votes", votes},   {"discussed_ms", c.discussed_ms},
            {"notes", notes}};
  if (c.seal) {
    j["anonymous"] = true;
    j["seal"] = *c.seal;
  }
  if (!c.merged.empty()) {
    json merged = json::array();
    for (const MergedCard& m : c.merged) {
      merged.push_back({{"card_id", m.card_id}, {"title", m.title}, {"author", m.author}});
    }
    j["merged"] = merged;
  }
  return j;
}

json DiscussionJson(const std::optional<Discussion>& d) {
  if (!d) return nullptr;
  json timer = nullptr;
  if (d->timer) {
    timer = {
        {"seconds", d->timer->seconds}, {"started_ts", d->timer->started_ts}, {"ends_ts", d->timer->ends_ts}};
  }
  json votes = json::object();
  for (const auto& [pid, v] : d->continue_votes) votes[pid] = v;
  return {
      {"card_id", d->card_id}, {"started_ts", d->started_ts}, {"timer", timer}, {"continue_votes", votes}};
}

}  // namespace

json ToJson(const Meeting& m) {
  json participants = json::object();
  for (const auto& [pid, p] : m.participants) participants[pid] = {{"name", p.name}};
  json cards = json::array();
  for (const Card& c : m.cards) cards.push_back(CardJson(c));
  return {{"title", m.title},
          {"phase", m.phase},
          {"created_ts", m.created_ts},
          {"settings",
           {{"votes_per_person", m.settings.votes_per_person},
            {"timebox_s", m.settings.timebox_s},
            {"anonymous_votes", m.settings.anonymous_votes},
            {"anonymous_cards", m.settings.anonymous_cards},
            {"hide_totals", m.settings.hide_totals}}},
          {"participants", participants},
          {"facilitator", m.facilitator ? json(*m.facilitator) : json(nullptr)},
          {"cards", cards},
          {"discussion", DiscussionJson(m.discussion)},
          {"last_seq", m.last_seq},
          {"last_ts", m.last_ts}};
}

}  // namespace confab::domain
