#include "views/meeting_fold.hpp"

#include <algorithm>
#include <iterator>

#include "views/event_fields.hpp"

namespace confab::views {
namespace {

constexpr std::string_view kAnonymous = domain::kAnonymousPid;
constexpr int64_t kMsPerMinute = 60'000;

// The server's own actor (meeting_created) is not a participant, and neither is the actor written
// for anonymous cards (docs/domain.md): it stands for whoever wrote them, so it is nobody's activity.
bool IsPerson(std::string_view pid) {
  return !pid.empty() && pid != "system" && pid != kAnonymous;
}

std::string_view OrEmpty(const std::optional<std::string>& s) {
  return s ? std::string_view(*s) : std::string_view();
}

// A string field of the event's data, nullptr when absent or not a string (no copy: ids are read per event).
const std::string* StrRef(const nlohmann::json& data, std::string_view key) {
  const nlohmann::json& v = Field(data, key);
  return v.is_string() ? &v.get_ref<const std::string&>() : nullptr;
}

// Whether the card's notes are still those the fold holds. Run for every event naming the card, so it
// compares what can change on a note (its id at each place, owner and due); text, kind and author are
// fixed when it is added (docs/domain.md).
bool SameNotes(const std::vector<FoldNote>& have, std::span<const domain::Note> now) {
  if (have.size() != now.size()) return false;
  for (size_t i = 0; i < now.size(); ++i) {
    const FoldNote& a = have[i];
    const domain::Note& b = now[i];
    if (a.note_id != b.note_id || a.owner_pid != OrEmpty(b.owner) || a.due != OrEmpty(b.due)) return false;
  }
  return true;
}

}  // namespace

const FoldPerson* MeetingFold::FindPerson(std::string_view pid) const {
  auto it = person_index_.find(std::string(pid));
  return it == person_index_.end() ? nullptr : &people_[it->second];
}

std::string MeetingFold::NameOf(std::string_view pid) const {
  if (pid == kAnonymous) return std::string(domain::kAnonymousName);
  const FoldPerson* p = FindPerson(pid);
  return p && !p->name.empty() ? p->name : std::string(pid);
}

int64_t MeetingFold::Topics() const {
  return static_cast<int64_t>(live_.size());
}

int64_t MeetingFold::TopicsDiscussed() const {
  int64_t n = 0;
  for (const FoldCard& c : cards_) n += c.state == "active" && c.times_discussed > 0 ? 1 : 0;
  return n;
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

int64_t MeetingFold::DiscussedMs(const FoldCard& card) const {
  int64_t ms = card.closed_ms;
  if (IsDiscussing(card)) ms += std::max<int64_t>(0, last_ts_ - running_since_);
  return ms;
}

bool MeetingFold::IsDiscussing(const FoldCard& card) const {
  return running_card_ && &cards_[*running_card_] == &card;
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

  const bool is_person = IsPerson(ev.actor_pid);
  const int64_t votes_before = is_person ? domain::VotesUsed(state_, ev.actor_pid) : 0;
  domain::Apply(state_, parsed);

  const std::string actor_name = ActorName(parsed);  // as the actor was called when writing it
  FoldPerson* person = nullptr;
  if (is_person) {
    person = Person(ev.actor_pid, actor_name);
    // The latest name the domain knows (participant_joined / _renamed); an actor who never joined
    // keeps the name its first event gave it.
    if (domain::HasParticipant(state_, ev.actor_pid))
      person->name = domain::ParticipantName(state_, ev.actor_pid);
    ++person->events;
  }

  if (type == "facilitator_changed") {
    // A hand-over the domain took: the role's holder before the first one is the actor handing it over.
    const std::optional<std::string> to = domain::HandedFacilitator(state_);
    if (to && (facilitators_.empty() || facilitators_.back() != *to)) {
      if (facilitators_.empty() && !ev.actor_pid.empty() && ev.actor_pid != *to)
        facilitators_.push_back(ev.actor_pid);
      facilitators_.push_back(*to);
    }
  } else if (type == "card_voted" || type == "vote_withdrawn") {
    if (person) person->votes += domain::VotesUsed(state_, ev.actor_pid) - votes_before;
  }

  // Apply changes no card but those the event names, merged-from first (its notes move to the other).
  for (std::string_view key : {"card_id", "into_card_id"}) {
    if (const std::string* card_id = StrRef(data, key)) FollowCard(*card_id, ev, data, person, actor_name);
  }
  FollowDiscussion(ts);

  if (type == "continue_voted") {
    // Counted when the domain holds it (a raw count of votes cast, not the latest per person).
    const std::string vote = StrField(data, "vote");
    const std::optional<std::string_view> held = domain::ContinueVoteOf(state_, ev.actor_pid);
    if (running_card_ && held && *held == vote) {
      if (person) ++person->continue_votes;
      FoldCard& c = cards_[*running_card_];
      (vote == "up" ? c.continue_up : vote == "sideways" ? c.continue_sideways : c.continue_down) += 1;
    }
  } else if (type == "reaction") {
    // A moment: the domain's state does not keep it, so it is folded here — scored by the domain's table,
    // on the card it names if that card is on the board, else on the card under discussion.
    const std::string emoji = StrField(data, "emoji");
    const std::optional<int> score = domain::EmojiSentiment(emoji);
    if (person) ++person->reactions;
    ++reactions_;
    ++reactions_by_emoji_[emoji];
    if (score) sentiment_.Add(*score);
    AddToMinute(ts, score);
    FoldCard* c = nullptr;
    if (const std::string* card_id = StrRef(data, "card_id")) {
      auto it = live_.find(*card_id);
      if (it != live_.end()) {
        c = &cards_[it->second];
        ++c->card_reactions[emoji];
      }
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
}

void MeetingFold::FollowCard(const std::string& card_id, const store::StoredEvent& ev,
                             const nlohmann::json& data, FoldPerson* person, const std::string& actor_name) {
  const std::optional<domain::CardFacts> now = domain::CardOnBoard(state_, card_id);
  auto it = live_.find(card_id);
  if (it == live_.end()) {
    if (!now) return;  // names no card, before or after
    // Came onto the board (card_added): a new card, even under the id of one deleted earlier.
    it = live_.emplace(card_id, cards_.size()).first;
    FoldCard& c = cards_.emplace_back();
    c.card_id = card_id;
    c.author_pid = now->author;
    c.added_seq = ev.seq;
    if (person) ++person->cards;
  }
  FoldCard& c = cards_[it->second];
  if (now) {
    if (c.title != now->title) c.title = now->title;
    c.votes = now->votes;
    c.closed_ms = now->discussed_ms;
    SyncNotes(c, now->notes, person, actor_name);
    return;
  }
  // Left the board: merged into the card the event names (still on it), or deleted — frozen as it was.
  live_.erase(it);
  const std::string* into = StrRef(data, "into_card_id");
  auto to = ev.type == "card_merged" && into && *into != card_id ? live_.find(*into) : live_.end();
  if (to == live_.end()) {
    c.state = "deleted";
    return;
  }
  // Its votes, discussion time and notes are the other card's now (the domain moved them); the notes
  // keep the names they were written under.
  FoldCard& kept = cards_[to->second];
  c.state = "merged";
  c.merged_into = *into;
  c.votes = 0;
  c.closed_ms = 0;
  kept.notes.insert(kept.notes.end(), std::make_move_iterator(c.notes.begin()),
                    std::make_move_iterator(c.notes.end()));
  c.notes.clear();
}

void MeetingFold::SyncNotes(FoldCard& card, std::span<const domain::Note> notes, FoldPerson* person,
                            const std::string& actor_name) {
  if (SameNotes(card.notes, notes)) return;
  std::vector<FoldNote> synced;
  synced.reserve(notes.size());
  for (const domain::Note& n : notes) {
    FoldNote& f = synced.emplace_back();
    f.note_id = n.note_id;
    f.kind = n.kind;
    f.text = n.text;
    f.author_pid = n.author;
    f.owner_pid = n.owner.value_or("");
    f.due = n.due.value_or("");
    auto had = std::find_if(card.notes.begin(), card.notes.end(),
                            [&](const FoldNote& h) { return h.note_id == n.note_id; });
    if (had != card.notes.end()) {
      f.author_name = std::move(had->author_name);
    } else {
      // New on the board: note_added took effect, written by this event's actor.
      f.author_name = person ? person->name : actor_name;
      if (person) ++person->notes;
    }
  }
  card.notes = std::move(synced);
}

void MeetingFold::FollowDiscussion(int64_t ts) {
  const std::optional<domain::DiscussionFacts> now = domain::RunningDiscussion(state_);
  if (running_card_) {
    FoldCard& c = cards_[*running_card_];
    if (now && now->card_id == c.card_id && now->started_ts == running_since_) return;  // goes on
    // Ended (finished, or its card left the board): the span closes here, the outcome is the card's status.
    if (!spans_.empty()) spans_.back().end_ts = std::max(ts, running_since_);
    if (c.state == "active") {
      const std::optional<domain::CardFacts> card = domain::CardOnBoard(state_, c.card_id);
      if (card && (card->status == "done" || card->status == "parked")) c.outcome = std::string(card->status);
    }
    running_card_.reset();
  }
  if (!now) return;
  auto it = live_.find(std::string(now->card_id));
  if (it == live_.end()) return;  // cannot be: the domain discusses only a card on its board
  FoldCard& c = cards_[it->second];
  running_card_ = it->second;
  running_since_ = now->started_ts;
  spans_.push_back(FoldSpan{.card = it->second, .start_ts = now->started_ts, .end_ts = 0});
  ++c.times_discussed;
  if (c.discussion_order == 0) c.discussion_order = ++discussions_started_;
}

void MeetingFold::AddToMinute(int64_t ts, std::optional<int> score) {
  const int64_t minute = std::max<int64_t>(0, ts - first_ts_) / kMsPerMinute;
  // Reactions arrive in ts order (a clock step back lands in the latest minute so far).
  if (minutes_.empty() || minutes_.back().minute < minute)
    minutes_.push_back(FoldMinute{.minute = minute, .reactions = 0, .sum = 0, .sentiment = {}});
  FoldMinute& m = minutes_.back();
  ++m.reactions;
  if (score) {
    m.sum += *score;
    m.sentiment.Add(*score);
  }
}

nlohmann::json MeetingFold::AnalyticsJson() const {
  nlohmann::json items = nlohmann::json::array();
  int64_t discussed_total = 0, votes_total = 0;
  nlohmann::json reactions_by_card = nlohmann::json::object();
  for (const FoldCard& c : cards_) {
    const int64_t discussed = DiscussedMs(c);
    discussed_total += discussed;
    // By card id: a card re-added under the id of a deleted one shows its own (the latest card wins).
    if (!c.card_reactions.empty()) {
      reactions_by_card[c.card_id] = c.card_reactions;
    } else {
      reactions_by_card.erase(c.card_id);
    }
    if (c.state == "active") votes_total += c.votes;
    int64_t takeaways = 0, actions = 0;
    for (const FoldNote& n : c.notes) (n.kind == "action" ? actions : takeaways) += 1;
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
      {"title", title()},
      {"phase", phase()},
      {"head_seq", head_seq_},
      {"last_seq", head_seq_},
      {"items", std::move(items)},
      {"participation", std::move(participation)},
      {"reactions_by_card", std::move(reactions_by_card)},
      {"mood", MoodJson()},
      {"totals",
       {{"first_ts", first_ts_},
        {"last_ts", last_ts_},
        {"duration_ms", last_ts_ - first_ts_},
        {"events", events_},
        {"items", Topics()},
        {"items_added", static_cast<int64_t>(cards_.size())},
        {"items_discussed", TopicsDiscussed()},
        {"discussed_ms", discussed_total},
        {"votes", votes_total},
        {"participants", static_cast<int64_t>(people_.size())},
        {"reactions", reactions_},
        {"reactions_by_emoji", reactions_by_emoji_},
        {"unattributed_reactions", unattributed_reactions_},
        {"sentiment", sentiment_.ToJson()}}},
  };
}

nlohmann::json MeetingFold::MoodJson() const {
  nlohmann::json minutes = nlohmann::json::array();
  for (const FoldMinute& m : minutes_) {
    const int64_t scored = m.sentiment.count();
    minutes.push_back({{"minute", m.minute},
                       {"ts", first_ts_ + m.minute * kMsPerMinute},
                       {"reactions", m.reactions},
                       {"scored", scored},
                       {"sum", m.sum},
                       {"mean", m.sentiment.ToJson()["mean"]},
                       {"positive", m.sentiment.positive},
                       {"neutral", m.sentiment.neutral},
                       {"negative", m.sentiment.negative}});
  }
  nlohmann::json topics = nlohmann::json::array();
  for (size_t i = 0; i < spans_.size(); ++i) {
    const FoldSpan& span = spans_[i];
    const FoldCard& c = cards_[span.card];
    const bool running = running_card_ && i + 1 == spans_.size();
    topics.push_back({{"card_id", c.card_id},
                      {"title", c.title},
                      {"start_ts", span.start_ts},
                      {"end_ts", running ? last_ts_ : span.end_ts},
                      {"running", running}});
  }
  return {{"minute_ms", kMsPerMinute},
          {"start_ts", first_ts_},
          {"minutes", std::move(minutes)},
          {"topics", std::move(topics)}};
}

}  // namespace confab::views
