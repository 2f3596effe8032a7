#pragma once
// MeetingFold: one meeting's log folded into what the views need — cards with their votes,
// discussion spans, reactions and notes; people with their activity; totals. It is a fold of the
// log alone (no clock): the same events always give the same result, live or rebuilt.
//
// The rules are the domain's: every event goes through domain::Apply into a domain::Meeting held here,
// and the analytics are what changed across that Apply (a card that came onto the board or left it,
// its votes, title and notes, the discussion that started or ended), plus the event itself for what the
// state does not keep (who did it, when, reactions). The fold never decides whether an event counts;
// the domain's state says whether it took effect. docs/views.md § "How the views derive from the domain".
// Not thread-safe: owned by one MeetingAnalytics (under the ViewHub's lock) or one request.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/meeting.hpp"
#include "store/store.hpp"
#include "views/sentiment.hpp"

namespace confab::views {

struct FoldNote {
  std::string note_id;
  std::string kind;  // "takeaway" | "action"
  std::string text;
  std::string author_pid;
  std::string author_name;  // as the author was called when writing it
  std::string owner_pid;    // action items: who owns it ("" nobody)
  std::string due;          // action items: "YYYY-MM-DD" ("" none)
};

// One card as it lived on the board: from the card_added that put it there to now, or to the event
// that took it off (then frozen as it was). A card id re-added after a delete is a new FoldCard.
struct FoldCard {
  std::string card_id;
  std::string title;  // latest title
  std::string author_pid;
  int64_t added_seq = 0;
  std::string state = "active";  // "active" | "deleted" | "merged"
  std::string merged_into;       // card_id, for state "merged"
  int64_t votes = 0;             // the domain's: on the card now (merged in included); 0 once merged away
  int64_t closed_ms = 0;         // the domain's discussed_ms: finished discussions (merged in included)
  int64_t times_discussed = 0;   // discussions started
  int64_t discussion_order = 0;  // 1-based rank of its first discussion, 0 = never discussed
  std::optional<std::string> outcome;             // of the last finished discussion: "done" | "parked"
  std::map<std::string, int64_t> reactions;       // by emoji: on the card, or while it was discussed
  std::map<std::string, int64_t> card_reactions;  // by emoji: only those naming the card (board badges)
  Sentiment sentiment;
  int64_t continue_up = 0, continue_sideways = 0, continue_down = 0;
  std::vector<FoldNote> notes;  // the domain's notes of the card (moved along by a merge)
};

// One discussion span: a topic marked on the mood-over-time chart. A running span has end_ts 0.
struct FoldSpan {
  size_t card = 0;  // index into cards()
  int64_t start_ts = 0;
  int64_t end_ts = 0;
};

// Reactions within one minute of the meeting (minute 0 starts at the first event's ts).
struct FoldMinute {
  int64_t minute = 0;
  int64_t reactions = 0;  // all, scored or not
  int64_t sum = 0;        // Σ scores of the scored ones
  Sentiment sentiment;
};

struct FoldPerson {
  std::string pid;
  std::string name;  // latest name
  int64_t cards = 0, votes = 0, notes = 0, reactions = 0, continue_votes = 0, events = 0;
};

class MeetingFold {
 public:
  explicit MeetingFold(std::string meeting_id) : meeting_id_(std::move(meeting_id)) {}

  // Folds one committed event; `parsed` is ev.json parsed. Events arrive in seq order.
  void Apply(const store::StoredEvent& ev, const nlohmann::json& parsed);

  // GET /api/meetings/ID/analytics (docs/views.md has the definitions).
  nlohmann::json AnalyticsJson() const;
  // The mood-over-time chart: reactions per minute with their sentiment, and the discussion spans.
  nlohmann::json MoodJson() const;

  // Time spent on `card`: finished spans plus a running one counted up to the last event's ts.
  int64_t DiscussedMs(const FoldCard& card) const;
  bool IsDiscussing(const FoldCard& card) const;

  const std::string& meeting_id() const { return meeting_id_; }
  std::string title() const { return domain::Title(state_); }
  std::string phase() const { return domain::Phase(state_); }
  int64_t created_ts() const { return domain::CreatedTs(state_); }
  int64_t first_ts() const { return first_ts_; }
  int64_t last_ts() const { return last_ts_; }
  int64_t head_seq() const { return head_seq_; }
  int64_t events() const { return events_; }
  const std::vector<FoldCard>& cards() const { return cards_; }      // in the order they were added
  const std::vector<FoldPerson>& people() const { return people_; }  // in order of first appearance
  const FoldPerson* FindPerson(std::string_view pid) const;
  // The latest name of `pid`: "Anonymous" for anonymous cards' actor, the pid itself when unknown.
  std::string NameOf(std::string_view pid) const;
  const std::vector<FoldSpan>& spans() const { return spans_; }
  const std::vector<FoldMinute>& mood_minutes() const { return minutes_; }  // minutes with reactions
  const Sentiment& sentiment() const { return sentiment_; }
  int64_t reactions() const { return reactions_; }
  // Who held the facilitator role, in order, when it was ever handed over (facilitator_changed): the
  // first hand-over's actor, then each pid it went to. Empty when it never was (the token holder's).
  const std::vector<std::string>& facilitators() const { return facilitators_; }
  // Topics still on the board (neither deleted nor merged away), and how many of them were discussed.
  int64_t Topics() const;
  int64_t TopicsDiscussed() const;

 private:
  FoldPerson* Person(const std::string& pid, const std::string& name_if_new);
  // After domain::Apply: what happened to the card `card_id` (named by the event), and to the discussion.
  void FollowCard(const std::string& card_id, const store::StoredEvent& ev, const nlohmann::json& data,
                  FoldPerson* person, const std::string& actor_name);
  void FollowDiscussion(int64_t ts);
  void SyncNotes(FoldCard& card, std::span<const domain::Note> notes, FoldPerson* person,
                 const std::string& actor_name);
  void AddToMinute(int64_t ts, std::optional<int> score);

  std::string meeting_id_;
  domain::Meeting state_;  // the domain's fold of the same events: the source of every rule
  int64_t first_ts_ = 0, last_ts_ = 0;
  int64_t head_seq_ = 0;
  int64_t events_ = 0;
  int64_t discussions_started_ = 0;

  std::vector<FoldCard> cards_;
  // The cards on the board now (as of the last event) by card_id: index into cards_. Mirrors the
  // domain's board, so a card that is in one and not the other is what the last event changed.
  std::unordered_map<std::string, size_t> live_;
  std::vector<FoldPerson> people_;
  std::unordered_map<std::string, size_t> person_index_;

  // The discussion running now (mirroring the domain's): its card (index into cards_) and start ts.
  std::optional<size_t> running_card_;
  int64_t running_since_ = 0;
  std::vector<FoldSpan> spans_;
  std::vector<std::string> facilitators_;  // pids
  std::vector<FoldMinute> minutes_;

  int64_t reactions_ = 0, unattributed_reactions_ = 0;
  std::map<std::string, int64_t> reactions_by_emoji_;
  Sentiment sentiment_;
};

}  // namespace confab::views
