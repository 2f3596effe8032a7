// Apply: folds one stored event into the meeting. Tolerant by design: an event that does not fit
// the state (a missing field, an unknown card) is skipped rather than trusted, and nothing throws.
#include <algorithm>
#include <string_view>
#include <utility>

#include "domain/fields.hpp"
#include "domain/rules.hpp"

namespace confab::domain {
namespace {

// What every type's fold gets: the state, the event's data, its author and its server time.
struct Fold {
  Meeting& m;
  const nlohmann::json& data;
  std::string_view pid;  // empty when the stored event has no actor pid
  int64_t ts;
};

void AddVotes(Meeting& m, std::string_view pid, int64_t delta) {
  auto it = m.votes_used.find(pid);
  if (it == m.votes_used.end()) it = m.votes_used.emplace(std::string(pid), 0).first;
  it->second += delta;
  if (it->second <= 0) m.votes_used.erase(it);
}

void ReadSettings(const nlohmann::json& data, Settings& s) {
  if (auto v = IntField(data, "votes_per_person")) s.votes_per_person = *v;
  if (auto v = IntField(data, "timebox_s")) s.timebox_s = *v;
  if (auto v = BoolField(data, "anonymous_votes")) s.anonymous_votes = *v;
  if (auto v = BoolField(data, "anonymous_cards")) s.anonymous_cards = *v;
  if (auto v = BoolField(data, "hide_totals")) s.hide_totals = *v;
}

void MeetingCreated(Fold f) {
  if (auto title = StrField(f.data, "title")) f.m.title = *title;
  ReadSettings(f.data, f.m.settings);
  f.m.created_ts = f.ts;
}

void ParticipantNamed(Fold f) {
  if (f.pid.empty()) return;
  auto name = StrField(f.data, "name");
  f.m.participants[std::string(f.pid)].name = name ? std::string(*name) : std::string();
}

void MeetingRenamed(Fold f) {
  if (auto title = StrField(f.data, "title")) f.m.title = *title;
}

void SettingsChanged(Fold f) {
  ReadSettings(f.data, f.m.settings);
}

void PhaseChanged(Fold f) {
  if (auto phase = StrField(f.data, "phase"); phase && IsPhase(*phase)) f.m.phase = *phase;
}

// The role goes to `pid` as written; Validate made sure it was a participant.
void FacilitatorChanged(Fold f) {
  if (auto pid = StrField(f.data, "pid")) f.m.facilitator = std::string(*pid);
}

// The author is the event's actor as stored: "anonymous" for a card added while anonymous_cards was on
// (ToStore), which then carries its seal. The actor need not be a participant.
void CardAdded(Fold f) {
  auto card_id = StrField(f.data, "card_id");
  auto title = StrField(f.data, "title");
  if (!card_id || !title || FindCard(f.m, *card_id) != nullptr) return;
  Card card;
  card.card_id = *card_id;
  card.title = *title;
  card.author = f.pid;
  if (auto seal = StrField(f.data, "seal")) card.seal = std::string(*seal);
  f.m.cards.push_back(std::move(card));
}

void CardEdited(Fold f) {
  auto card_id = StrField(f.data, "card_id");
  auto title = StrField(f.data, "title");
  if (!card_id || !title) return;
  if (Card* card = FindCard(f.m, *card_id)) card->title = *title;
}

void CardDeleted(Fold f) {
  auto card_id = StrField(f.data, "card_id");
  if (!card_id) return;
  auto it =
      std::find_if(f.m.cards.begin(), f.m.cards.end(), [&](const Card& c) { return c.card_id == *card_id; });
  if (it == f.m.cards.end()) return;
  for (const auto& [voter, n] : it->votes) AddVotes(f.m, voter, -n);
  if (f.m.discussion && f.m.discussion->card_id == *card_id) f.m.discussion.reset();
  f.m.cards.erase(it);
}

// The merged card goes; its votes, notes and discussion time move to the card it was merged into.
void CardMerged(Fold f) {
  auto card_id = StrField(f.data, "card_id");
  auto into = StrField(f.data, "into_card_id");
  if (!card_id || !into || *card_id == *into) return;
  Card* to = FindCard(f.m, *into);
  auto from =
      std::find_if(f.m.cards.begin(), f.m.cards.end(), [&](const Card& c) { return c.card_id == *card_id; });
  if (to == nullptr || from == f.m.cards.end()) return;
  for (const auto& [voter, n] : from->votes) to->votes[voter] += n;
  for (Note& note : from->notes) to->notes.push_back(std::move(note));
  to->discussed_ms += from->discussed_ms;
  to->merged.push_back(MergedCard{from->card_id, from->title, from->author});
  for (MergedCard& m : from->merged) to->merged.push_back(std::move(m));
  if (f.m.discussion && f.m.discussion->card_id == *card_id) f.m.discussion.reset();
  f.m.cards.erase(from);
}

void CardVoted(Fold f) {
  auto card_id = StrField(f.data, "card_id");
  if (!card_id || f.pid.empty()) return;
  Card* card = FindCard(f.m, *card_id);
  if (card == nullptr) return;
  card->votes[std::string(f.pid)] += 1;
  AddVotes(f.m, f.pid, 1);
}

void VoteWithdrawn(Fold f) {
  auto card_id = StrField(f.data, "card_id");
  if (!card_id) return;
  Card* card = FindCard(f.m, *card_id);
  if (card == nullptr) return;
  auto it = card->votes.find(f.pid);
  if (it == card->votes.end()) return;
  if (--it->second <= 0) card->votes.erase(it);
  AddVotes(f.m, f.pid, -1);
}

Timer TimerAt(int64_t ts, int64_t seconds) {
  return Timer{seconds, ts, ts + seconds * 1000};
}

void DiscussionStarted(Fold f) {
  auto card_id = StrField(f.data, "card_id");
  if (!card_id || f.m.discussion) return;
  Card* card = FindCard(f.m, *card_id);
  if (card == nullptr) return;
  card->status = "discussing";
  Discussion d;
  d.card_id = *card_id;
  d.started_ts = f.ts;
  d.timer = TimerAt(f.ts, f.m.settings.timebox_s);
  f.m.discussion = std::move(d);
}

void DiscussionFinished(Fold f) {
  auto card_id = StrField(f.data, "card_id");
  if (!card_id || !f.m.discussion || f.m.discussion->card_id != *card_id) return;
  if (Card* card = FindCard(f.m, *card_id)) {
    auto outcome = StrField(f.data, "outcome");
    card->status = outcome && *outcome == "parked" ? "parked" : "done";
    card->discussed_ms += std::max<int64_t>(0, f.ts - f.m.discussion->started_ts);
  }
  f.m.discussion.reset();
}

// A new or longer timer asks the room afresh whether to go on: earlier continue votes are dropped.
void TimerStarted(Fold f) {
  auto seconds = IntField(f.data, "seconds");
  if (!seconds || !f.m.discussion) return;
  f.m.discussion->timer = TimerAt(f.ts, *seconds);
  f.m.discussion->continue_votes.clear();
}

void TimerExtended(Fold f) {
  auto seconds = IntField(f.data, "seconds");
  if (!seconds || !f.m.discussion || !f.m.discussion->timer) return;
  f.m.discussion->timer->seconds += *seconds;
  f.m.discussion->timer->ends_ts += *seconds * 1000;
  f.m.discussion->continue_votes.clear();
}

void ContinueVoted(Fold f) {
  auto vote = StrField(f.data, "vote");
  if (!vote || !IsContinueVote(*vote) || f.pid.empty() || !f.m.discussion) return;
  f.m.discussion->continue_votes[std::string(f.pid)] = *vote;
}

// An owner or due date that does not fit (a wrong type, not a date, on a note that is not an action
// item) skips the whole event, so a state never holds one FromJson would refuse.
void NoteAdded(Fold f) {
  auto card_id = StrField(f.data, "card_id");
  auto note_id = StrField(f.data, "note_id");
  auto text = StrField(f.data, "text");
  auto kind = StrField(f.data, "kind");
  if (!card_id || !note_id || !text || !kind || NoteIdTaken(f.m, *note_id)) return;
  const ActionFields action = ReadActionFields(f.data);
  if (!action.ok || ((action.has_owner || action.has_due) && *kind != "action")) return;
  Card* card = FindCard(f.m, *card_id);
  if (card == nullptr) return;
  card->notes.push_back(Note{std::string(*note_id), std::string(*text), std::string(*kind),
                             std::string(f.pid), action.owner, action.due});
}

// A given owner / due is set (a string) or removed (null).
void ActionUpdated(Fold f) {
  auto card_id = StrField(f.data, "card_id");
  auto note_id = StrField(f.data, "note_id");
  const ActionFields action = ReadActionFields(f.data);
  if (!card_id || !note_id || !action.ok) return;
  Card* card = FindCard(f.m, *card_id);
  if (card == nullptr) return;
  for (Note& n : card->notes) {
    if (n.note_id != *note_id || n.kind != "action") continue;
    if (action.has_owner) n.owner = action.owner;
    if (action.has_due) n.due = action.due;
  }
}

void NoteDeleted(Fold f) {
  auto card_id = StrField(f.data, "card_id");
  auto note_id = StrField(f.data, "note_id");
  if (!card_id || !note_id) return;
  Card* card = FindCard(f.m, *card_id);
  if (card == nullptr) return;
  std::erase_if(card->notes, [&](const Note& n) { return n.note_id == *note_id; });
}

using FoldFn = void (*)(Fold);

FoldFn FoldOf(std::string_view type) {
  static constexpr std::pair<std::string_view, FoldFn> kFolds[] = {
      {"meeting_created", MeetingCreated},
      {"participant_joined", ParticipantNamed},
      {"participant_renamed", ParticipantNamed},
      {"meeting_renamed", MeetingRenamed},
      {"settings_changed", SettingsChanged},
      {"phase_changed", PhaseChanged},
      {"facilitator_changed", FacilitatorChanged},
      {"card_added", CardAdded},
      {"card_edited", CardEdited},
      {"card_deleted", CardDeleted},
      {"card_merged", CardMerged},
      {"card_voted", CardVoted},
      {"vote_withdrawn", VoteWithdrawn},
      {"discussion_started", DiscussionStarted},
      {"discussion_finished", DiscussionFinished},
      {"timer_started", TimerStarted},
      {"timer_extended", TimerExtended},
      {"continue_voted", ContinueVoted},
      {"note_added", NoteAdded},
      {"note_deleted", NoteDeleted},
      {"action_updated", ActionUpdated},
      // reaction (moment) and typing (transient) leave the state as it is.
  };
  for (const auto& [name, fn] : kFolds) {
    if (name == type) return fn;
  }
  return nullptr;
}

}  // namespace

void Apply(Meeting& m, const nlohmann::json& event) {
  if (!event.is_object()) return;
  auto seq = IntField(event, "seq");
  int64_t ts = IntField(event, "ts").value_or(m.last_ts);
  if (auto type = StrField(event, "type")) {
    if (FoldFn fn = FoldOf(*type)) {
      static const nlohmann::json kNoData = nlohmann::json::object();
      const nlohmann::json* data = Member(event, "data");
      const nlohmann::json* actor = Member(event, "actor");
      auto pid = actor != nullptr ? StrField(*actor, "pid") : std::nullopt;
      fn(Fold{m, data != nullptr ? *data : kNoData, pid.value_or(std::string_view()), ts});
    }
  }
  // Only logged events (those with a seq) move the meeting's position; transient ones never do.
  if (seq) {
    m.last_seq = *seq;
    m.last_ts = ts;
  }
}

}  // namespace confab::domain
