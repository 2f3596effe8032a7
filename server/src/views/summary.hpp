#pragma once
// The meeting summary as Markdown (GET /api/meetings/ID/summary.md) and JSON (…/summary): title, date,
// participants, mood, the topics discussed in discussion order with time spent, votes, outcome and
// takeaways, the topics parked, the topics not discussed, then every action item with its owner and due
// date. Folded on demand from the store. Safe from any thread.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "store/store.hpp"
#include "util/status.hpp"
#include "views/meeting_fold.hpp"

namespace confab::views {

// `text` on one line with Markdown's inline syntax made literal: \ ` * _ [ ] < > # | ~ & are
// backslash-escaped (CommonMark allows escaping any ASCII punctuation), control chars become spaces.
std::string EscapeMarkdown(std::string_view text);

// A sentiment as the summary words it: "+0.38 (mostly positive)", "no reactions" (as the web's formatMood).
std::string FormatMoodText(const Sentiment& sentiment);

// The summary of an already folded meeting.
std::string SummaryMarkdownOf(const MeetingFold& fold);
// The same content as JSON (GET /api/meetings/ID/summary; the web's Done screen): docs/views.md.
nlohmann::json SummaryJsonOf(const MeetingFold& fold);

// Folds `meeting_id` from the store and renders it. NotFound for an unknown meeting.
Status BuildSummaryMarkdown(store::Store& store, std::string_view meeting_id, std::string* out);

// Folds `meeting_id` from the store and answers SummaryJsonOf. NotFound for an unknown meeting.
Status BuildSummaryJson(store::Store& store, std::string_view meeting_id, nlohmann::json* out);

// Folds one meeting's whole log from the store. NotFound for an unknown meeting.
Status FoldMeeting(store::Store& store, std::string_view meeting_id, MeetingFold* out);

}  // namespace confab::views
