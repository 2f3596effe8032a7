#include "views/meeting_fold.hpp"

#include "views/event_fields.hpp"

namespace confab::views {
namespace {

// The server's own actor (meeting_created) is not a participant.
bool IsPerson(std::string_view pid) {
  return !pid.empty() && pid != "system";
}

}  // namespace

FoldCard* MeetingFold::FindCard(const std::string& card_id) {
  auto it = card_index_.find(card_id);
  return it == card_index_.end() ? nullptr : &cards_[it->second];
}

const FoldPerson* MeetingFold::FindPerson(std::string_view pid) const {
  auto it = person_index_.find(std::string(pid));
  return it == person_index_.end() ? nullptr : &people_[it->second];
}

FoldPerson* MeetingFold::Person(const std::string& pid, const std::string& name_if_new) {
  auto [it, inserted] = person_index_.try_emplace(pid, people_.size());
  if (inserted) {
    FoldPerson& p = people_.emplace_back();
    p.pid = pid;
    p.name = name_if_new;
  }
  return &people_[it->second];
}

void MeetingFold::CloseRunningSpan(int64_t ts) {
  if (!running_card_) return;
  cards_[*running_card_].closed_ms += ts - running_since_;
  running_card_.reset();
}

int64_t MeetingFold::DiscussedMs(const FoldCard& card) const {
  int64_t ms = card.closed_ms;
  if (IsDiscussing(card)) ms += last_ts_ - running_since_;
  return ms;
}

bool MeetingFold::IsDiscussing(const FoldCard& card) const {
  return running_card_ && cards_[*running_card_].card_id == card.card_id;
}

void MeetingFold::Apply(const store::StoredEvent& ev, const nlohmann::json& parsed) {
  const nlohmann::json& data = EventData(parsed);
  const std::string& type = ev.type;
  const int64_t ts = ev.ts;
  if (events_ == 0) first_ts_ = last_ts_ = ts;
  // ts is server time; should the clock step back, spans never go negative.
  last_ts_ = std::max(last_ts_, ts);
  head_seq_ = ev.seq;
  ++events_;

  FoldPerson* person = nullptr;
  if (IsPerson(ev.actor_pid)) {
    // participant_joined carries the name in data; any other event names its actor.
    person = Person(ev.actor_pid, type == "participant_joined" ? StrField(data, "name") : ActorName(parsed));
    ++person->events;
  }

  if (type == "meeting_created") {
    title_ = StrField(data, "title");
    created_ts_ = ts;
  } else if (type == "meeting_renamed") {
    title_ = StrField(data, "title");
  } else if (type == "participant_renamed") {
    if (person) person->name = StrField(data, "name");
  } else if (type == "phase_changed") {
    phase_ = StrField(data, "phase");
    // Leaving the discuss phase ends whatever was being discussed.
    if (phase_ != "discuss") CloseRunningSpan(ts);
  } else if (type == "card_added") {
    const std::string card_id = StrField(data, "card_id");
    if (card_index_.try_emplace(card_id, cards_.size()).second) {
      FoldCard& c = cards_.emplace_back();
      c.card_id = card_id;
      c.title = StrField(data, "title");
      c.author_pid = ev.actor_pid;
      c.added_seq = ev.seq;
    }
    if (person) ++person->cards;
  } else if (type == "card_edited") {
    if (FoldCard* c = FindCard(StrField(data, "card_id"))) c->title = StrField(data, "title");
  } else if (type == "card_deleted") {
    if (FoldCard* c = FindCard(StrField(data, "card_id"))) c->state = "deleted";
  } else if (type == "card_merged") {
    FoldCard* from = FindCard(StrField(data, "card_id"));
    FoldCard* into = FindCard(StrField(data, "into_card_id"));
    if (from && into && from != into) {
      into->votes += from->votes;
      from->votes = 0;
      from->state = "merged";
      from->merged_into = into->card_id;
    }
  } else if (type == "card_voted" || type == "vote_withdrawn") {
    const int delta = type == "card_voted" ? 1 : -1;
    if (FoldCard* c = FindCard(StrField(data, "card_id"))) c->votes += delta;
    if (person) person->votes += delta;
  } else if (type == "discussion_started") {
    auto it = card_index_.find(StrField(data, "card_id"));
    if (it != card_index_.end()) {
      CloseRunningSpan(ts);  // one discussion at a time; the domain forbids overlap anyway
      FoldCard& c = cards_[it->second];
      running_card_ = it->second;
      running_since_ = ts;
      ++c.times_discussed;
      if (c.discussion_order == 0) c.discussion_order = ++discussions_started_;
    }
  } else if (type == "discussion_finished") {
    if (FoldCard* c = FindCard(StrField(data, "card_id"))) {
      if (IsDiscussing(*c)) CloseRunningSpan(ts);
      const std::string outcome = StrField(data, "outcome");
      c->outcome = outcome.empty() ? "done" : outcome;
    }
  } else if (type == "continue_voted") {
    if (person) ++person->continue_votes;
    if (running_card_) {
      FoldCard& c = cards_[*running_card_];
      const std::string vote = StrField(data, "vote");
      if (vote == "up") ++c.continue_up;
      if (vote == "sideways") ++c.continue_sideways;
      if (vote == "down") ++c.continue_down;
    }
  } else if (type == "note_added") {
    if (person) ++person->notes;
    if (FoldCard* c = FindCard(StrField(data, "card_id"))) {
      FoldNote& n = c->notes.emplace_back();
      n.note_id = StrField(data, "note_id");
      n.kind = StrField(data, "kind");
      n.text = StrField(data, "text");
      n.author_pid = ev.actor_pid;
      n.author_name = person ? person->name : ActorName(parsed);
    }
  } else if (type == "note_deleted") {
    if (FoldCard* c = FindCard(StrField(data, "card_id"))) {
      const std::string note_id = StrField(data, "note_id");
      for (FoldNote& n : c->notes) {
        if (n.note_id == note_id) n.deleted = true;
      }
    }
  } else if (type == "reaction") {
    const std::string emoji = StrField(data, "emoji");
    const std::optional<int> score = EmojiScore(emoji);
    if (person) ++person->reactions;
    ++reactions_;
    ++reactions_by_emoji_[emoji];
    if (score) sentiment_.Add(*score);
    // A reaction names its card, or else belongs to the card under discussion at that moment.
    FoldCard* c = nullptr;
    if (HasStrField(data, "card_id")) {
      c = FindCard(StrField(data, "card_id"));
    } else if (running_card_) {
      c = &cards_[*running_card_];
    }
    if (c) {
      ++c->reactions[emoji];
      if (score) c->sentiment.Add(*score);
    } else {
      ++unattributed_reactions_;
    }
  }
  // settings_changed, timer_started, timer_extended: counted as events, nothing else to fold.
}

nlohmann::json MeetingFold::AnalyticsJson() const {
  nlohmann::json items = nlohmann::json::array();
  int64_t items_discussed = 0, discussed_total = 0, votes_total = 0;
  for (const FoldCard& c : cards_) {
    const int64_t discussed = DiscussedMs(c);
    if (c.times_discussed > 0) ++items_discussed;
    discussed_total += discussed;
    if (c.state == "active") votes_total += c.votes;
    int64_t takeaways = 0, actions = 0;
    for (const FoldNote& n : c.notes) {
      if (n.deleted) continue;
      (n.kind == "action" ? actions : takeaways) += 1;
    }
    nlohmann::json item = {
        {"card_id", c.card_id},
        {"title", c.title},
        {"author_pid", c.author_pid},
        {"state", c.state},
        {"votes", c.votes},
        {"discussed_ms", discussed},
        {"times_discussed", c.times_discussed},
        {"discussion_order", c.discussion_order > 0 ? nlohmann::json(c.discussion_order) : nlohmann::json()},
        {"discussing", IsDiscussing(c)},
        {"outcome", c.outcome ? nlohmann::json(*c.outcome) : nlohmann::json()},
        {"reactions", c.reactions},
        {"sentiment", c.sentiment.ToJson()},
        {"continue_votes",
         {{"up", c.continue_up}, {"sideways", c.continue_sideways}, {"down", c.continue_down}}},
        {"notes", {{"takeaways", takeaways}, {"actions", actions}}},
    };
    if (c.state == "merged") item["merged_into"] = c.merged_into;
    items.push_back(std::move(item));
  }
  nlohmann::json participation = nlohmann::json::array();
  for (const FoldPerson& p : people_) {
    participation.push_back({{"pid", p.pid},
                             {"name", p.name},
                             {"cards", p.cards},
                             {"votes", p.votes},
                             {"notes", p.notes},
                             {"reactions", p.reactions},
                             {"continue_votes", p.continue_votes},
                             {"events", p.events}});
  }
  return {
      {"meeting_id", meeting_id_},
      {"title", title_},
      {"phase", phase_},
      {"head_seq", head_seq_},
      {"items", std::move(items)},
      {"participation", std::move(participation)},
      {"totals",
       {{"first_ts", first_ts_},
        {"last_ts", last_ts_},
        {"duration_ms", last_ts_ - first_ts_},
        {"events", events_},
        {"items", static_cast<int64_t>(cards_.size())},
        {"items_discussed", items_discussed},
        {"discussed_ms", discussed_total},
        {"votes", votes_total},
        {"participants", static_cast<int64_t>(people_.size())},
        {"reactions", reactions_},
        {"reactions_by_emoji", reactions_by_emoji_},
        {"unattributed_reactions", unattributed_reactions_},
        {"sentiment", sentiment_.ToJson()}}},
  };
}

}  // namespace confab::views
