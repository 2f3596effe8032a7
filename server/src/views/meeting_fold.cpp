#include "views/meeting_fold.hpp"

#include "views/event_fields.hpp"

namespace confab::views {
namespace {

constexpr std::string_view kAnonymous = "anonymous";
constexpr int64_t kMsPerMinute = 60'000;

// The server's own actor (meeting_created) is not a participant, and neither is the actor written
// for anonymous cards (docs/domain.md): it stands for whoever wrote them, so it is nobody's activity.
bool IsPerson(std::string_view pid) {
  return !pid.empty() && pid != "system" && pid != kAnonymous;
}

// An optional field of action items: a string sets it, null clears it, absent leaves it.
void UpdateOptional(const nlohmann::json& data, std::string_view key, std::string* field) {
  const nlohmann::json& v = Field(data, key);
  if (v.is_string()) *field = v.get<std::string>();
  if (v.is_null() && data.is_object() && data.contains(key)) field->clear();
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

std::string MeetingFold::NameOf(std::string_view pid) const {
  if (pid == kAnonymous) return "Anonymous";
  const FoldPerson* p = FindPerson(pid);
  return p && !p->name.empty() ? p->name : std::string(pid);
}

int64_t MeetingFold::Topics() const {
  int64_t n = 0;
  for (const FoldCard& c : cards_) n += c.state == "active" ? 1 : 0;
  return n;
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

void MeetingFold::CloseRunningSpan(int64_t ts) {
  if (!running_card_) return;
  cards_[*running_card_].closed_ms += ts - running_since_;
  if (!spans_.empty()) spans_.back().end_ts = std::max(ts, running_since_);
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
  } else if (type == "facilitator_changed") {
    const std::string pid = StrField(data, "pid");
    if (facilitators_.empty() && !ev.actor_pid.empty() && ev.actor_pid != pid)
      facilitators_.push_back(ev.actor_pid);
    if (!pid.empty() && (facilitators_.empty() || facilitators_.back() != pid)) facilitators_.push_back(pid);
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
      // Its notes move with it, as in the domain (later note events name the card merged into).
      into->notes.insert(into->notes.end(), from->notes.begin(), from->notes.end());
      from->notes.clear();
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
      spans_.push_back(FoldSpan{.card = it->second, .start_ts = ts, .end_ts = 0});
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
      n.owner_pid = StrField(data, "owner");
      n.due = StrField(data, "due");
    }
  } else if (type == "action_updated") {
    if (FoldCard* c = FindCard(StrField(data, "card_id"))) {
      const std::string note_id = StrField(data, "note_id");
      for (FoldNote& n : c->notes) {
        if (n.note_id != note_id) continue;
        UpdateOptional(data, "owner", &n.owner_pid);
        UpdateOptional(data, "due", &n.due);
      }
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
    AddToMinute(ts, score);
    // A reaction names its card, or else belongs to the card under discussion at that moment.
    FoldCard* c = nullptr;
    if (HasStrField(data, "card_id")) {
      c = FindCard(StrField(data, "card_id"));
      if (c) ++c->card_reactions[emoji];
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
    if (!c.card_reactions.empty()) reactions_by_card[c.card_id] = c.card_reactions;
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
