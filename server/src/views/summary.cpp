#include "views/summary.hpp"

#include <algorithm>

#include "views/text_format.hpp"
#include "views/time_text.hpp"

namespace confab::views {
namespace {

std::string Plural(int64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string AuthorOf(const MeetingFold& fold, const FoldNote& note) {
  const FoldPerson* p = fold.FindPerson(note.author_pid);
  return p ? p->name : note.author_name;
}

void AppendNotes(const MeetingFold& fold, const FoldCard& card, std::string* md) {
  for (std::string_view kind : {"takeaway", "action"}) {
    for (const FoldNote& n : card.notes) {
      if (n.deleted || (n.kind == "action") != (kind == "action")) continue;
      *md += "   - " + std::string(kind == "action" ? "Action" : "Takeaway") + ": " + EscapeMarkdown(n.text) +
             " — " + EscapeMarkdown(AuthorOf(fold, n)) + "\n";
    }
  }
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

std::string SummaryMarkdownOf(const MeetingFold& fold) {
  std::string md = "# " + EscapeMarkdown(fold.title().empty() ? "Untitled meeting" : fold.title()) + "\n\n";
  const int64_t start = fold.created_ts() != 0 ? fold.created_ts() : fold.first_ts();
  md += "- Date: " + FormatUtcDay(start) + " " + FormatIsoMs(start).substr(11, 5) + "–" +
        FormatIsoMs(fold.last_ts()).substr(11, 5) + " UTC (" + FormatMinSec(fold.last_ts() - start) + ")\n";
  std::string people;
  for (const FoldPerson& p : fold.people()) people += (people.empty() ? "" : ", ") + EscapeMarkdown(p.name);
  md += "- Participants (" + std::to_string(fold.people().size()) +
        "): " + (people.empty() ? "none" : people) + "\n";

  std::vector<const FoldCard*> discussed, not_discussed;
  for (const FoldCard& c : fold.cards()) {
    if (c.discussion_order > 0) {
      discussed.push_back(&c);
    } else if (c.state == "active") {
      not_discussed.push_back(&c);
    }
  }
  std::sort(discussed.begin(), discussed.end(),
            [](const FoldCard* a, const FoldCard* b) { return a->discussion_order < b->discussion_order; });
  // Most voted first: what the group wanted to talk about next.
  std::stable_sort(not_discussed.begin(), not_discussed.end(),
                   [](const FoldCard* a, const FoldCard* b) { return a->votes > b->votes; });

  md += "\n## Topics discussed\n\n";
  if (discussed.empty()) md += "None.\n";
  int n = 0;
  for (const FoldCard* c : discussed) {
    std::string outcome = fold.IsDiscussing(*c) ? "in discussion" : c->outcome.value_or("not finished");
    md += std::to_string(++n) + ". " + EscapeMarkdown(c->title) + " — " + FormatMinSec(fold.DiscussedMs(*c)) +
          ", " + Plural(c->votes, "vote", "votes") + ", " + outcome + "\n";
    AppendNotes(fold, *c, &md);
  }
  md += "\n## Topics not discussed\n\n";
  if (not_discussed.empty()) md += "None.\n";
  for (const FoldCard* c : not_discussed) {
    md += "- " + EscapeMarkdown(c->title) + " — " + Plural(c->votes, "vote", "votes") + "\n";
    AppendNotes(fold, *c, &md);
  }
  return md;
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

Status BuildSummaryMarkdown(store::Store& store, std::string_view meeting_id, std::string* out) {
  MeetingFold fold{std::string(meeting_id)};
  if (Status s = FoldMeeting(store, meeting_id, &fold); !s.ok()) return s;
  *out = SummaryMarkdownOf(fold);
  return Status::Ok();
}

}  // namespace confab::views
