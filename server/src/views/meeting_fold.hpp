#pragma once
// MeetingFold: one meeting's log folded into what the views need — cards with their votes,
// discussion spans, reactions and notes; people with their activity; totals. It is a fold of the
// log alone (no clock): the same events always give the same result, live or rebuilt.
// Not thread-safe: owned by one MeetingAnalytics (under the ViewHub's lock) or one request.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

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
  bool deleted = false;
};

struct FoldCard {
  std::string card_id;
  std::string title;  // latest title
  std::string author_pid;
  int64_t added_seq = 0;
  std::string state = "active";        // "active" | "deleted" | "merged"
  std::string merged_into;             // card_id, for state "merged"
  int64_t votes = 0;                   // net: cast − withdrawn + merged in − merged out
  int64_t closed_ms = 0;               // sum of finished discussion spans
  int64_t times_discussed = 0;         // discussion_started count
  int64_t discussion_order = 0;        // 1-based rank of its first discussion_started, 0 = never discussed
  std::optional<std::string> outcome;  // of the last finished discussion: "done" | "parked"
  std::map<std::string, int64_t> reactions;       // by emoji: on the card, or while it was discussed
  std::map<std::string, int64_t> card_reactions;  // by emoji: only those naming the card (board badges)
  Sentiment sentiment;
  int64_t continue_up = 0, continue_sideways = 0, continue_down = 0;
  std::vector<FoldNote> notes;
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
  const std::string& title() const { return title_; }
  const std::string& phase() const { return phase_; }
  int64_t created_ts() const { return created_ts_; }
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
  // Topics still on the board (neither deleted nor merged away), and how many of them were discussed.
  // Who held the facilitator role, in order, when it was ever handed over (facilitator_changed): the
  // first hand-over's actor, then each pid it went to. Empty when it never was (the token holder's).
  const std::vector<std::string>& facilitators() const { return facilitators_; }
  int64_t Topics() const;
  int64_t TopicsDiscussed() const;

 private:
  FoldCard* FindCard(const std::string& card_id);
  FoldPerson* Person(const std::string& pid, const std::string& name_if_new);
  void CloseRunningSpan(int64_t ts);
  void AddToMinute(int64_t ts, std::optional<int> score);

  std::string meeting_id_;
  std::string title_;
  std::string phase_ = "collect";
  int64_t created_ts_ = 0;
  int64_t first_ts_ = 0, last_ts_ = 0;
  int64_t head_seq_ = 0;
  int64_t events_ = 0;
  int64_t discussions_started_ = 0;

  std::vector<FoldCard> cards_;
  std::unordered_map<std::string, size_t> card_index_;
  std::vector<FoldPerson> people_;
  std::unordered_map<std::string, size_t> person_index_;

  // The discussion running now: its card (index into cards_) and start ts.
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
