#include "views/summary.hpp"

#include <algorithm>
#include <cstdio>

#include "views/text_format.hpp"
#include "views/time_text.hpp"

namespace confab::views {
namespace {

std::string Plural(int64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string AuthorOf(const MeetingFold& fold, const FoldNote& note) {
  const FoldPerson* p = fold.FindPerson(note.author_pid);
  const std::string& name = p ? p->name : note.author_name;
  return name.empty() ? fold.NameOf(note.author_pid) : name;
}

// The topics of the summary, grouped as it lists them. Only cards still on the board count (a deleted
// card or one merged away is no topic, as in the analytics' "Topics discussed").
struct Topics {
  std::vector<const FoldCard*> discussed;      // in discussion order; outcome done, running, not finished
  std::vector<const FoldCard*> parked;         // in discussion order; last outcome parked
  std::vector<const FoldCard*> not_discussed;  // most voted first
};

Topics GroupTopics(const MeetingFold& fold) {
  Topics t;
  for (const FoldCard& c : fold.cards()) {
    if (c.state != "active") continue;
    if (c.discussion_order == 0) {
      t.not_discussed.push_back(&c);
    } else if (!fold.IsDiscussing(c) && c.outcome == "parked") {
      t.parked.push_back(&c);
    } else {
      t.discussed.push_back(&c);
    }
  }
  auto by_order = [](const FoldCard* a, const FoldCard* b) {
    return a->discussion_order < b->discussion_order;
  };
  std::sort(t.discussed.begin(), t.discussed.end(), by_order);
  std::sort(t.parked.begin(), t.parked.end(), by_order);
  // Most voted first: what the group wanted to talk about next.
  std::stable_sort(t.not_discussed.begin(), t.not_discussed.end(),
                   [](const FoldCard* a, const FoldCard* b) { return a->votes > b->votes; });
  return t;
}

std::string OutcomeOf(const MeetingFold& fold, const FoldCard& c) {
  if (fold.IsDiscussing(c)) return "in discussion";
  if (c.discussion_order == 0) return "not discussed";
  return c.outcome.value_or("not finished");
}

// Action items of every topic on the board, in the order the topics were discussed (then the rest).
std::vector<std::pair<const FoldCard*, const FoldNote*>> ActionItems(const Topics& topics) {
  std::vector<std::pair<const FoldCard*, const FoldNote*>> out;
  for (const auto* group : {&topics.discussed, &topics.parked, &topics.not_discussed}) {
    for (const FoldCard* c : *group) {
      for (const FoldNote& n : c->notes) {
        if (n.kind == "action") out.emplace_back(c, &n);
      }
    }
  }
  return out;
}

void AppendTakeaways(const MeetingFold& fold, const FoldCard& card, std::string* md) {
  for (const FoldNote& n : card.notes) {
    if (n.kind == "action") continue;
    *md += "   - Takeaway: " + EscapeMarkdown(n.text) + " — " + EscapeMarkdown(AuthorOf(fold, n)) + "\n";
  }
}

void AppendTopic(const MeetingFold& fold, const FoldCard& c, int n, bool with_outcome, std::string* md) {
  *md += std::to_string(n) + ". " + EscapeMarkdown(c.title) + " — " + FormatMinSec(fold.DiscussedMs(c)) +
         ", " + Plural(c.votes, "vote", "votes") + (with_outcome ? ", " + OutcomeOf(fold, c) : "") + "\n";
  AppendTakeaways(fold, c, md);
}

}  // namespace

std::string EscapeMarkdown(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : OneLine(text)) {
    if (std::string_view("\\`*_[]<>#|~&").find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string FormatMoodText(const Sentiment& sentiment) {
  if (sentiment.count() == 0) return "no reactions";
  const double mean = static_cast<double>(sentiment.positive - sentiment.negative) / sentiment.count();
  char number[16];
  std::snprintf(number, sizeof number, "%.2f", mean < 0 ? -mean : mean);
  const char* sign = mean > 0 ? "+" : mean < 0 ? "−" : "±";
  const char* word = mean >= 0.5    ? "positive"
                     : mean > 0.1   ? "mostly positive"
                     : mean >= -0.1 ? "mixed"
                     : mean > -0.5  ? "mostly negative"
                                    : "negative";
  return std::string(sign) + number + " (" + word + ")";
}

std::string SummaryMarkdownOf(const MeetingFold& fold) {
  std::string md = "# " + EscapeMarkdown(fold.title().empty() ? "Untitled meeting" : fold.title()) + "\n\n";
  const int64_t start = fold.created_ts() != 0 ? fold.created_ts() : fold.first_ts();
  md += "- Date: " + FormatUtcDay(start) + " " + FormatIsoMs(start).substr(11, 5) + "–" +
        FormatIsoMs(fold.last_ts()).substr(11, 5) + " UTC (" + FormatMinSec(fold.last_ts() - start) + ")\n";
  std::string people;
  for (const FoldPerson& p : fold.people()) people += (people.empty() ? "" : ", ") + EscapeMarkdown(p.name);
  md += "- Participants (" + std::to_string(fold.people().size()) +
        "): " + (people.empty() ? "none" : people) + "\n";
  // Who held the role when, once it was handed over ("Ada, then Bo, then Ada").
  if (!fold.facilitators().empty()) {
    std::string held;
    for (const std::string& pid : fold.facilitators())
      held += (held.empty() ? "" : ", then ") + EscapeMarkdown(fold.NameOf(pid));
    md += "- Facilitator: " + held + "\n";
  }
  const Sentiment& mood = fold.sentiment();
  md += "- Mood: " + FormatMoodText(mood);
  if (fold.reactions() > 0) {
    md += " from " + Plural(fold.reactions(), "reaction", "reactions") + ": " +
          std::to_string(mood.positive) + " positive, " + std::to_string(mood.neutral) + " neutral, " +
          std::to_string(mood.negative) + " negative";
  }
  md += "\n";

  const Topics topics = GroupTopics(fold);
  md += "\n## Topics discussed\n\n";
  if (topics.discussed.empty()) md += "None.\n";
  int n = 0;
  for (const FoldCard* c : topics.discussed) AppendTopic(fold, *c, ++n, /*with_outcome=*/true, &md);

  // Parked topics were talked about but left open: listed apart, so "discussed" means settled.
  if (!topics.parked.empty()) {
    md += "\n## Topics parked\n\n";
    n = 0;
    for (const FoldCard* c : topics.parked) AppendTopic(fold, *c, ++n, /*with_outcome=*/false, &md);
  }

  md += "\n## Topics not discussed\n\n";
  if (topics.not_discussed.empty()) md += "None.\n";
  for (const FoldCard* c : topics.not_discussed) {
    md += "- " + EscapeMarkdown(c->title) + " — " + Plural(c->votes, "vote", "votes") + "\n";
    AppendTakeaways(fold, *c, &md);
  }

  md += "\n## Action items\n\n";
  const auto actions = ActionItems(topics);
  if (actions.empty()) md += "None.\n";
  for (const auto& [card, note] : actions) {
    md += "- [ ] " + EscapeMarkdown(note->text) + " — " +
          (note->owner_pid.empty() ? std::string("no owner")
                                   : "owner: " + EscapeMarkdown(fold.NameOf(note->owner_pid))) +
          (note->due.empty() ? "" : ", due " + EscapeMarkdown(note->due)) +
          " (topic: " + EscapeMarkdown(card->title) + "; added by " + EscapeMarkdown(AuthorOf(fold, *note)) +
          ")\n";
  }
  return md;
}

nlohmann::json SummaryJsonOf(const MeetingFold& fold) {
  const Topics topics = GroupTopics(fold);
  auto topic_json = [&fold](const FoldCard* c) {
    nlohmann::json takeaways = nlohmann::json::array();
    for (const FoldNote& n : c->notes) {
      if (n.kind != "action") takeaways.push_back({{"text", n.text}, {"author", AuthorOf(fold, n)}});
    }
    return nlohmann::json{{"card_id", c->card_id},
                          {"title", c->title},
                          {"votes", c->votes},
                          {"discussed_ms", fold.DiscussedMs(*c)},
                          {"outcome", OutcomeOf(fold, *c)},
                          {"takeaways", std::move(takeaways)}};
  };
  auto list = [&topic_json](const std::vector<const FoldCard*>& cards) {
    nlohmann::json out = nlohmann::json::array();
    for (const FoldCard* c : cards) out.push_back(topic_json(c));
    return out;
  };
  nlohmann::json actions = nlohmann::json::array();
  for (const auto& [card, note] : ActionItems(topics)) {
    actions.push_back(
        {{"card_id", card->card_id},
         {"note_id", note->note_id},
         {"topic", card->title},
         {"text", note->text},
         {"author", AuthorOf(fold, *note)},
         {"owner_pid", note->owner_pid.empty() ? nlohmann::json() : nlohmann::json(note->owner_pid)},
         {"owner", note->owner_pid.empty() ? nlohmann::json() : nlohmann::json(fold.NameOf(note->owner_pid))},
         {"due", note->due.empty() ? nlohmann::json() : nlohmann::json(note->due)}});
  }
  nlohmann::json people = nlohmann::json::array();
  for (const FoldPerson& p : fold.people()) people.push_back(p.name);
  nlohmann::json facilitators = nlohmann::json::array();
  for (const std::string& pid : fold.facilitators()) facilitators.push_back(fold.NameOf(pid));
  const int64_t start = fold.created_ts() != 0 ? fold.created_ts() : fold.first_ts();
  nlohmann::json mood = fold.sentiment().ToJson();
  mood["reactions"] = fold.reactions();
  mood["text"] = FormatMoodText(fold.sentiment());
  return {{"meeting_id", fold.meeting_id()},
          {"title", fold.title()},
          {"phase", fold.phase()},
          {"last_seq", fold.head_seq()},
          {"start_ts", start},
          {"end_ts", fold.last_ts()},
          {"duration_ms", fold.last_ts() - start},
          {"participants", std::move(people)},
          {"facilitators", std::move(facilitators)},
          {"mood", std::move(mood)},
          {"discussed", list(topics.discussed)},
          {"parked", list(topics.parked)},
          {"not_discussed", list(topics.not_discussed)},
          {"actions", std::move(actions)}};
}

Status FoldMeeting(store::Store& store, std::string_view meeting_id, MeetingFold* out) {
  store::MeetingRecord record;
  if (Status s = store.GetMeeting(meeting_id, &record); !s.ok()) return s;
  *out = MeetingFold(std::string(meeting_id));
  return store.ScanEvents(meeting_id, 0, [out](const store::StoredEvent& ev) {
    nlohmann::json parsed = nlohmann::json::parse(ev.json, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) out->Apply(ev, parsed);
    return true;
  });
}

Status BuildSummaryJson(store::Store& store, std::string_view meeting_id, nlohmann::json* out) {
  MeetingFold fold{std::string(meeting_id)};
  if (Status s = FoldMeeting(store, meeting_id, &fold); !s.ok()) return s;
  *out = SummaryJsonOf(fold);
  return Status::Ok();
}

Status BuildSummaryMarkdown(store::Store& store, std::string_view meeting_id, std::string* out) {
  MeetingFold fold{std::string(meeting_id)};
  if (Status s = FoldMeeting(store, meeting_id, &fold); !s.ok()) return s;
  *out = SummaryMarkdownOf(fold);
  return Status::Ok();
}

}  // namespace confab::views
